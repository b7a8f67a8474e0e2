"""Import chosen Something-Something-v2 classes once into this project's dataset format.

As for LeRobot (`lerobot_import`): stage 1, stage 2 and the baselines read human clips from dataset
folders, cache frame features per folder and would otherwise decode every webm at every run, so the
videos of the chosen classes are decoded once (by seeking, `ssv2_video`), resized, and written as an
ordinary dataset folder that every loader reads unchanged. Resumable: each clip is written atomically
and its manifest line appended after it; a rerun skips what is there. `ssv2_import.json` records the
settings, and a rerun with other settings is refused rather than mixing two imports in one folder.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from adapt2reward.data.clip_io import save_clip
from adapt2reward.data.folder_settings import check_folder_settings
from adapt2reward.data.generate import finished_ids
from adapt2reward.data.records import ClipRecord, append_records
from adapt2reward.data.ssv2 import entry_record, read_ssv2_entries, video_path
from adapt2reward.data.ssv2_classes import (
    class_key,
    find_class_file,
    map_tasks,
    read_class_file,
    select_classes,
)
from adapt2reward.data.ssv2_video import read_frames
from adapt2reward.data.transforms import to_video_tensor

IMPORT_NAME = "ssv2_import.json"


@dataclass(frozen=True)
class SSV2Spec:
    """What to import: a split's labels JSON and video folder, the classes (ids or templates; empty:
    the task map's classes, or all), the class file (default: found next to the labels), at most
    `per_class` videos of each class (0: all, in the labels file's order), `num_frames` frames per video.

    `task_map` (class -> task name, e.g. `{"Closing [something]": "drawer-close"}`) names the task of
    those classes' clips, so that stage 2 pairs them with that robot task in CDC. It is applied here,
    in the import, so every loader (stage 2, the baselines) reads the mapped tasks unchanged.
    """

    labels: str
    videos: str
    classes: tuple[str, ...] = ()
    task_map: dict[str, str] = field(default_factory=dict)
    class_file: str | None = None
    per_class: int = 0
    num_frames: int = 8

    def __post_init__(self) -> None:
        if self.per_class < 0 or self.num_frames <= 0:
            raise ValueError("per_class must be >= 0 and num_frames positive")


def ssv2_records(spec: SSV2Spec) -> tuple[list[ClipRecord], list[Path], dict[str, Any]]:
    """Records (paths `clips/<id>.npz`) and videos of the chosen classes, and the import's settings.

    Every error (unknown class, missing video, a labels file without templates) comes here, before
    anything is decoded or written.
    """
    entries = read_ssv2_entries(spec.labels)
    class_file = spec.class_file or find_class_file(spec.labels)
    class_ids = read_class_file(class_file) if class_file else None
    wanted = spec.classes or tuple(spec.task_map)
    keys = select_classes(wanted, entries, class_ids) if wanted else None
    chosen, counts = [], Counter()
    for entry in entries:
        key = class_key(entry["template"])
        if (keys is None or key in keys) and (not spec.per_class or counts[key] < spec.per_class):
            chosen.append(entry)
            counts[key] += 1
    if not chosen:
        raise ValueError(f"{spec.labels} lists no video of the SS-V2 classes {list(wanted)}")
    videos = [video_path(Path(spec.videos), entry) for entry in chosen]
    ids = class_ids or {}
    records = [
        entry_record(e, spec.num_frames, f"clips/ssv2-{e['id']}.npz", ids.get(class_key(e["template"])))
        for e in chosen
    ]
    if spec.task_map:
        records = map_tasks(records, spec.task_map)
    settings = {
        "labels": str(Path(spec.labels).resolve()),
        "videos": str(Path(spec.videos).resolve()),
        "classes": sorted(keys) if keys is not None else "all",
        "class_file": str(Path(class_file).resolve()) if class_file else None,
        "task_map": dict(sorted(spec.task_map.items())),
        "per_class": spec.per_class,
        "num_frames": spec.num_frames,
    }
    return records, videos, settings


def default_cache(spec: SSV2Spec, size: int | None = 64) -> Path:
    """Where `--ssv2-labels` imports to: $A2R_CACHE (or ~/.cache/adapt2reward)/ssv2/NAME-DIGEST."""
    base = Path(os.environ.get("A2R_CACHE") or Path.home() / ".cache" / "adapt2reward")
    _, _, settings = ssv2_records(spec)
    digest = hashlib.sha1(json.dumps(settings | {"size": size}, sort_keys=True).encode()).hexdigest()[:10]
    return base / "ssv2" / f"{Path(spec.labels).stem}-{digest}"


def import_ssv2(spec: SSV2Spec, out: str | Path, size: int | None = 64, progress: bool = True) -> dict:
    """Import the chosen videos missing from `out`; returns the folder and counts of imported/skipped.

    `size`: frames are centre-cropped and resized to size x size, as the model's input (None: kept).
    """
    out = Path(out)
    records, videos, settings = ssv2_records(spec)
    out.mkdir(parents=True, exist_ok=True)
    check_folder_settings(out, settings | {"size": size}, IMPORT_NAME, "an SS-V2 import")
    done = finished_ids(out)
    pending = [(r, v) for r, v in zip(records, videos, strict=True) if r.id not in done]
    for record, video in tqdm(pending, desc="importing SS-V2 videos", unit="video", disable=not progress):
        frames = read_frames(video, spec.num_frames)
        if size:
            frames = to_video_tensor(frames[None], len(frames), size)[0].permute(0, 2, 3, 1).numpy()
        save_clip(out / record.path, np.ascontiguousarray(frames))
        height, width = frames.shape[1:3]
        append_records(out, [replace(record, height=int(height), width=int(width))])
    return {"out": str(out), "imported": len(pending), "skipped": len(records) - len(pending)}


def ssv2_folder(spec: SSV2Spec, cache: str | Path | None = None, progress: bool = True) -> Path:
    """The dataset folder of `spec`'s import (made now, or completed; a rerun reuses it)."""
    out = Path(cache) if cache else default_cache(spec)
    import_ssv2(spec, out, progress=progress)
    return out
