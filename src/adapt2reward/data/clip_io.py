"""Reading and writing clips.

Generated clips are stored one per file as compressed NumPy archives (`.npz`): `frames`, a uint8 array
(T, H, W, 3), and optional per-frame arrays (`progress`, the simulator's dense reward at each kept frame).
They are exact (no lossy codec blurs a 64x64 frame) and decode in about a millisecond. Video files
(mp4, webm, ...) of users and of Something-Something-v2 are decoded with PyAV through imageio.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from adapt2reward.data.records import ClipRecord
from adapt2reward.paths import why_not

VIDEO_SUFFIXES = (".mp4", ".webm", ".avi", ".mov", ".mkv", ".gif")


class ClipDecodeError(RuntimeError):
    """A clip file is missing, unreadable or holds frames of the wrong shape or type."""


def save_clip(path: str | Path, frames: np.ndarray, **arrays: np.ndarray) -> None:
    """Write a clip atomically: a half-written file never carries the final name."""
    frames = check_frames(frames, where=str(path))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with tmp.open("wb") as f:
        np.savez_compressed(f, frames=frames, **arrays)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def check_frames(frames: Any, where: str = "clip") -> np.ndarray:
    """Return `frames` as a uint8 (T, H, W, 3) array or raise `ClipDecodeError` saying what is wrong."""
    frames = np.asarray(frames)
    if frames.dtype != np.uint8:
        raise ClipDecodeError(f"{where}: frames must be uint8, got {frames.dtype}")
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.shape[0] == 0:
        raise ClipDecodeError(f"{where}: frames must have shape (T>0, H, W, 3), got {frames.shape}")
    return frames


def read_clip_file(path: str | Path, num_frames: int | None = None) -> dict[str, np.ndarray]:
    """Read every array of a clip file (`frames` and any per-frame extras).

    A video file yields `frames` only, `num_frames` evenly spaced frames of it when given.
    """
    path = Path(path)
    if not path.is_file():
        raise ClipDecodeError(f"clip file {path} {why_not(path, 'file')}")
    if path.suffix.lower() in VIDEO_SUFFIXES:
        return {"frames": read_video(path, num_frames)}
    try:
        with np.load(path) as archive:
            arrays = {k: archive[k] for k in archive.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise ClipDecodeError(f"clip file {path} is corrupt or not a clip archive: {e}") from e
    if "frames" not in arrays:
        raise ClipDecodeError(f"clip file {path} holds no 'frames' array")
    arrays["frames"] = check_frames(arrays["frames"], where=str(path))
    return arrays


def read_video(path: str | Path, num_frames: int | None = None) -> np.ndarray:
    """Decode a video file to uint8 (T, H, W, 3); with `num_frames`, keep that many evenly spaced frames."""
    import imageio.v3 as iio

    path = Path(path)
    if not path.is_file():
        raise ClipDecodeError(f"video file {path} {why_not(path, 'file')}")
    try:
        frames = np.stack([np.asarray(f)[..., :3] for f in iio.imiter(path, plugin="pyav")])
    except Exception as e:  # PyAV raises many error types for damaged files
        raise ClipDecodeError(f"video file {path} could not be decoded: {e}") from e
    frames = check_frames(frames, where=str(path))
    if num_frames is not None:
        frames = frames[np.linspace(0, len(frames) - 1, num_frames).round().astype(int)]
    return frames


def write_video(path: str | Path, frames: np.ndarray, fps: int = 8, codec: str = "libx264") -> None:
    """Encode uint8 (T, H, W, 3) frames as a video file (mp4 with H.264 by default)."""
    import imageio.v3 as iio

    frames = check_frames(frames, where=str(path))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    iio.imwrite(path, frames, plugin="pyav", codec=codec, fps=fps)


def load_clip(dataset_dir: str | Path, record: ClipRecord | dict) -> np.ndarray:
    """Load one clip of a dataset as a uint8 array (T, H, W, 3)."""
    if isinstance(record, dict):
        record = ClipRecord.from_dict(record)
    frames = read_clip_file(Path(dataset_dir) / record.path, record.num_frames)["frames"]
    if len(frames) != record.num_frames:
        raise ClipDecodeError(
            f"clip {record.id}: file holds {len(frames)} frames, the manifest says {record.num_frames}"
        )
    return frames
