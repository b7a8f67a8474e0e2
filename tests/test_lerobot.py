"""LeRobot datasets: v2.1 and v3.0 folders written here are read back, an export round-trips, bad input
fails clearly, and stage 2 trains on robot clips that came from a LeRobot folder."""

import csv
import json
import os
import shutil
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from synthetic import make_dataset
from typer.testing import CliRunner

from adapt2reward.cli import app
from adapt2reward.data import ClipDecodeError, load_clip, read_manifest
from adapt2reward.data.clip_io import read_clip_file
from adapt2reward.data.lerobot_import import import_lerobot
from adapt2reward.data.lerobot_labels import LeRobotLabelError
from adapt2reward.data.lerobot_meta import LeRobotError, LeRobotVideoError
from adapt2reward.data.lerobot_read import LeRobotSource, LeRobotSpec
from adapt2reward.data.lerobot_write import export_lerobot
from adapt2reward.data.transforms import frame_indices

os.environ.setdefault("OMP_NUM_THREADS", "1")
CAMERA = "observation.images.front"
FPS = 10
SIZE = 64
# Mean absolute pixel difference (0..255) allowed between a clip and its H.264 round trip. Measured on
# the synthetic clips (a moving square over per-pixel noise, 64x64): 3.0 on average, 3.4 at most.
CODEC_LOSS = 4.5
TASKS = ["pick up the cube", "open the drawer"]


def episode_frames(index: int, length: int) -> np.ndarray:
    """Flat frames whose grey level tells the episode and frame apart (and survives the codec)."""
    levels = 20 + 200 * np.arange(length) / max(length - 1, 1)
    frames = np.empty((length, SIZE, SIZE, 3), np.uint8)
    frames[:] = levels[:, None, None, None].astype(np.uint8)
    frames[..., 0] = 40 * index  # red channel: the episode
    return frames


