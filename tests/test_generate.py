"""The generator: labels from the simulator, both failure sources, determinism, and lossless resume."""

import json
from dataclasses import replace

import numpy as np
import pytest
from typer.testing import CliRunner

import adapt2reward.data.generate as gen
from adapt2reward.cli import app
from adapt2reward.data import load_clip, read_manifest
from adapt2reward.data.generation_config import GenerationConfig

CONFIG = GenerationConfig(
    robot_tasks=("button-press",),
    human_tasks=("button-press", "drawer-close"),
    robot_clips_per_task=6,
    human_clips_per_task=2,
    success_fraction=0.5,
    random_fraction=0.34,
    num_frames=4,
    size=32,
)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    counts = gen.generate(CONFIG, out, progress=False)
    assert counts == {"made": 10, "skipped": 0, "dropped": 0}
    return out


def _by_id(out):
    return {r.id: r for r in read_manifest(out)}


def test_clips_labels_and_sources(reference):
    records = read_manifest(reference)
    robot = [r for r in records if r.domain == "robot"]
    human = [r for r in records if r.domain == "human"]
    assert len(robot) == 6 and len(human) == 4 and all(r.success for r in human)
    assert sum(r.success for r in robot) == 3
    assert {r.failure_source for r in robot if not r.success} == {"random", "near_success"}
    for record in records:
        frames = load_clip(reference, record)
        assert frames.shape == (4, 32, 32, 3) and frames.dtype == np.uint8
        assert record.instruction in {
            "press the button",
            "push the button in",
            "push the red button",
            "close the drawer",
            "push the drawer shut",
            "slide the drawer closed",
        }


def test_labels_agree_with_a_replay_in_the_simulator(reference):
    from adapt2reward.envs.recording import ClipSpec, record_clip

    for record in read_manifest(reference)[:6]:
        behaviour = {None: "expert"}.get(record.failure_source, record.failure_source)
        spec = ClipSpec(
            task=record.task,
            domain=record.domain,
            behaviour=behaviour,
            variant=record.variant,
            seed=record.seed,
            num_frames=4,
            size=32,
        )
        clip = record_clip(spec)
        assert clip.success == record.success
        assert np.array_equal(clip.frames, load_clip(reference, record))


def test_interrupted_run_resumes_without_loss_or_duplicates(reference, tmp_path, monkeypatch):
    real_map = gen.parallel_map

    def interrupted(fn, items, workers, backend):
        for i, result in enumerate(real_map(fn, items, workers, backend)):
            if i == 4:
                raise KeyboardInterrupt
            yield result

    monkeypatch.setattr(gen, "parallel_map", interrupted)
    with pytest.raises(KeyboardInterrupt):
        gen.generate(CONFIG, tmp_path, progress=False)
    assert len(read_manifest(tmp_path)) == 4
    # a crash mid-write leaves a torn manifest line and a half-written clip file behind
    with (tmp_path / "manifest.jsonl").open("a") as f:
        f.write('{"id": "robot-button-press-train-000')
    (tmp_path / "clips" / "robot" / "button-press" / "robot-button-press-train-00005.npz.part").write_bytes(
        b"xx"
    )
    monkeypatch.setattr(gen, "parallel_map", real_map)
    counts = gen.generate(CONFIG, tmp_path, progress=False)
    assert counts == {"made": 6, "skipped": 4, "dropped": 0}
    resumed, ref = _by_id(tmp_path), _by_id(reference)
    assert len(read_manifest(tmp_path)) == len(resumed) == 10
    assert resumed == ref  # same clips, same labels, same seeds as an uninterrupted run
    for clip_id, record in ref.items():
        assert np.array_equal(load_clip(tmp_path, resumed[clip_id]), load_clip(reference, record))
    assert gen.generate(CONFIG, tmp_path, progress=False) == {"made": 0, "skipped": 10, "dropped": 0}


def test_resume_with_another_config_is_refused(reference):
    with pytest.raises(ValueError, match="another config"):
        gen.generate(replace(CONFIG, seed=1), reference, progress=False)


