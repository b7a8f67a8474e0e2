"""Something-Something-v2 end to end: a tiny folder in the real layout (webm videos it encodes itself, a
split's labels JSON, the class file), class selection, task maps, seeking decode, bad input, and
`a2r pretrain` / `a2r train` / `a2r baseline` / `a2r match-tasks` on it."""

import json
from fractions import Fraction

import av
import numpy as np
import pytest
from synthetic import BACKBONE, render_clip
from typer.testing import CliRunner

from adapt2reward.cli import app
from adapt2reward.data.clip_io import ClipDecodeError
from adapt2reward.data.dataset import ClipDataset
from adapt2reward.data.records import ManifestError, read_manifest
from adapt2reward.data.ssv2 import fill_template, instruction_of
from adapt2reward.data.ssv2_import import SSV2Spec, import_ssv2, ssv2_records
from adapt2reward.data.ssv2_video import read_frames

# class id, template, placeholders of its videos, the synthetic task whose look the videos take
CLASSES = [
    (0, "Closing [something]", ["drawer", "a box", "the door"], "drawer-close"),
    (1, "Opening [something]", ["drawer", "a jar", "the lid"], "drawer-open"),
    (2, "Pushing [something] so that it slightly moves", ["a button", "a pen", "a cup"], "button-press"),
    (3, "Turning [something] upside down", ["a bottle", "a mug", "a book"], "faucet-open"),
]
RUN = {"backbone": BACKBONE, "batch_size": 8, "steps_per_epoch": 4, "lr": 1e-3}
STAGE2 = {
    "epochs": 1,
    "steps_per_epoch": 4,
    "batch_human": 4,
    "batch_success": 4,
    "batch_failure": 4,
    "heldout_fraction": 0.3,
}


