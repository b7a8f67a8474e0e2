"""Baselines on tiny synthetic data: losses fall; scores are in range, round-trip and reject bad input."""

import csv

import numpy as np
import pytest
import torch
from reward_checks import assert_rejects_bad_clips
from synthetic import INSTRUCTIONS, render_clip

from adapt2reward.baselines import (
    BASELINES,
    Concept2RobotConfig,
    Concept2RobotReward,
    DVDConfig,
    LIVConfig,
    checkpoint_clip_shape,
    load_reward,
)
from adapt2reward.models.checkpoint import CheckpointError
from adapt2reward.reward.reward_model import RewardModel
from adapt2reward.training.model_init import build_model

STEPS = 30
RANGES = {"concept2robot": (0.0, 1.0), "dvd": (0.0, 1.0), "liv": (-1.0, 1.0)}


def _config(kind, data, init, out, **kw):
    common = dict(human=(str(data),), init=str(init), out=str(out), steps=STEPS, batch_size=8, lr=1e-3)
    if kind != "concept2robot":
        common |= dict(robot=(str(data),), heldout_fraction=0.3)
    if kind == "dvd":
        common["num_demos"] = 4
    return BASELINES[kind].config_class(**(common | kw))


@pytest.fixture(scope="module", params=sorted(RANGES))
def trained(request, data, stage1, tmp_path_factory):
    kind = request.param
    out = BASELINES[kind].train(_config(kind, data, stage1, tmp_path_factory.mktemp(kind)), progress=False)
    return kind, out


def _clips(task, outcome, n=3, seed=1):
    rng = np.random.default_rng(seed)
    return np.stack([render_clip(task, "robot", outcome, rng)[0] for _ in range(n)])


def test_training_lowers_the_loss_and_logs_every_step(trained):
    kind, out = trained
    with open(out / "losses.csv") as f:
        totals = [float(row["total"]) for row in csv.DictReader(f)]
    assert len(totals) == STEPS
    assert np.mean(totals[-5:]) < np.mean(totals[:5]), kind


def test_rewards_are_in_range_and_survive_save_and_load(trained, tmp_path):
    kind, out = trained
    model = load_reward(out)  # the kind is read from the folder
    clips = np.concatenate([_clips("drawer-close", "success"), _clips("button-press", "wrong_way")])
    instructions = ["close the drawer"] * 3 + ["press the button now"] * 3  # the last not in the data
    rewards = model.reward(clips, instructions)
    low, high = RANGES[kind]
    assert rewards.shape == (6,) and rewards.dtype == torch.float32
    assert ((rewards >= low) & (rewards <= high)).all()
    assert torch.equal(rewards, model.reward(torch.from_numpy(clips), instructions))
    model.save(tmp_path / "copy")
    assert torch.equal(rewards, type(model).load(tmp_path / "copy").reward(clips, instructions))
    assert not hasattr(model, "success_probability") and len(model.scores(clips, instructions)) == 1
    assert model.describe() == {"kind": kind, "num_frames": model.num_frames, "image_size": model.image_size}
    assert (
        checkpoint_clip_shape(out) == (model.num_frames, model.image_size) > (0, 0)
    )  # read without loading the weights


def test_bad_input_and_wrong_checkpoints_are_rejected(trained, stage1):
    kind, out = trained
    model = load_reward(out, kind=kind)
    assert_rejects_bad_clips(model)
    other = next(k for k in RANGES if k != kind)
    with pytest.raises(CheckpointError, match=f"not a {other!r} baseline"):
        load_reward(out, kind=other)
    with pytest.raises(CheckpointError, match="no baseline"):
        load_reward(stage1, kind=kind)
    with pytest.raises(CheckpointError, match="does not fit this model"):
        load_reward(out, kind="zero-shot")


def test_instructions_map_to_tasks_exactly_or_by_nearest_text(stage1):
    model = Concept2RobotReward(
        build_model(None, str(stage1)), {t: list(INSTRUCTIONS[t]) for t in INSTRUCTIONS}
    )
    tasks = list(model.task_instructions)
    found = model.matcher(["push the drawer shut", "open the faucet", "press the button now"])
    assert [tasks[i] for i in found] == ["drawer-close", "faucet-open", "button-press"]