def encode(path: Path, frames: np.ndarray, codec: str = "libx264") -> None:
    """H.264, or AV1 (libsvtav1) as LeRobot itself encodes, with a keyframe every 4 frames."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w") as container:
        options = {"crf": "10", "g": "4"} if codec == "libx264" else {"crf": "20", "g": "4", "preset": "11"}
        stream = container.add_stream(codec, rate=FPS, options=options)
        stream.width, stream.height, stream.pix_fmt = SIZE, SIZE, "yuv420p"
        stream.time_base = Fraction(1, FPS)
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


def features() -> dict:
    scalar = {"shape": [1], "names": None}
    return {
        CAMERA: {"dtype": "video", "shape": [SIZE, SIZE, 3], "names": ["height", "width", "channels"]},
        "observation.images.wrist": {"dtype": "video", "shape": [SIZE, SIZE, 3], "names": None},
        "observation.state": {"dtype": "float32", "shape": [2], "names": None},
        "timestamp": {"dtype": "float32", **scalar},
        "frame_index": {"dtype": "int64", **scalar},
        "episode_index": {"dtype": "int64", **scalar},
        "index": {"dtype": "int64", **scalar},
        "task_index": {"dtype": "int64", **scalar},
        "next.success": {"dtype": "bool", **scalar},
    }


def frame_table(index: int, length: int, first: int, success: bool) -> pa.Table:
    return pa.table(
        {
            "observation.state": [[0.0, 1.0]] * length,
            "timestamp": pa.array(np.arange(length) / FPS, pa.float32()),
            "frame_index": np.arange(length),
            "episode_index": np.full(length, index),
            "index": np.arange(first, first + length),
            "task_index": np.full(length, index % 2),
            "next.success": [success and i == length - 1 for i in range(length)],
        }
    )


LENGTHS = [8, 12, 20, 9]
SUCCESS = [True, False, True, False]


def write_v21(root: Path) -> Path:
    """v2.1: one parquet and one mp4 per episode, episodes.jsonl and tasks.jsonl."""
    info = {
        "codebase_version": "v2.1",
        "fps": FPS,
        "chunks_size": 1000,
        "total_episodes": len(LENGTHS),
        "data_path": "data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet",
        "video_path": "videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4",
        "features": features(),
    }
    (root / "meta").mkdir(parents=True)
    (root / "meta/info.json").write_text(json.dumps(info))
    episodes, first = [], 0
    for i, (length, success) in enumerate(zip(LENGTHS, SUCCESS, strict=True)):
        (root / "data/chunk-000").mkdir(parents=True, exist_ok=True)
        table = frame_table(i, length, first, success)
        pq.write_table(table, root / f"data/chunk-000/episode_{i:06d}.parquet")
        for camera in (CAMERA, "observation.images.wrist"):
            encode(root / f"videos/chunk-000/{camera}/episode_{i:06d}.mp4", episode_frames(i, length))
        episodes.append({"episode_index": i, "tasks": [TASKS[i % 2]], "length": length})
        first += length
    (root / "meta/episodes.jsonl").write_text("".join(json.dumps(e) + "\n" for e in episodes))
    tasks = [{"task_index": i, "task": t} for i, t in enumerate(TASKS)]
    (root / "meta/tasks.jsonl").write_text("".join(json.dumps(t) + "\n" for t in tasks))
    return root


def write_v3(root: Path) -> Path:
    """v3.0: episodes 0-1 in file-000, 2-3 in file-001 (parquet and AV1 mp4), per-episode metadata
    parquet with a quality score column, tasks.parquet."""
    info = {
        "codebase_version": "v3.0",
        "fps": FPS,
        "chunks_size": 1000,
        "data_path": "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet",
        "video_path": "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4",
        "features": features(),
    }
    (root / "meta/episodes/chunk-000").mkdir(parents=True)
    (root / "meta/info.json").write_text(json.dumps(info))
    rows, first = [], 0
    for file_index, members in enumerate([(0, 1), (2, 3)]):
        tables, videos, t = [], [], 0.0
        for i in members:
            tables.append(frame_table(i, LENGTHS[i], first, SUCCESS[i]))
            videos.append(episode_frames(i, LENGTHS[i]))
            rows.append(
                {
                    "episode_index": i,
                    "tasks": [TASKS[i % 2]],
                    "length": LENGTHS[i],
                    "data/chunk_index": 0,
                    "data/file_index": file_index,
                    "dataset_from_index": first,
                    "dataset_to_index": first + LENGTHS[i],
                    **{f"videos/{c}/chunk_index": 0 for c in (CAMERA, "observation.images.wrist")},
                    **{f"videos/{c}/file_index": file_index for c in (CAMERA, "observation.images.wrist")},
                    f"videos/{CAMERA}/from_timestamp": t,
                    f"videos/{CAMERA}/to_timestamp": t + LENGTHS[i] / FPS,
                    "videos/observation.images.wrist/from_timestamp": t,
                    "videos/observation.images.wrist/to_timestamp": t + LENGTHS[i] / FPS,
                    "quality": 0.9 if SUCCESS[i] else 0.2,
                    "stats/observation.state/mean": [0.0, 1.0],
                }
            )
            first += LENGTHS[i]
            t += LENGTHS[i] / FPS
        (root / "data/chunk-000").mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.concat_tables(tables), root / f"data/chunk-000/file-{file_index:03d}.parquet")
        for camera in (CAMERA, "observation.images.wrist"):
            path = root / f"videos/{camera}/chunk-000/file-{file_index:03d}.mp4"
            encode(path, np.concatenate(videos), codec="libsvtav1")
    pq.write_table(pa.Table.from_pylist(rows), root / "meta/episodes/chunk-000/file-000.parquet")
    tasks = pa.table({"task_index": [0, 1], "__index_level_0__": TASKS})
    pq.write_table(tasks, root / "meta/tasks.parquet")
    return root


@pytest.fixture(scope="module")
def v21(tmp_path_factory):
    return write_v21(tmp_path_factory.mktemp("v21") / "ds")


@pytest.fixture(scope="module")
def v3(tmp_path_factory):
    return write_v3(tmp_path_factory.mktemp("v3") / "ds")


def read_all(root: Path, **kw) -> tuple[LeRobotSource, list, list]:
    source = LeRobotSource(LeRobotSpec(str(root), CAMERA, **kw))
    return source, [source.record(e) for e in source.episodes], [source.frames(e) for e in source.episodes]


def expected(index: int, num_frames: int, start: int = 0, stop: int | None = None) -> np.ndarray:
    frames = episode_frames(index, LENGTHS[index])[start:stop]
    return frames[frame_indices(len(frames), num_frames)]


@pytest.mark.parametrize("version", ["v21", "v3"])
def test_both_versions_read_as_labelled_clips_of_the_right_frames(version, request):
    root = request.getfixturevalue(version)
    key = "next.success" if version == "v21" else "quality"
    _, records, clips = read_all(root, success_key=key, num_frames=5)
    assert [r.success for r in records] == SUCCESS
    assert [r.instruction for r in records] == [TASKS[i % 2] for i in range(4)]
    assert {r.task for r in records} == {"pick-up-the-cube", "open-the-drawer"}
    assert all(r.domain == "robot" and r.variant == "train" for r in records)
    for i, clip in enumerate(clips):
        assert clip.shape == (5, SIZE, SIZE, 3) and clip.dtype == np.uint8
        assert np.abs(clip.astype(int) - expected(i, 5)).mean() < 3, i


def test_a_window_keeps_frames_of_that_span_only(v3):
    _, _, clips = read_all(v3, success_key="quality", num_frames=3, window=(0.2, 0.5))
    assert np.abs(clips[2].astype(int) - expected(2, 3, 2, 6)).mean() < 3
    _, _, last = read_all(v3, success_key="quality", num_frames=2, window=(-0.3, None))
    assert np.abs(last[1].astype(int) - expected(1, 2, 9, 12)).mean() < 3


def test_frames_are_decoded_by_seeking(v3, monkeypatch):
    seeks = []
    original = av.container.InputContainer.seek
    monkeypatch.setattr(
        av.container.InputContainer, "seek", lambda self, *a, **k: seeks.append(a) or original(self, *a, **k)
    )
    source = LeRobotSource(LeRobotSpec(str(v3), CAMERA, success_key="quality", num_frames=2))
    source.frames(source.episodes[3])  # episode 3 starts 2.0 s into file-001
    assert seeks and seeks[0][0] > 0


def test_success_labels_come_from_a_json_or_csv_file(v21, tmp_path):
    (tmp_path / "labels.json").write_text(json.dumps({str(i): s for i, s in enumerate(SUCCESS)}))
    with (tmp_path / "labels.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["episode_index", "success"])
        writer.writerows([i, "success" if s else "failure"] for i, s in enumerate(SUCCESS))
    for name in ("labels.json", "labels.csv"):
        source = LeRobotSource(LeRobotSpec(str(v21), CAMERA, success_file=str(tmp_path / name)))
        assert [source.record(e).success for e in source.episodes] == SUCCESS
    (tmp_path / "short.json").write_text(json.dumps({"0": True}))
    source = LeRobotSource(LeRobotSpec(str(v21), CAMERA, success_file=str(tmp_path / "short.json")))
    with pytest.raises(LeRobotLabelError, match="no label for episode 1"):
        [source.record(e) for e in source.episodes]


def test_no_label_is_a_clear_error_that_says_how_to_give_one(v3):
    source = LeRobotSource(LeRobotSpec(str(v3), CAMERA))
    with pytest.raises(LeRobotLabelError, match=r"episode 0: no success label; give --success-key.*quality"):
        source.record(source.episodes[0])
    source = LeRobotSource(LeRobotSpec(str(v3), CAMERA, success_key="done"))
    with pytest.raises(LeRobotLabelError, match="'done' is neither.*quality"):
        source.record(source.episodes[0])


def test_bad_folders_fail_naming_the_file(tmp_path, v3):
    with pytest.raises(LeRobotError, match=r"meta/info.json does not exist"):
        LeRobotSource(LeRobotSpec(str(tmp_path), CAMERA))
    (tmp_path / "meta").mkdir()
    (tmp_path / "meta/info.json").write_text(json.dumps({"codebase_version": "v1.6", "fps": 10}))
    with pytest.raises(LeRobotError, match=r"info.json: codebase_version 'v1.6' is not supported"):
        LeRobotSource(LeRobotSpec(str(tmp_path), CAMERA))
    with pytest.raises(LeRobotError, match=r"'observation.images.top' is not among its features.*wrist"):
        LeRobotSource(LeRobotSpec(str(v3), "observation.images.top"))
    with pytest.raises(LeRobotError, match="'observation.state' is a 'float32' feature, not a video"):
        LeRobotSource(LeRobotSpec(str(v3), "observation.state"))


def test_a_short_or_corrupt_video_fails_naming_file_and_episode(tmp_path):
    root = write_v21(tmp_path / "ds")
    short = root / f"videos/chunk-000/{CAMERA}/episode_000002.mp4"
    encode(short, episode_frames(2, 10))  # the episode has 20 frames
    source = LeRobotSource(LeRobotSpec(str(root), CAMERA, success_key="next.success"))
    with pytest.raises(LeRobotVideoError, match=r"episode 2: .*episode_000002.mp4 ends before 1.100 s"):
        source.frames(source.episodes[2])
    corrupt = root / f"videos/chunk-000/{CAMERA}/episode_000001.mp4"
    corrupt.write_bytes(corrupt.read_bytes()[:200])
    with pytest.raises(LeRobotVideoError, match=r"episode 1: .*episode_000001.mp4 could not be decoded"):
        source.frames(source.episodes[1])
    with pytest.raises(LeRobotVideoError, match="episode 1"):  # an import stops there too
        import_lerobot(source.spec, tmp_path / "imported", progress=False)


def test_v3_timestamps_past_the_video_fail(tmp_path):
    root = write_v3(tmp_path / "ds")
    path = root / "meta/episodes/chunk-000/file-000.parquet"
    rows = pq.read_table(path).to_pylist()
    rows[3][f"videos/{CAMERA}/from_timestamp"] += 0.5  # points past the end of file-001
    rows[3][f"videos/{CAMERA}/to_timestamp"] += 0.5
    pq.write_table(pa.Table.from_pylist(rows), path)
    source = LeRobotSource(LeRobotSpec(str(root), CAMERA, success_key="quality"))
    with pytest.raises(LeRobotVideoError, match=r"episode 3: .*file-001.mp4 ends before"):
        source.frames(source.episodes[3])


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return make_dataset(tmp_path_factory.mktemp("generated") / "ds", robot_per_task=9, human_per_task=4)


def test_export_round_trips_frames_labels_and_instructions(generated, tmp_path):
    out = tmp_path / "lerobot"
    counts = export_lerobot(generated, out, episodes_per_file=7)  # 18 episodes over 3 files
    assert counts == {"out": str(out), "episodes": 18, "frames": 144, "tasks": 4}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lerobot"]  # no temporary folder left
    info = json.loads((out / "meta/info.json").read_text())
    assert info["codebase_version"] == "v3.0" and info["features"][CAMERA]["dtype"] == "video"
    episodes = pq.read_table(out / "meta/episodes/chunk-000/file-000.parquet").column_names
    assert {"success", "failure_source", "tasks", f"videos/{CAMERA}/from_timestamp"} <= set(episodes)
    originals = [r for r in read_manifest(generated) if r.domain == "robot"]
    for key in ("success", "next.success"):
        source, records, clips = read_all(out, success_key=key, num_frames=8)
        for original, record, clip in zip(originals, records, clips, strict=True):
            assert (record.success, record.instruction, record.task, record.failure_source) == (
                original.success,
                original.instruction,
                original.task,
                original.failure_source,
            )
            assert np.abs(clip.astype(int) - load_clip(generated, original)).mean() < CODEC_LOSS
    imported = import_lerobot(source.spec, tmp_path / "imported", size=None, progress=False)["out"]
    for original, record in zip(originals, read_manifest(imported), strict=True):
        progress = read_clip_file(Path(imported) / record.path)["progress"]
        np.testing.assert_allclose(progress, read_clip_file(generated / original.path)["progress"])


def test_export_never_leaves_a_half_written_dataset(generated, tmp_path):
    with pytest.raises(FileExistsError):
        export_lerobot(generated, generated)
    broken = tmp_path / "broken"
    shutil.copytree(generated, broken)
    missing = [r for r in read_manifest(broken) if r.domain == "robot"][5]
    (broken / missing.path).unlink()  # export fails half-way, after five episodes were encoded
    with pytest.raises(ClipDecodeError, match=missing.path):
        export_lerobot(broken, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken"]


def test_cli_exports_imports_and_resumes(generated, tmp_path):
    runner = CliRunner()
    out = tmp_path / "lerobot"
    result = runner.invoke(app, ["export", str(generated), "--format", "lerobot", "--out", str(out)])
    assert result.exit_code == 0, result.output
    args = ["import-lerobot", str(out), "--out", str(tmp_path / "ds"), "--camera", CAMERA]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "no success label; give --success-key" in result.output
    result = runner.invoke(app, [*args, "--success-key", "success", "--size", "32"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["imported"] == 18
    again = runner.invoke(app, [*args, "--success-key", "success", "--size", "32"])
    assert json.loads(again.stdout) == {"out": str(tmp_path / "ds"), "imported": 0, "skipped": 18}
    other = runner.invoke(app, [*args, "--success-key", "success", "--size", "64"])
    assert other.exit_code == 2 and "other settings" in other.output
    assert load_clip(tmp_path / "ds", read_manifest(tmp_path / "ds")[0]).shape == (8, 32, 32, 3)


def test_train_baseline_and_offline_eval_run_on_a_lerobot_folder(generated, tmp_path):
    """`a2r train --lerobot`: the episodes are imported once, trained on, held out for `a2r eval offline`;
    `a2r baseline --lerobot` reuses the same import."""
    out = tmp_path / "lerobot"
    export_lerobot(generated, out)
    config = {
        "backbone": {"kind": "minilm-smallcnn", "temporal_depth": 1, "temporal_width": 64, "embed_dim": 64},
        "epochs": 1,
        "steps_per_epoch": 3,
        "batch_human": 4,
        "batch_success": 2,
        "batch_failure": 2,
        "save_every": 3,
        "heldout_fraction": 0.3,
    }
    (tmp_path / "train.json").write_text(json.dumps(config))
    cache, ckpt = tmp_path / "imported", tmp_path / "ckpt"
    source = ["--lerobot", str(out), "--camera", CAMERA, "--success-key", "next.success"]
    source += ["--lerobot-cache", str(cache), "--human", str(generated)]
    runner = CliRunner()
    args = ["train", "--config", str(tmp_path / "train.json"), *source, "--out", str(ckpt)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads((ckpt / "config.json").read_text())["train"]["robot"] == [str(cache)]
    assert len(read_manifest(cache)) == 18
    assert json.loads((ckpt / "metrics.json").read_text())["failures"] > 0

    args = ["eval", "offline", "--checkpoint", str(ckpt), "--out", str(tmp_path / "res")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "res/offline.json").read_text())

    args = ["baseline", "dvd", *source, "--init", str(ckpt), "--out", str(tmp_path / "dvd"), "--steps", "2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert '"imported": 0, "skipped": 18' in result.output
    assert json.loads((tmp_path / "dvd/config.json").read_text())["train"]["robot"] == [str(cache)]
