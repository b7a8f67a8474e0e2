"""Frames of an mp4 at given timestamps (PyAV, by seeking), and an mp4 writer for episode frames."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from adapt2reward.data.lerobot_meta import LeRobotVideoError

# Beyond this gap to the next wanted frame, seeking (to the keyframe before it) beats decoding onward.
SEEK_GAP_S = 1.0


def decode_at(path: Path, times: list[float], fps: float, where: str) -> np.ndarray:
    """uint8 (len(times), H, W, 3): for each time (seconds, ascending), the first frame at or after it.

    A frame counts as "at" a time within half a frame period. `where` names the episode in errors. A
    missing, unreadable or corrupt file, or one that ends before a wanted time, raises
    `LeRobotVideoError` naming the file and the episode.
    """
    import av

    if not path.is_file():
        raise LeRobotVideoError(f"{where}: video file {path} does not exist")
    tolerance = 0.5 / fps
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise LeRobotVideoError(f"{where}: {path} holds no video stream")
            stream = container.streams.video[0]
            frames, current, decoded = [], None, None
            for t in times:
                if current is None or t < current.time - tolerance or t - current.time > SEEK_GAP_S:
                    decoded = _seek(container, stream, t - tolerance)
                    current = next(decoded, None)
                    if current is not None and current.time > t + tolerance:  # landed past t: from 0
                        decoded, current = _seek(container, stream, 0.0), None
                while current is None or current.time < t - tolerance:
                    current = next(decoded, None)
                    if current is None:
                        raise LeRobotVideoError(
                            f"{where}: {path} ends before {t:.3f} s, a timestamp of the episode "
                            "(the video is shorter than the episode's timestamps)"
                        )
                frames.append(current.to_ndarray(format="rgb24"))
    except LeRobotVideoError:
        raise
    except (av.error.FFmpegError, OSError, StopIteration) as e:
        raise LeRobotVideoError(f"{where}: {path} could not be decoded (corrupt mp4?): {e}") from e
    return np.stack(frames)


def _seek(container: Any, stream: Any, seconds: float) -> Iterator[Any]:
    """Frames decoded from the keyframe at or before `seconds` on."""
    container.seek(max(int(seconds / stream.time_base), 0), stream=stream)
    return container.decode(stream)


class VideoWriter:
    """Appends uint8 (T, H, W, 3) frames to one H.264 mp4; `time` is where the next frame starts (s)."""

    def __init__(self, path: Path, fps: int, height: int, width: int, crf: int = 12) -> None:
        import av

        path.parent.mkdir(parents=True, exist_ok=True)
        self.fps, self.frames = fps, 0
        self.container = av.open(str(path), mode="w")
        # g=2 (a keyframe every other frame, as LeRobot encodes) keeps random access by seeking cheap.
        self.stream = self.container.add_stream("libx264", rate=fps, options={"crf": str(crf), "g": "2"})
        self.stream.width, self.stream.height, self.stream.pix_fmt = width, height, "yuv420p"
        self.stream.time_base = Fraction(1, fps)

    @property
    def time(self) -> float:
        return self.frames / self.fps

    def write(self, frames: np.ndarray) -> None:
        import av

        for image in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            frame.pts = self.frames
            self.container.mux(self.stream.encode(frame))
            self.frames += 1

    def close(self) -> None:
        self.container.mux(self.stream.encode())
        self.container.close()