def test_zero_shot_is_the_stage1_model(stage1):
    model = load_reward(stage1, kind="zero-shot")
    assert isinstance(model, RewardModel) and BASELINES["zero-shot"].train is None
    clips = _clips("drawer-close", "success", n=2)
    assert torch.equal(
        model.reward(clips, "close the drawer"), RewardModel.load(stage1).reward(clips, "close the drawer")
    )
    with pytest.raises(ValueError, match="unknown reward kind 'vip'"):
        load_reward(stage1, kind="vip")


@pytest.mark.parametrize(
    ("config_class", "changes", "message"),
    [
        (Concept2RobotConfig, {"init": ""}, "stage-1 checkpoint"),
        (Concept2RobotConfig, {"human": ()}, "human"),
        (DVDConfig, {"robot": ()}, "robot"),
        (DVDConfig, {"failure_negatives": 1.5}, "failure_negatives"),
        (LIVConfig, {"gamma": 1.0}, "gamma"),
        (LIVConfig, {"steps": 0}, "steps"),
    ],
)
def test_configs_reject_bad_values(config_class, changes, message):
    base = {"human": ("h",), "robot": ("r",), "init": "ckpt"}
    if config_class is Concept2RobotConfig:
        base.pop("robot")
    with pytest.raises(ValueError, match=message):
        config_class(**(base | changes))


def test_baseline_command_trains_on_the_human_tasks_given(data, stage1, tmp_path):
    from typer.testing import CliRunner

    from adapt2reward.cli import app

    tasks = sorted(INSTRUCTIONS)[:2]
    args = ["baseline", "concept2robot", "--human", str(data), "--init", str(stage1), "--steps", "2"]
    result = CliRunner().invoke(
        app, [*args, "--out", str(tmp_path / "c2r"), "--human-tasks", ",".join(tasks)]
    )
    assert result.exit_code == 0, result.output
    assert load_reward(tmp_path / "c2r").classifier.out_features == 2
    bad = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "bad"), "--human-tasks", "window-open"])
    assert bad.exit_code == 2 and "no human-domain clips of tasks ['window-open']" in bad.output


def test_eval_tells_baseline_checkpoints_from_adapt2reward_ones(trained, stage1):
    from adapt2reward.baselines import checkpoint_kind
    from adapt2reward.cli import _methods

    kind, out = trained
    assert checkpoint_kind(out) == kind and checkpoint_kind(stage1) == "adapt2reward"
    methods = _methods(stage1, "main", [f"zero-shot={stage1}"], [f"{kind} (K=2)={out}"])
    assert methods == {
        "main": ("adapt2reward", stage1),
        "zero-shot": ("zero-shot", stage1),
        f"{kind} (K=2)": (kind, out),
    }


def test_human_failures_reach_dvd_as_failures_never_as_demonstrations(data, stage1, tmp_path):
    from synthetic import make_dataset

    from adapt2reward.baselines.data import load_data
    from adapt2reward.baselines.dvd import train_dvd
    from adapt2reward.data.clip_bank import ClipBank

    failures = make_dataset(tmp_path / "hf", robot_tasks=(), human_per_task=0, human_failures_per_task=3)
    config = _config("dvd", data, stage1, tmp_path / "dvd", human=(str(data), str(failures)), steps=2)
    loaded = load_data(config)
    assert all(r.success for _, r in loaded.human) and len(loaded.human) == 40
    assert len(loaded.human_failure) == 12 and not any(r.success for _, r in loaded.human_failure)
    assert load_data(_config("dvd", data, stage1, tmp_path)).human_failure == []  # none in the folders
    calls = []
    original = ClipBank.load

    def spy(items, *args, **kwargs):
        calls.append((args[1], len(items)))
        return original(items, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ClipBank, "load", staticmethod(spy))
        train_dvd(config, progress=False)
    assert ("failure", len(loaded.robot_failure) + 12) in calls
