"""Evenly spaced frames of a video (webm, mp4, ...) decoded by seeking with PyAV, not all frames.

The packet index (demuxed, not decoded: cheap) gives every frame's timestamp and the keyframes, so the
wanted frames are exact and the decoder jumps to the keyframe before a wanted frame whenever that
keyframe lies ahead of where it stands; only the frames kept are converted to RGB.
"""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path
from typing import Any

import numpy as np

from adapt2reward.data.clip_io import ClipDecodeError, check_frames


def read_frames(path: str | Path, num_frames: int) -> np.ndarray:
    """uint8 (num_frames, H, W, 3): frames evenly spaced from the first to the last of the video."""
    import av

    path = Path(path)
    if not path.is_file():
        raise ClipDecodeError(f"video file {path} does not exist")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise ClipDecodeError(f"video file {path} holds no video stream")
            stream = container.streams.video[0]
            packets = [(p.pts, p.is_keyframe) for p in container.demux(stream) if p.pts is not None]
            times = sorted(pts for pts, _ in packets)
            keys = sorted(pts for pts, key in packets if key)
            if not times:
                raise ClipDecodeError(f"video file {path} holds no frames")
            wanted = [times[i] for i in np.linspace(0, len(times) - 1, num_frames).round().astype(int)]
            decoded = _decode(container, stream, sorted(set(wanted)), keys, path)
    except ClipDecodeError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as e:
        raise ClipDecodeError(f"video file {path} could not be decoded: {e}") from e
    return check_frames(np.stack([decoded[t] for t in wanted]), where=str(path))


def _decode(container: Any, stream: Any, targets: list[int], keys: list[int], path: Path) -> dict:
    """pts -> RGB frame for each target pts (ascending)."""
    result: dict[int, np.ndarray] = {}
    frames, position = None, None  # the decoder and the pts of the last frame it gave
    for target in targets:
        at = bisect_right(keys, target) - 1
        key = keys[at] if at >= 0 else None
        if frames is None or (key is not None and position is not None and key > position):
            container.seek(key if key is not None else 0, stream=stream)
            frames = container.decode(stream)
        for frame in frames:
            if frame.pts is None:
                continue
            position = frame.pts
            if frame.pts >= target:
                result[target] = frame.to_ndarray(format="rgb24")
                break
        else:
            raise ClipDecodeError(f"video file {path} ends before its frame at pts {target}")
    return result
