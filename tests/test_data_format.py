"""The dataset format: manifest records, clip files, filters, and the Something-Something-v2 reader."""

import json

import numpy as np
import pytest

from adapt2reward.data import ClipDecodeError, ClipRecord, ManifestError, load_clip, read_manifest, save_clip
from adapt2reward.data.clip_io import write_video
from adapt2reward.data.dataset import ClipDataset
from adapt2reward.data.records import append_records


def _record(i: int, **kw) -> ClipRecord:
    base = dict(
        id=f"c{i}",
        domain="robot",
        task="drawer-close",
        instruction="close the drawer",
        success=True,
        failure_source=None,
        variant="train",
        seed=i,
        num_frames=4,
        path=f"clips/c{i}.npz",
    )
    return ClipRecord(**{**base, **kw})


def _write_dataset(tmp_path, records):
    rng = np.random.default_rng(0)
    for r in records:
        save_clip(tmp_path / r.path, rng.integers(0, 255, (r.num_frames, 16, 16, 3), dtype=np.uint8))
    append_records(tmp_path, records)


def test_manifest_round_trip_and_filters(tmp_path):
    records = [
        _record(0),
        _record(1, success=False, failure_source="random"),
        _record(2, domain="human", task="drawer-open", instruction="open the drawer"),
        _record(3, variant="colors", success=False, failure_source="near_success"),
    ]
    _write_dataset(tmp_path, records)
    assert read_manifest(tmp_path) == records
    assert len(ClipDataset(tmp_path)) == 4
    assert [r.id for r in ClipDataset(tmp_path, domain="robot", success=False).records] == ["c1", "c3"]
    assert [r.id for r in ClipDataset(tmp_path, variant="colors").records] == ["c3"]
    assert [r.id for r in ClipDataset(tmp_path, task=["drawer-open"]).records] == ["c2"]
    assert [r.id for r in ClipDataset(tmp_path, failure_source="random").records] == ["c1"]
    frames, record = ClipDataset(tmp_path)[0]
    assert frames.shape == (4, 16, 16, 3) and frames.dtype == np.uint8 and record.id == "c0"
    assert ClipDataset(tmp_path).frames([0, 1]).shape == (2, 4, 16, 16, 3)


def test_bad_manifest_lines_name_the_problem(tmp_path):
    (tmp_path / "manifest.jsonl").write_text(_record(0).to_json() + "\n{not json\n")
    with pytest.raises(ManifestError, match=r"manifest.jsonl:2: line does not parse"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.jsonl").write_text(json.dumps({"id": "x", "domain": "robot"}) + "\n")
    with pytest.raises(ManifestError, match=r":1: .*lacks the fields"):
        read_manifest(tmp_path)
    bad = json.loads(_record(0).to_json()) | {"domain": "alien"}
    (tmp_path / "manifest.jsonl").write_text(json.dumps(bad) + "\n")
    with pytest.raises(ManifestError, match="domain 'alien'"):
        read_manifest(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_manifest(tmp_path / "nowhere")


def test_missing_corrupt_and_misshapen_clips_raise(tmp_path):
    record = _record(0)
    with pytest.raises(ClipDecodeError, match="does not exist"):
        load_clip(tmp_path, record)
    (tmp_path / "clips").mkdir()
    (tmp_path / record.path).write_bytes(b"definitely not a zip archive")
    with pytest.raises(ClipDecodeError, match="corrupt"):
        load_clip(tmp_path, record)
    save_clip(tmp_path / record.path, np.zeros((3, 8, 8, 3), np.uint8))
    with pytest.raises(ClipDecodeError, match="holds 3 frames, the manifest says 4"):
        load_clip(tmp_path, record)
    with pytest.raises(ClipDecodeError, match="uint8"):
        save_clip(tmp_path / "x.npz", np.zeros((3, 8, 8, 3), np.float32))
    with pytest.raises(ClipDecodeError, match="shape"):
        save_clip(tmp_path / "x.npz", np.zeros((3, 8, 8), np.uint8))


def test_ssv2_layout_is_read_into_clip_records(tmp_path):
    from adapt2reward.data.ssv2 import read_ssv2_labels

    videos = tmp_path / "20bn-something-something-v2"
    rng = np.random.default_rng(0)
    labels = [
        {
            "id": "101",
            "label": "pushing a pen from left to right",
            "template": "Pushing [something] from left to right",
            "placeholders": ["a pen"],
        },
        {
            "id": "202",
            "label": "closing a drawer",
            "template": "Closing [something]",
            "placeholders": ["a drawer"],
        },
    ]
    for entry in labels:
        write_video(
            videos / f"{entry['id']}.webm",
            rng.integers(0, 255, (12, 32, 48, 3), dtype=np.uint8),
            codec="libvpx",
        )
    (tmp_path / "train.json").write_text(json.dumps(labels))
    records = read_ssv2_labels(tmp_path / "train.json", videos, num_frames=6)
    assert [r.task for r in records] == ["Pushing something from left to right", "Closing something"]
    assert (
        records[1].instruction == "closing a drawer" and records[1].domain == "human" and records[1].success
    )
    dataset = ClipDataset.from_ssv2(tmp_path / "train.json", videos, num_frames=6)
    frames, record = dataset[0]
    assert frames.shape == (6, 32, 48, 3) and frames.dtype == np.uint8 and record.id == "ssv2-101"

    (videos / "202.webm").write_bytes(b"\x1a\x45\xdf\xa3 truncated")
    with pytest.raises(ClipDecodeError, match="202.webm could not be decoded"):
        dataset[1]
    (videos / "202.webm").unlink()
    with pytest.raises(FileNotFoundError, match=r"202\.webm \(id 202\) does not exist"):
        read_ssv2_labels(tmp_path / "train.json", videos)
