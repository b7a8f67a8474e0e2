"""Deterministic train / held-out splits of robot clips, by clip id."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from adapt2reward.data.records import ClipRecord


def is_heldout(clip_id: str, fraction: float, seed: int = 0) -> bool:
    """Whether a clip belongs to the held-out share; stable across runs, machines and dataset order."""
    return (zlib.crc32(f"{seed}:{clip_id}".encode()) % 10_000) < fraction * 10_000


def split_heldout(
    records: Sequence[ClipRecord], fraction: float, seed: int = 0
) -> tuple[list[int], list[int]]:
    """Indices of the training clips and of the held-out clips."""
    train, heldout = [], []
    for i, record in enumerate(records):
        (heldout if is_heldout(record.id, fraction, seed) else train).append(i)
    return train, heldout
