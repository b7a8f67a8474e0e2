"""The metadata of a local LeRobot dataset (codebase v2.0/v2.1 or v3.0): info.json, tasks, episodes.

v2.x keeps one parquet and one mp4 per episode, `meta/episodes.jsonl` and `meta/tasks.jsonl`; v3.0
concatenates episodes into `file-NNN` parquet and mp4 files and keeps per-episode rows (row range, video
file and from/to timestamps per camera, tasks) in `meta/episodes/chunk-NNN/file-NNN.parquet`, tasks in
`meta/tasks.parquet`. File paths always come from the `data_path` / `video_path` templates of info.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

V2_VERSIONS = ("v2.0", "v2.1")
V3_VERSIONS = ("v3.0",)
INFO_PATH = "meta/info.json"
VIDEO_COLUMNS = ("chunk_index", "file_index", "from_timestamp", "to_timestamp")  # videos/<camera>/...


class LeRobotError(ValueError):
    """A LeRobot dataset is missing a file, is malformed, or does not fit what was asked of it."""


class LeRobotVideoError(LeRobotError):
    """An episode's video is missing, unreadable, corrupt or shorter than the episode's timestamps."""


@dataclass(frozen=True)
class Episode:
    """One episode: its task string, frame count, data file and, for the chosen camera, its video span.

    `video_from` / `video_to` are the episode's first and end timestamps inside `video_path` (v2.x: 0
    and None, the video holds this episode alone). `meta` is the episode's metadata row.
    """

    index: int
    task: str
    length: int
    data_path: Path
    video_path: Path
    video_from: float = 0.0
    video_to: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def read_info(root: Path) -> dict[str, Any]:
    """info.json, checked for a known codebase version and the fields every reader needs."""
    path = root / INFO_PATH
    if not root.is_dir():
        raise LeRobotError(f"LeRobot dataset folder {root} does not exist")
    if not path.is_file():
        raise LeRobotError(f"{path} does not exist: {root} is not a LeRobot dataset (no meta/info.json)")
    try:
        info = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise LeRobotError(f"{path} is not valid JSON: {e}") from e
    version = info.get("codebase_version")
    if version not in V2_VERSIONS + V3_VERSIONS:
        raise LeRobotError(
            f"{path}: codebase_version {version!r} is not supported; this reader knows "
            f"{list(V2_VERSIONS + V3_VERSIONS)}"
        )
    missing = [k for k in ("fps", "features", "data_path", "video_path") if not info.get(k)]
    if missing:
        raise LeRobotError(f"{path} lacks {missing}")
    return info


def video_keys(info: dict[str, Any]) -> list[str]:
    return sorted(k for k, f in info["features"].items() if f.get("dtype") == "video")


def check_camera(info: dict[str, Any], camera: str, root: Path) -> None:
    if info["features"].get(camera, {}).get("dtype") != "video":
        kind = info["features"].get(camera, {}).get("dtype")
        why = "is not among its features" if kind is None else f"is a {kind!r} feature, not a video"
        raise LeRobotError(
            f"{root / INFO_PATH}: camera {camera!r} {why}; its video features are {video_keys(info)}"
        )


def read_episodes(root: Path, info: dict[str, Any], camera: str) -> list[Episode]:
    """Every episode of the dataset, in episode order, with the chosen camera's video file and span."""
    check_camera(info, camera, root)
    if info["codebase_version"] in V3_VERSIONS:
        return _episodes_v3(root, info, camera)
    return _episodes_v2(root, info, camera)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise LeRobotError(f"{path} does not exist")
    rows = []
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise LeRobotError(f"{path}:{lineno}: not valid JSON ({e.msg})") from e
    return rows


def _episodes_v2(root: Path, info: dict[str, Any], camera: str) -> list[Episode]:
    chunks_size = int(info.get("chunks_size", 1000))
    episodes = []
    for row in sorted(_read_jsonl(root / "meta/episodes.jsonl"), key=lambda r: r["episode_index"]):
        index = int(row["episode_index"])
        keys = {"episode_chunk": index // chunks_size, "episode_index": index, "video_key": camera}
        episodes.append(
            Episode(
                index=index,
                task=_first_task(row.get("tasks"), root / "meta/episodes.jsonl", index),
                length=int(row["length"]),
                data_path=root / info["data_path"].format(**keys),
                video_path=root / info["video_path"].format(**keys),
                meta=row,
            )
        )
    return episodes


def _episodes_v3(root: Path, info: dict[str, Any], camera: str) -> list[Episode]:
    files = sorted((root / "meta/episodes").glob("chunk-*/*.parquet"))
    if not files:
        raise LeRobotError(f"{root / 'meta/episodes'} holds no episode parquet files")
    rows = [row for path in files for row in _parquet_rows(path, skip_prefix="stats/")]
    tasks = read_tasks_v3(root)
    episodes = []
    for row in sorted(rows, key=lambda r: r["episode_index"]):
        index = int(row["episode_index"])
        where = root / "meta/episodes"
        need = [
            f"videos/{camera}/{k}" for k in ("chunk_index", "file_index", "from_timestamp", "to_timestamp")
        ]
        missing = [k for k in ["data/chunk_index", "data/file_index", *need] if row.get(k) is None]
        if missing:
            raise LeRobotError(f"{where}: episode {index} lacks {missing}")
        task = row.get("tasks") or ([tasks[row["task_index"]]] if row.get("task_index") in tasks else None)
        data_keys = {"chunk_index": row["data/chunk_index"], "file_index": row["data/file_index"]}
        video_keys_ = {
            "video_key": camera,
            "chunk_index": row[f"videos/{camera}/chunk_index"],
            "file_index": row[f"videos/{camera}/file_index"],
        }
        episodes.append(
            Episode(
                index=index,
                task=_first_task(task, where, index),
                length=int(row["length"]),
                data_path=root / info["data_path"].format(**data_keys),
                video_path=root / info["video_path"].format(**video_keys_),
                video_from=float(row[f"videos/{camera}/from_timestamp"]),
                video_to=float(row[f"videos/{camera}/to_timestamp"]),
                meta=row,
            )
        )
    return episodes


def _parquet_rows(path: Path, skip_prefix: str = "") -> list[dict[str, Any]]:
    try:
        schema = pq.read_schema(path)
        columns = [name for name in schema.names if not (skip_prefix and name.startswith(skip_prefix))]
        return pq.read_table(path, columns=columns).to_pylist()
    except Exception as e:  # pyarrow raises ArrowInvalid, OSError, ... for damaged files
        raise LeRobotError(f"{path} could not be read as parquet: {e}") from e


def read_tasks_v3(root: Path) -> dict[int, str]:
    """task_index -> task string of meta/tasks.parquet (the task is its pandas index or a `task` column)."""
    path = root / "meta/tasks.parquet"
    if not path.is_file():
        return {}
    rows = _parquet_rows(path)
    result = {}
    for row in rows:
        text = row.get("task", row.get("__index_level_0__"))
        if text is None:
            text = next((v for v in row.values() if isinstance(v, str)), None)
        if text is not None and row.get("task_index") is not None:
            result[int(row["task_index"])] = text
    return result


def _first_task(tasks: Any, where: Path, index: int) -> str:
    if isinstance(tasks, str):
        tasks = [tasks]
    if not tasks or not str(tasks[0]).strip():
        raise LeRobotError(f"{where}: episode {index} has no task string to use as its instruction")
    return str(tasks[0])
