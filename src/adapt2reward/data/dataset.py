"""`ClipDataset`: the clips of one or more dataset folders, filtered by domain, task, label or variant."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from adapt2reward.data.clip_io import load_clip
from adapt2reward.data.records import ClipRecord, read_manifest
from adapt2reward.data.ssv2 import read_ssv2_labels
from adapt2reward.data.ssv2_video import read_frames


def _as_set(value: Any) -> set | None:
    if value is None:
        return None
    if isinstance(value, str | bool | int):
        return {value}
    return set(value)


class ClipDataset:
    """Clips of dataset folders as `(frames uint8 (T, H, W, 3), record)` pairs.

    Each filter takes one value or a collection; `None` keeps everything. Works as a map-style
    `torch.utils.data.Dataset` (it only needs `__len__` and `__getitem__`).
    """

    def __init__(
        self,
        dirs: str | Path | Sequence[str | Path],
        domain: str | Sequence[str] | None = None,
        task: str | Sequence[str] | None = None,
        success: bool | None = None,
        variant: str | Sequence[str] | None = None,
        failure_source: str | Sequence[str] | None = None,
    ) -> None:
        if isinstance(dirs, str | Path):
            dirs = [dirs]
        self.items = [(Path(d), record) for d in dirs for record in read_manifest(d)]
        self.keep(domain=domain, task=task, success=success, variant=variant, failure_source=failure_source)

    @classmethod
    def from_ssv2(cls, labels_json: str | Path, video_dir: str | Path, num_frames: int = 8) -> ClipDataset:
        """The videos of a real Something-Something-v2 split, decoded by seeking at every access.

        For training, import the classes once instead (`adapt2reward.data.ssv2_import`).
        """
        dataset = SSV2Clips([])
        dataset.items = [(Path(video_dir), r) for r in read_ssv2_labels(labels_json, video_dir, num_frames)]
        return dataset

    def keep(
        self,
        domain: str | Sequence[str] | None = None,
        task: str | Sequence[str] | None = None,
        success: bool | None = None,
        variant: str | Sequence[str] | None = None,
        failure_source: str | Sequence[str] | None = None,
    ) -> ClipDataset:
        """Keep only the clips that pass every given filter (in place; returns self)."""
        wanted = {
            "domain": _as_set(domain),
            "task": _as_set(task),
            "success": _as_set(success),
            "variant": _as_set(variant),
            "failure_source": _as_set(failure_source),
        }
        self.items = [
            (root, r)
            for root, r in self.items
            if all(w is None or getattr(r, k) in w for k, w in wanted.items())
        ]
        return self

    @property
    def records(self) -> list[ClipRecord]:
        return [record for _, record in self.items]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> tuple[np.ndarray, ClipRecord]:
        root, record = self.items[index]
        return load_clip(root, record), record

    def frames(self, indices: Sequence[int] | None = None) -> np.ndarray:
        """Stack the clips at `indices` (all by default) into one uint8 array (N, T, H, W, 3)."""
        indices = range(len(self)) if indices is None else indices
        return np.stack([self[i][0] for i in indices])

    def tasks(self) -> list[str]:
        return sorted({record.task for record in self.records})


class SSV2Clips(ClipDataset):
    """SS-V2 videos read in place: `num_frames` evenly spaced frames decoded by seeking, not all."""

    def __getitem__(self, index: int) -> tuple[np.ndarray, ClipRecord]:
        root, record = self.items[index]
        return read_frames(root / record.path, record.num_frames), record
