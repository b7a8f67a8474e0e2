"""The labelled clip set `a2r bench` scores: dataset folders (generated or imported from LeRobot) and/or
the held-out clips of a stage-2 checkpoint, filtered by domain and task."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from adapt2reward.data.clip_io import read_clip_file
from adapt2reward.data.dataset import ClipDataset
from adapt2reward.data.records import ClipRecord
from adapt2reward.evaluation.heldout import heldout_items
from adapt2reward.models.checkpoint import read_config


@dataclass(frozen=True)
class ClipSet:
    """Clips (N, T, H, W, 3) uint8, their records, the simulator's progress per clip (None where a clip
    carries none), the tasks in order, and where the clips came from."""

    clips: np.ndarray
    records: list[ClipRecord]
    progress: list[np.ndarray | None]
    tasks: list[str]
    sources: list[str]

    @property
    def labels(self) -> np.ndarray:
        return np.array([r.success for r in self.records], bool)


def read_clips(items: Sequence[tuple[Path, ClipRecord]], desc: str, progress: bool = True) -> ClipSet:
    """Read the clip files of (dataset folder, record) pairs; every clip must have one shape."""
    frames, progress_of = [], []
    for root, record in tqdm(items, desc=desc, unit="clip", disable=not progress):
        arrays = read_clip_file(root / record.path)
        frames.append(arrays["frames"])
        progress_of.append(arrays.get("progress"))
    shapes = sorted({f.shape for f in frames})
    if len(shapes) > 1:
        raise ValueError(
            f"the clips have {len(shapes)} shapes {shapes[:3]}: give folders of one frame count and size "
            "(e.g. import LeRobot data with --frames 8 --size 64)"
        )
    records = [r for _, r in items]
    tasks = list(dict.fromkeys(r.task for r in records))
    clips = np.stack(frames) if frames else np.zeros((0, 1, 1, 1, 3), np.uint8)
    return ClipSet(clips, records, progress_of, tasks, [])


def load_clip_set(
    data: Sequence[str | Path] = (),
    heldout_of: str | Path | None = None,
    domain: str = "robot",
    tasks: Sequence[str] | None = None,
    progress: bool = True,
) -> ClipSet:
    """The labelled clips of `data` folders plus, with `heldout_of`, a stage-2 checkpoint's held-out clips
    (those `a2r eval offline` scores); a clip id seen twice is kept once."""
    items: list[tuple[Path, ClipRecord]] = []
    sources = []
    for folder in data:
        if not Path(folder).is_dir():
            raise FileNotFoundError(f"--data {folder} is not a folder")
        found = ClipDataset(folder, domain=domain, task=list(tasks) if tasks else None).items
        items += found
        sources.append(f"{folder}: {len(found)} {domain} clips")
    if heldout_of is not None:
        held = heldout_items(heldout_of, tasks)
        items += held
        fraction = read_config(heldout_of)["train"].get("heldout_fraction", 0.2)
        sources.append(
            f"held-out clips of {heldout_of}: {len(held)} (the held-out {fraction:.0%} of its training looks "
            "by clip id, and every clip of its other looks)"
        )
    unique = list({r.id: (root, r) for root, r in items}.values())
    if not unique:
        raise ValueError(
            "no labelled clips to score: give --data FOLDER (a dataset folder with manifest.jsonl) or "
            f"--heldout CHECKPOINT, and check --domain ({domain}) and --tasks ({tasks})"
        )
    clip_set = read_clips(unique, "reading clips", progress)
    return ClipSet(clip_set.clips, clip_set.records, clip_set.progress, clip_set.tasks, sources)