def write_webm(path, frames, gop=3):
    """VP9 webm as SS-V2 ships it (12 fps), a keyframe every `gop` frames so that seeking matters."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libvpx-vp9", rate=12, options={"g": str(gop), "crf": "10"})
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        stream.time_base = Fraction(1, 12)
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


@pytest.fixture(scope="module")
def ssv2(tmp_path_factory):
    """SS-V2 layout: videos/<id>.webm, something-something-v2-train.json and -labels.json."""
    root = tmp_path_factory.mktemp("ssv2")
    (root / "videos").mkdir()
    rng = np.random.default_rng(0)
    entries = []
    for class_id, template, objects, look in CLASSES:
        for k, thing in enumerate(objects):
            video_id = str(1000 + 10 * class_id + k)
            clip, _ = render_clip(look, "human", "success", rng, frames=10, size=48)
            write_webm(root / "videos" / f"{video_id}.webm", clip)
            label = fill_template(template, [thing])
            entries.append({"id": video_id, "label": label, "template": template, "placeholders": [thing]})
    (root / "something-something-v2-train.json").write_text(json.dumps(entries))
    # the class file spells templates without brackets and ids as strings, as the official one does
    classes = {template.replace("[", "").replace("]", ""): str(i) for i, template, _, _ in CLASSES}
    (root / "something-something-v2-labels.json").write_text(json.dumps(classes))
    return root


def _spec(root, **kw):
    return SSV2Spec(str(root / "something-something-v2-train.json"), str(root / "videos"), **kw)


def _cli(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def test_instruction_is_the_template_filled_with_its_placeholders():
    assert fill_template("Closing [something]", ["drawer"]) == "closing drawer"
    assert (
        fill_template("Putting [something] on [something]", ["a pen", "a table"])
        == "putting a pen on a table"
    )
    assert fill_template("Closing [something]", []) is None
    entry = {"template": "Closing [something]", "label": "closing a drawer", "placeholders": []}
    assert instruction_of(entry) == "closing a drawer"  # placeholders missing: the label


def test_classes_are_chosen_by_id_or_by_template_text(ssv2):
    def tasks(**kw):
        return sorted({r.task for r in ssv2_records(_spec(ssv2, **kw))[0]})

    assert tasks(classes=("0,2",)) == ["Closing something", "Pushing something so that it slightly moves"]
    assert tasks(classes=("Closing [something]", "opening something")) == [
        "Closing something",
        "Opening something",
    ]
    assert len(tasks()) == 4
    assert len(ssv2_records(_spec(ssv2, per_class=2))[0]) == 8
    records = ssv2_records(_spec(ssv2, classes=("1",)))[0]
    assert [r.instruction for r in records] == ["opening drawer", "opening a jar", "opening the lid"]
    assert records[0].extra["ssv2_class"] == 1 and records[0].domain == "human" and records[0].success
    mapped = ssv2_records(_spec(ssv2, task_map={"Closing [something]": "drawer-close", "1": "drawer-open"}))[
        0
    ]
    assert sorted({r.task for r in mapped}) == ["drawer-close", "drawer-open"]  # only the mapped classes


def test_videos_are_decoded_by_seeking_to_the_frames_needed(ssv2, tmp_path, monkeypatch):
    frames = np.stack([np.full((16, 16, 3), 10 * i, np.uint8) for i in range(24)])
    write_webm(tmp_path / "v.webm", frames, gop=4)
    converted = []
    original = av.VideoFrame.to_ndarray
    monkeypatch.setattr(
        av.VideoFrame, "to_ndarray", lambda f, **kw: converted.append(round(f.time * 12)) or original(f, **kw)
    )
    out = read_frames(tmp_path / "v.webm", 4)
    assert np.abs(out[:, 8, 8, 0].astype(int) - [0, 80, 150, 230]).max() <= 3  # frames 0, 8, 15, 23
    assert converted == [0, 8, 15, 23]  # only the kept frames are converted to RGB


def test_import_is_resumable_and_refuses_other_settings(ssv2, tmp_path):
    spec = _spec(ssv2, classes=("0", "1"))
    assert import_ssv2(spec, tmp_path / "a", progress=False)["imported"] == 6
    assert import_ssv2(spec, tmp_path / "a", progress=False) == {
        "out": str(tmp_path / "a"),
        "imported": 0,
        "skipped": 6,
    }
    frames, record = ClipDataset(tmp_path / "a")[0]
    assert (
        frames.shape == (8, 64, 64, 3) and record.id == "ssv2-1000" and record.instruction == "closing drawer"
    )
    with pytest.raises(ValueError, match="other settings"):
        import_ssv2(_spec(ssv2, classes=("0",)), tmp_path / "a", progress=False)


def test_a_pretrain_config_naming_an_ssv2_split_imports_it_into_the_cache(ssv2, tmp_path, monkeypatch):
    from adapt2reward.training.config import PretrainConfig
    from adapt2reward.training.pretrain import human_clips

    monkeypatch.setenv("A2R_CACHE", str(tmp_path))
    config = PretrainConfig(
        ssv2_labels=str(ssv2 / "something-something-v2-train.json"),
        ssv2_videos=str(ssv2 / "videos"),
        ssv2_classes=("Closing [something]", "3"),
    )
    clips = human_clips(config, progress=False)
    assert clips.tasks() == ["Closing something", "Turning something upside down"] and len(clips) == 6
    assert len(list(tmp_path.glob("ssv2/*/manifest.jsonl"))) == 1  # one import folder in the cache


def test_bad_input_gets_a_clear_error(ssv2, tmp_path):
    with pytest.raises(
        ValueError,
        match=r"unknown SS-V2 class 'Closing \[somthing\]'; did you mean \['Closing \[something\]'",
    ):
        ssv2_records(_spec(ssv2, classes=("Closing [somthing]",)))
    with pytest.raises(ValueError, match="unknown SS-V2 class id 99"):
        ssv2_records(_spec(ssv2, classes=("99",)))
    with pytest.raises(ValueError, match=r"task map classes \['Dropping \[something\]'\] match no"):
        ssv2_records(_spec(ssv2, classes=("0",), task_map={"Dropping [something]": "drawer-close"}))
    entries = json.loads((ssv2 / "something-something-v2-train.json").read_text())
    broken = tmp_path / "ssv2"
    (broken / "videos").mkdir(parents=True)
    (broken / "train.json").write_text(
        json.dumps([{k: v for k, v in e.items() if k != "template"} for e in entries])
    )
    with pytest.raises(ManifestError, match=r"entry 0 lacks \['template'\].*test split"):
        ssv2_records(SSV2Spec(str(broken / "train.json"), str(broken / "videos")))
    (broken / "train.json").write_text(json.dumps(entries[:2]))
    with pytest.raises(FileNotFoundError, match=r"1000\.webm \(id 1000\) does not exist"):
        ssv2_records(SSV2Spec(str(broken / "train.json"), str(broken / "videos")))
    with pytest.raises(ValueError, match="is an id, but no class file"):  # no class file next to it
        ssv2_records(SSV2Spec(str(broken / "train.json"), str(broken / "videos"), classes=("0",)))
    (broken / "videos" / "1000.webm").write_bytes(b"\x1a\x45\xdf\xa3 truncated")
    with pytest.raises(ClipDecodeError, match="1000.webm"):
        read_frames(broken / "videos" / "1000.webm", 8)
    result = CliRunner().invoke(
        app,
        [
            "import-ssv2",
            str(ssv2 / "something-something-v2-train.json"),
            "--videos",
            str(ssv2 / "videos"),
            "--out",
            str(tmp_path / "x"),
            "--classes",
            "Closing [somthing]",
        ],
    )
    assert result.exit_code == 2 and "unknown SS-V2 class" in result.output


def test_pretrain_train_baseline_and_match_tasks_on_ssv2(ssv2, data, tmp_path):
    labels, videos = ssv2 / "something-something-v2-train.json", ssv2 / "videos"
    (tmp_path / "pretrain.json").write_text(json.dumps(RUN | {"epochs": 2}))
    _cli(
        "pretrain",
        "--config",
        tmp_path / "pretrain.json",
        "--out",
        tmp_path / "stage1",
        "--ssv2-labels",
        labels,
        "--ssv2-videos",
        videos,
        "--ssv2-classes",
        "0,1,2",
        "--ssv2-cache",
        tmp_path / "ssv2-all",
    )
    assert len(read_manifest(tmp_path / "ssv2-all")) == 9
    assert list((tmp_path / "ssv2-all" / "features").glob("*.pt"))  # frame features cached with the import

    # match-tasks proposes a one-to-one task map; the user passes it (here: as proposed) to train
    output = _cli(
        "match-tasks",
        "--ssv2-labels",
        ssv2 / "something-something-v2-labels.json",
        "--checkpoint",
        tmp_path / "stage1",
        "--tasks",
        "drawer-close,button-press",
        "--top",
        "3",
        "--out",
        tmp_path / "map.json",
    )
    assert "drawer-close" in output and "<- proposed" in output
    proposal = json.loads((tmp_path / "map.json").read_text())
    assert sorted(proposal.values()) == ["button-press", "drawer-close"]
    task_map = {"Closing [something]": "drawer-close", "2": "button-press"}  # the user's edit
    (tmp_path / "map.json").write_text(json.dumps(task_map))

    (tmp_path / "train.json").write_text(json.dumps(STAGE2))
    mapped = ["--ssv2-labels", labels, "--ssv2-videos", videos, "--ssv2-classes", "0,1,2"]
    mapped += ["--ssv2-task-map", tmp_path / "map.json", "--ssv2-cache", tmp_path / "ssv2-mapped"]
    _cli(
        "train",
        "--config",
        tmp_path / "train.json",
        "--robot",
        data,
        "--init",
        tmp_path / "stage1",
        "--out",
        tmp_path / "stage2",
        *mapped,
    )
    human = ClipDataset(tmp_path / "ssv2-mapped")
    assert sorted(human.tasks()) == ["Opening something", "button-press", "drawer-close"]
    saved = json.loads((tmp_path / "stage2" / "config.json").read_text())["train"]
    assert saved["human"] == [str(tmp_path / "ssv2-mapped")]

    _cli(
        "baseline",
        "dvd",
        "--robot",
        data,
        "--init",
        tmp_path / "stage1",
        "--out",
        tmp_path / "dvd",
        "--steps",
        "2",
        *mapped,
    )
    assert (tmp_path / "dvd").is_dir()


def test_a_template_is_proposed_for_one_task_and_no_far_worse_stand_in():
    from adapt2reward.data.ssv2_match import Match, propose, task_map

    close = Match(
        "drawer-close", ("close the drawer",), (("Closing [something]", 0.53), ("Poking [something]", 0.15))
    )
    tap = Match(
        "faucet-close", ("close the faucet",), (("Closing [something]", 0.64), ("Twisting [something]", 0.60))
    )
    opened = Match(
        "drawer-open", ("open the drawer",), (("Closing [something]", 0.50), ("Opening [something]", 0.45))
    )
    proposed = propose([close, tap, opened])
    assert [m.proposed for m in proposed] == [None, "Closing [something]", "Opening [something]"]
    assert task_map(proposed) == {"Closing [something]": "faucet-close", "Opening [something]": "drawer-open"}