def test_bad_input_names_the_problem(tmp_path):
    with pytest.raises(ValueError, match="unknown task 'drawer-smash'"):
        GenerationConfig(robot_tasks=("drawer-smash",))
    with pytest.raises(ValueError, match="unknown"):
        GenerationConfig(variants=("underwater",))
    result = CliRunner().invoke(app, ["generate", "--out", str(tmp_path), "--tasks", "nope"])
    assert result.exit_code == 2 and "unknown task 'nope'" in result.output
    config = tmp_path / "bad.json"
    config.write_text(json.dumps({"robot_taskz": ["push"]}))
    result = CliRunner().invoke(app, ["generate", "--out", str(tmp_path / "x"), "--config", str(config)])
    assert result.exit_code == 2 and "robot_taskz" in result.output


def test_second_views_film_the_same_episode_from_another_camera(reference, tmp_path):
    from adapt2reward.data.second_view import film_second_views, view_pairs, view_partners

    result = CliRunner().invoke(
        app, ["second-view", "--source", str(reference), "--out", str(tmp_path), "--per-task", "1"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[-1])["made"] == 2  # one clip of each human task
    sources, views = _by_id(reference), read_manifest(tmp_path)
    for view in views:
        source = sources[view.extra["view_of"]]
        assert view.id == f"{source.id}~any-view" and view.variant == "any-view" and view.success
        assert (view.task, view.instruction, view.seed) == (source.task, source.instruction, source.seed)
        first, second = load_clip(reference, source), load_clip(tmp_path, view)
        assert np.abs(first.astype(int) - second.astype(int)).mean() > 10  # another camera and colours
        pairs = ((reference, source), (tmp_path, view))
        progress = [np.load(folder / r.path)["progress"] for folder, r in pairs]
        np.testing.assert_allclose(*progress)  # the same motion
    assert film_second_views(reference, tmp_path, "any-view", per_task=1, progress=False)["skipped"] == 2
    with pytest.raises(ValueError, match="second views made with"):
        film_second_views(reference, tmp_path, "colors", per_task=1, progress=False)

    records = [*read_manifest(reference), *views]
    partners = view_partners(records)
    assert len(partners) == 4 and all(partners[partners[i]] == i for i in partners)
    first_view = next(iter(partners))
    rows, others = view_pairs(np.asarray([first_view, partners[first_view], 0]), partners)
    assert rows.tolist() == [0] and others.tolist() == [partners[first_view]]  # each episode once


def test_robot_clips_filmed_in_the_human_look_are_the_same_episodes(reference, tmp_path):
    from adapt2reward.data.second_view import copies_of, film_second_views

    args = ["second-view", "--source", str(reference), "--out", str(tmp_path), "--variant", "train"]
    result = CliRunner().invoke(app, [*args, "--domain", "robot", "--look", "human"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[-1])["made"] == 6  # every robot clip, both outcomes
    sources = _by_id(reference)
    for copy in read_manifest(tmp_path):
        source = sources[copy.extra["view_of"]]
        assert copy.id == f"{source.id}~train~human-look" and copy.extra["look"] == "human"
        assert (copy.domain, copy.success, copy.seed) == ("robot", source.success, source.seed)
        np.testing.assert_allclose(  # the same motion, filmed with the stand-in's hand
            np.load(tmp_path / copy.path)["progress"], np.load(reference / source.path)["progress"]
        )
        assert np.abs(load_clip(reference, source).astype(int) - load_clip(tmp_path, copy)).mean() > 10
    robot_ids = [r.id for r in sources.values() if r.domain == "robot"]
    assert [r.extra["view_of"] for _, r in copies_of([tmp_path], robot_ids[:2])] == robot_ids[:2]
    with pytest.raises(ValueError, match="unknown look 'alien'"):
        film_second_views(reference, tmp_path / "bad", "train", domain="robot", look="alien")
    assert not (tmp_path / "bad").exists()


def test_human_failures_are_unfinished_attempts_with_ids_of_their_own(tmp_path):
    config = replace(
        CONFIG,
        domains=("human",),
        human_tasks=("drawer-close",),
        human_clips_per_task=1,
        human_failures_per_task=2,
    )
    assert gen.generate(config, tmp_path, progress=False)["made"] == 3
    records = _by_id(tmp_path)
    failures = [r for r in records.values() if not r.success]
    assert sorted(r.id for r in failures) == [
        "human-drawer-close-train-failure-00000",
        "human-drawer-close-train-failure-00001",
    ]
    assert all(r.domain == "human" and r.failure_source == "near_success" for r in failures)
    assert records["human-drawer-close-train-00000"].success
    with pytest.raises(ValueError, match="human_failures_per_task"):
        replace(config, human_failures_per_task=-1)
