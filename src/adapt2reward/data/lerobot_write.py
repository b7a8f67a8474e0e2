"""Export a dataset of this project (manifest + clips) as a LeRobot v3.0 dataset.

Every clip becomes one episode: its frames in the camera's mp4 (H.264 via PyAV, episodes concatenated),
one data row per frame (`next.success` true at the last frame of a success), and a metadata row with
the success label, the failure source, the task name, variant and clip id; the tasks are the
instructions. Everything is written to a hidden temporary folder that is renamed to `out` at the end, so
a failed or interrupted export leaves no half-written dataset under the final name.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from adapt2reward.data.clip_io import ClipDecodeError, read_clip_file
from adapt2reward.data.lerobot_read import FAILURE_COLUMN, PROGRESS_COLUMN, TASK_COLUMN, VARIANT_COLUMN
from adapt2reward.data.lerobot_video import VideoWriter
from adapt2reward.data.records import ClipRecord, read_manifest

DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
VIDEO_PATH = "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4"
EPISODES_PATH = "meta/episodes/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
CHUNKS_SIZE = 1000  # files per chunk folder, LeRobot's default
DEFAULT_CAMERA = "observation.images.front"


def export_lerobot(
    dataset_dir: str | Path,
    out: str | Path,
    camera: str = DEFAULT_CAMERA,
    fps: int = 8,
    domain: str | None = "robot",
    episodes_per_file: int = 1000,
) -> dict[str, Any]:
    """Write the clips of `dataset_dir` (of `domain`; None: all) to `out` as LeRobot v3.0; returns counts."""
    dataset_dir, out = Path(dataset_dir), Path(out)
    if out.exists():
        raise FileExistsError(f"{out} already exists; remove it or choose another --out")
    records = [r for r in read_manifest(dataset_dir) if domain is None or r.domain == domain]
    if not records:
        raise ValueError(f"{dataset_dir} holds no {domain or ''} clips to export".replace("  ", " "))
    tmp = out.parent / f".{out.name}.part"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        counts = _write(dataset_dir, tmp, records, camera, fps, episodes_per_file)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"out": str(out), **counts}


def _write(
    dataset_dir: Path, root: Path, records: list[ClipRecord], camera: str, fps: int, per_file: int
) -> dict[str, int]:
    tasks = {text: i for i, text in enumerate(sorted({r.instruction for r in records}))}
    first = read_clip_file(dataset_dir / records[0].path)["frames"]
    shape = first.shape[1:]
    episodes: list[dict[str, Any]] = []
    total = 0
    for start in range(0, len(records), per_file):
        file_number = start // per_file
        where = {"chunk_index": file_number // CHUNKS_SIZE, "file_index": file_number % CHUNKS_SIZE}
        video = VideoWriter(root / VIDEO_PATH.format(video_key=camera, **where), fps, shape[0], shape[1])
        rows: dict[str, list] = {k: [] for k in FRAME_TYPES}
        try:
            for episode_index, record in enumerate(records[start : start + per_file], start):
                row = _add_episode(dataset_dir, record, episode_index, total, shape, tasks, rows, video)
                span = row.pop("video_span")
                episodes.append(row | _locations(camera, where, *span))
                total += row["length"]
        finally:
            video.close()
        table = pa.table({k: pa.array(v, type=FRAME_TYPES[k]) for k, v in rows.items()})
        (root / DATA_PATH.format(**where)).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, root / DATA_PATH.format(**where))
    _write_episodes(root, episodes)
    _write_tasks(root, tasks)
    info = _info(len(records), total, len(tasks), fps, camera, shape)
    (root / "meta/info.json").write_text(json.dumps(info, indent=4) + "\n")
    return {"episodes": len(records), "frames": total, "tasks": len(tasks)}


def _add_episode(
    dataset_dir: Path,
    record: ClipRecord,
    index: int,
    first_row: int,
    shape: tuple[int, ...],
    tasks: dict[str, int],
    rows: dict[str, list],
    video: VideoWriter,
) -> dict[str, Any]:
    """Append one clip to the open video and the frame rows; returns its episode metadata row."""
    arrays = read_clip_file(dataset_dir / record.path)
    frames = arrays["frames"]
    if len(frames) != record.num_frames:
        raise ClipDecodeError(
            f"clip {record.id}: {len(frames)} frames, the manifest says {record.num_frames}"
        )
    if frames.shape[1:] != shape:
        raise ValueError(f"clip {record.id}: frames of shape {frames.shape[1:]}, the first clip's {shape}")
    n, begin = len(frames), video.time
    video.write(frames)
    rows["timestamp"] += [i / video.fps for i in range(n)]
    rows["frame_index"] += list(range(n))
    rows["episode_index"] += [index] * n
    rows["index"] += list(range(first_row, first_row + n))
    rows["task_index"] += [tasks[record.instruction]] * n
    rows["next.success"] += [record.success and i == n - 1 for i in range(n)]
    rows[PROGRESS_COLUMN] += arrays.get("progress", np.full(n, np.nan)).tolist()
    return {
        "episode_index": index,
        "tasks": [record.instruction],
        "length": n,
        "dataset_from_index": first_row,
        "dataset_to_index": first_row + n,
        "video_span": (begin, video.time),
        "success": record.success,
        FAILURE_COLUMN: record.failure_source,
        TASK_COLUMN: record.task,
        VARIANT_COLUMN: record.variant,
        "a2r_clip_id": record.id,
        "a2r_behaviour": record.behaviour,
        "a2r_seed": record.seed,
    }


FRAME_TYPES = {
    "timestamp": pa.float32(),
    "next.success": pa.bool_(),
    PROGRESS_COLUMN: pa.float32(),
    **dict.fromkeys(("frame_index", "episode_index", "index", "task_index"), pa.int64()),
}


def _locations(camera: str, where: dict[str, int], begin: float, end: float) -> dict[str, Any]:
    """Where an episode lies: its data and video file, and its span (s) in that video."""
    return {
        "data/chunk_index": where["chunk_index"],
        "data/file_index": where["file_index"],
        f"videos/{camera}/chunk_index": where["chunk_index"],
        f"videos/{camera}/file_index": where["file_index"],
        f"videos/{camera}/from_timestamp": begin,
        f"videos/{camera}/to_timestamp": end,
        "meta/episodes/chunk_index": 0,
        "meta/episodes/file_index": 0,
    }


def _write_episodes(root: Path, episodes: list[dict[str, Any]]) -> None:
    columns = {k: [e[k] for e in episodes] for k in episodes[0]}
    arrays = {
        k: pa.array(v, type=pa.string()) if k == FAILURE_COLUMN else pa.array(v) for k, v in columns.items()
    }
    path = root / EPISODES_PATH.format(chunk_index=0, file_index=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(arrays), path)


def _write_tasks(root: Path, tasks: dict[str, int]) -> None:
    """meta/tasks.parquet as LeRobot writes it from pandas: the task string is the (named) index."""
    pandas_meta = {
        "index_columns": ["task"],
        "column_indexes": [],
        "columns": [
            {"name": "task_index", "field_name": "task_index", "pandas_type": "int64", "numpy_type": "int64"},
            {"name": "task", "field_name": "task", "pandas_type": "unicode", "numpy_type": "object"},
        ],
        "creator": {"library": "pyarrow", "version": pa.__version__},
    }
    for column in pandas_meta["columns"]:
        column["metadata"] = None
    table = pa.table(
        {"task_index": pa.array(list(tasks.values()), pa.int64()), "task": pa.array(list(tasks), pa.string())}
    )
    table = table.replace_schema_metadata({"pandas": json.dumps(pandas_meta)})
    pq.write_table(table, root / "meta/tasks.parquet")


def _info(episodes: int, frames: int, tasks: int, fps: int, camera: str, shape: tuple) -> dict[str, Any]:
    scalar = {"shape": [1], "names": None, "fps": fps}
    height, width = int(shape[0]), int(shape[1])
    return {
        "codebase_version": "v3.0",
        "robot_type": "metaworld-sawyer",
        "total_episodes": episodes,
        "total_frames": frames,
        "total_tasks": tasks,
        "chunks_size": CHUNKS_SIZE,
        "data_files_size_in_mb": 100,
        "video_files_size_in_mb": 500,
        "fps": fps,
        "splits": {"train": f"0:{episodes}"},
        "data_path": DATA_PATH,
        "video_path": VIDEO_PATH,
        "features": {
            camera: {
                "dtype": "video",
                "shape": [height, width, 3],
                "names": ["height", "width", "channels"],
                "info": {
                    "video.height": height,
                    "video.width": width,
                    "video.codec": "h264",
                    "video.pix_fmt": "yuv420p",
                    "video.is_depth_map": False,
                    "video.fps": fps,
                    "video.channels": 3,
                    "has_audio": False,
                },
            },
            "timestamp": {"dtype": "float32", **scalar},
            "frame_index": {"dtype": "int64", **scalar},
            "episode_index": {"dtype": "int64", **scalar},
            "index": {"dtype": "int64", **scalar},
            "task_index": {"dtype": "int64", **scalar},
            "next.success": {"dtype": "bool", **scalar},
            PROGRESS_COLUMN: {"dtype": "float32", **scalar},
        },
    }
