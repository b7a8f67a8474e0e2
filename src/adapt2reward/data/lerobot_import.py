"""Import a LeRobot dataset once into this project's dataset format (manifest + npz clips).

Training caches frame features per dataset folder, the held-out evaluation and the baselines read robot
folders through their manifests, and a clip is decoded once instead of at every epoch: so a LeRobot
folder is imported into an ordinary dataset folder, which every command then reads unchanged. The import
is resumable like `a2r generate`: each clip file is written atomically, its manifest line appended after
it, and a rerun skips the episodes already imported. `lerobot_import.json` records what was imported; a
rerun with other settings is refused rather than mixing two imports in one folder.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from adapt2reward.data.clip_io import save_clip
from adapt2reward.data.folder_settings import check_folder_settings
from adapt2reward.data.generate import finished_ids
from adapt2reward.data.lerobot_read import LeRobotSource, LeRobotSpec, slug
from adapt2reward.data.records import append_records
from adapt2reward.data.transforms import to_video_tensor

IMPORT_NAME = "lerobot_import.json"


def _settings(spec: LeRobotSpec, size: int | None) -> dict:
    spec = replace(spec, path=str(Path(spec.path).resolve()))
    if spec.success_file:
        spec = replace(spec, success_file=str(Path(spec.success_file).resolve()))
    return json.loads(json.dumps({"source": spec.to_dict(), "size": size}))


def default_cache(spec: LeRobotSpec, size: int | None = 64) -> Path:
    """Where `a2r train --lerobot` imports to: $A2R_CACHE (or ~/.cache/adapt2reward)/lerobot/NAME-DIGEST."""
    base = Path(os.environ.get("A2R_CACHE") or Path.home() / ".cache" / "adapt2reward")
    digest = hashlib.sha1(json.dumps(_settings(spec, size), sort_keys=True).encode()).hexdigest()[:10]
    return base / "lerobot" / f"{slug(Path(spec.path).resolve().name)}-{digest}"


def resize(frames: np.ndarray, size: int) -> np.ndarray:
    """Centre-crop to a square and resize to size x size, exactly as the model's input transform does."""
    video = to_video_tensor(frames[None], len(frames), size)[0]
    return video.permute(0, 2, 3, 1).contiguous().numpy()


def import_lerobot(
    spec: LeRobotSpec, out: str | Path, size: int | None = 64, progress: bool = True
) -> dict[str, int | str]:
    """Import every episode of `spec` missing from `out`; returns counts of imported and skipped clips.

    `size`: frames are stored centre-cropped and resized to size x size (None: as decoded). Every
    episode's label is resolved before any video is decoded, so a missing label fails at once.
    """
    out = Path(out)
    source = LeRobotSource(spec)
    records = [(episode, source.record(episode)) for episode in source.episodes]
    out.mkdir(parents=True, exist_ok=True)
    check_folder_settings(out, _settings(spec, size), IMPORT_NAME, "a LeRobot import")
    done = finished_ids(out)
    pending = [(e, r) for e, r in records if r.id not in done]
    for episode, record in tqdm(pending, desc="importing episodes", unit="episode", disable=not progress):
        frames = source.frames(episode)
        if size:
            frames = resize(frames, size)
        progress = source.progress(episode)
        save_clip(out / record.path, frames, **({} if progress is None else {"progress": progress}))
        height, width = frames.shape[1:3]
        append_records(out, [replace(record, height=int(height), width=int(width))])
    return {"out": str(out), "imported": len(pending), "skipped": len(records) - len(pending)}
