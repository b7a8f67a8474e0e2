"""Robot clips from a local LeRobot dataset (v2.0/v2.1 or v3.0) as the project's records and frames.

Each episode becomes one robot-domain clip: `num_frames` evenly spaced frames of the chosen camera over
the episode (or a window of it), decoded with PyAV by seeking to their timestamps; the instruction is
the episode's task string; the label comes from `success_key` or `success_file` (see lerobot_labels).
Episodes written by `a2r export` also carry their task name, variant and failure source, restored here.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from adapt2reward.data.lerobot_labels import read_success_file, resolve_success
from adapt2reward.data.lerobot_meta import (
    Episode,
    LeRobotError,
    LeRobotVideoError,
    read_episodes,
    read_info,
)
from adapt2reward.data.lerobot_video import decode_at
from adapt2reward.data.records import FAILURE_SOURCES, ClipRecord
from adapt2reward.data.transforms import frame_indices
from adapt2reward.json_config import JsonConfig, check

# Per-episode columns that `a2r export` writes next to the success label, read back when present.
TASK_COLUMN, VARIANT_COLUMN, FAILURE_COLUMN = "a2r_task", "a2r_variant", "failure_source"
PROGRESS_COLUMN = "a2r_progress"  # per frame: the simulator's dense reward, kept for progress metrics


@dataclass(frozen=True)
class LeRobotSpec(JsonConfig):
    """What to read from a LeRobot folder.

    `window`: (start, end) in seconds from the episode's start; a negative value counts from its end,
    None (or no window) means the episode's end. `success_threshold`: numeric labels at or above it
    are successes (quality scores); bools and words (success/failure) are read as they are.
    """

    path: str
    camera: str
    success_key: str | None = None
    success_file: str | None = None
    num_frames: int = 8
    window: tuple[float | None, float | None] | None = None
    success_threshold: float = 0.5

    def __post_init__(self) -> None:
        check(self.num_frames >= 1, self, "num_frames", "must be positive")
        check(self.window is None or len(self.window) == 2, self, "window", "must be (start, end) in seconds")


def _objects(values: list[Any]) -> np.ndarray:
    """A 1-d object array even when the values are lists (features of shape [1] may be stored so)."""
    result = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        result[i] = value
    return result


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "task"


class LeRobotSource:
    """The episodes of one LeRobot folder for one camera, as clip records and their frames."""

    def __init__(self, spec: LeRobotSpec) -> None:
        self.spec = spec
        self.root = Path(spec.path)
        self.info = read_info(self.root)
        self.fps = float(self.info["fps"])
        self.episodes = read_episodes(self.root, self.info, spec.camera)
        features = self.info["features"]
        columns = {k for k, f in features.items() if f.get("dtype") not in ("video", "image")}
        if self.episodes and self.episodes[0].data_path.is_file():  # columns info.json may not list
            with contextlib.suppress(Exception):  # a damaged file is reported when its episode is read
                columns |= set(pq.read_schema(self.episodes[0].data_path).names)
        self.data_columns = sorted(columns)
        self.file_labels = read_success_file(Path(spec.success_file)) if spec.success_file else None
        self._tables: dict[Path, Any] = {}  # data file -> pyarrow table of the columns read

    def where(self, episode: Episode) -> str:
        return f"LeRobot dataset {self.root}, episode {episode.index}"

    def _frame_columns(self, episode: Episode) -> dict[str, np.ndarray]:
        """The episode's rows of its data file (episode_index, frame_index, timestamp, success key)."""
        path = episode.data_path
        if path not in self._tables:
            if not path.is_file():
                raise LeRobotError(f"{self.where(episode)}: data file {path} does not exist")
            wanted = {"episode_index", "frame_index", "timestamp", PROGRESS_COLUMN, self.spec.success_key}
            try:
                names = pq.read_schema(path).names
                table = pq.read_table(path, columns=[c for c in names if c in wanted])
            except Exception as e:  # pyarrow raises several types for damaged files
                raise LeRobotError(f"{self.where(episode)}: {path} could not be read as parquet: {e}") from e
            self._tables[path] = table
        table = self._tables[path]
        if "episode_index" in table.column_names:
            table = table.filter(pc.equal(table["episode_index"], episode.index))
        columns = {name: _objects(table[name].to_pylist()) for name in table.column_names}
        if "frame_index" in columns:
            order = np.argsort(columns["frame_index"].astype(np.int64), kind="stable")
            columns = {k: v[order] for k, v in columns.items()}
        if not len(table):
            raise LeRobotError(f"{self.where(episode)}: {path} holds no rows of this episode")
        return columns

    def timestamps(self, episode: Episode) -> np.ndarray:
        """The episode's frame timestamps (s from its start): the data's `timestamp`, else index / fps."""
        columns = self._frame_columns(episode)
        if "timestamp" in columns:
            return columns["timestamp"].astype(np.float64)
        return np.arange(episode.length) / self.fps

    def kept_rows(self, episode: Episode) -> np.ndarray:
        """Positions (in frame order) of the `num_frames` frames kept, over the episode or its window."""
        times = self.timestamps(episode)
        rows = np.arange(len(times))
        if self.spec.window is not None:
            start, end = (self._window_edge(v, times) for v in self.spec.window)
            inside = (times >= (-np.inf if start is None else start) - 1e-6) & (
                times <= (np.inf if end is None else end) + 1e-6
            )
            rows = rows[inside]
            if not len(rows):
                raise LeRobotError(f"{self.where(episode)}: window {self.spec.window} holds no frame")
        return rows[frame_indices(len(rows), self.spec.num_frames)]

    def frame_times(self, episode: Episode) -> np.ndarray:
        """The timestamps (s from the episode's start) of the frames kept."""
        return self.timestamps(episode)[self.kept_rows(episode)]

    def progress(self, episode: Episode) -> np.ndarray | None:
        """The simulator's progress at the kept frames, for episodes `a2r export` wrote (else None)."""
        values = self._frame_columns(episode).get(PROGRESS_COLUMN)
        if values is None:
            return None
        kept = np.asarray([np.nan if v is None else v for v in values[self.kept_rows(episode)]], np.float32)
        return None if np.isnan(kept).all() else kept

    def _window_edge(self, value: float | None, times: np.ndarray) -> float | None:
        if value is None:
            return None
        return float(value) if value >= 0 else float(times[-1]) + 1.0 / self.fps + float(value)

    def frames(self, episode: Episode) -> np.ndarray:
        """uint8 (num_frames, H, W, 3) of the chosen camera, decoded by seeking to each frame's time."""
        times = self.frame_times(episode) + episode.video_from
        if episode.video_to is not None and times[-1] > episode.video_to + 0.5 / self.fps:
            raise LeRobotVideoError(
                f"{self.where(episode)}: frame timestamps run to {times[-1]:.3f} s, past the episode's "
                f"video span ending at {episode.video_to:.3f} s in {episode.video_path}"
            )
        return decode_at(episode.video_path, times.tolist(), self.fps, self.where(episode))

    def success(self, episode: Episode) -> bool:
        def last_frame_value(column: str) -> Any:
            values = self._frame_columns(episode).get(column)
            return None if values is None or not len(values) else values[-1]

        return resolve_success(
            episode.index,
            episode.meta,
            last_frame_value,
            self.data_columns,
            self.spec.success_key,
            self.file_labels,
            self.spec.success_threshold,
            self.where(episode),
        )

    def record(self, episode: Episode) -> ClipRecord:
        """The episode's clip record (its clip file is `clips/<id>.npz` once imported)."""
        success = self.success(episode)
        source = episode.meta.get(FAILURE_COLUMN)
        clip_id = f"lerobot-{slug(self.root.name)}-{episode.index:06d}"
        shape = self.info["features"][self.spec.camera].get("shape", [0, 0, 3])
        height, width = (shape[0], shape[1]) if shape[-1] == 3 else (shape[1], shape[2])
        return ClipRecord(
            id=clip_id,
            domain="robot",
            task=str(episode.meta.get(TASK_COLUMN) or slug(episode.task)),
            instruction=episode.task,
            success=success,
            failure_source=source if source in FAILURE_SOURCES and not success else None,
            variant=str(episode.meta.get(VARIANT_COLUMN) or "train"),
            seed=episode.index,
            num_frames=self.spec.num_frames,
            path=f"clips/{clip_id}.npz",
            height=int(height),
            width=int(width),
            behaviour="lerobot",
            extra={"lerobot_episode": episode.index, "camera": self.spec.camera},
        )
