"""Every long job resumes: stage 1 and the baselines, interrupted, end as an uninterrupted run; a rerun over a
finished run changes nothing; a resume with another config is refused. (Stage 2: tests/test_training.py.)"""

import csv

import pytest
import test_baselines
import torch

from adapt2reward.baselines import BASELINES
from adapt2reward.models.checkpoint import read_config, read_tensors
from adapt2reward.training.config import PretrainConfig
from adapt2reward.training.pretrain import pretrain

STEPS = 8


def _config(kind, data, stage1, out, **kw):
    """test_baselines' config of a `kind` baseline, shorter and saved every 3 steps."""
    return test_baselines._config(kind, data, stage1, out, **(dict(steps=STEPS, save_every=3) | kw))


def _steps(out):
    with open(out / "losses.csv") as f:
        return [int(row["step"]) for row in csv.DictReader(f)]


def _assert_same_weights(out, reference):
    resumed = read_tensors(out)
    expected = read_tensors(reference)
    assert resumed.keys() == expected.keys()
    for name, tensor in expected.items():
        assert torch.equal(tensor, resumed[name]), name


class _Interrupted(Exception):
    pass


def _optimiser_steps(monkeypatch, interrupt_at=None):
    """Count the optimiser's steps from now; with `interrupt_at`, raise at that step as if killed there."""
    calls = {"n": 0}
    original = torch.optim.AdamW.step

    def step_or_stop(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == interrupt_at:
            raise _Interrupted
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.AdamW, "step", step_or_stop)
    return calls


@pytest.fixture(scope="module")
def finished(data, stage1, tmp_path_factory):
    """An uninterrupted DVD run and a concept2robot run, finished."""
    runs = {}
    for kind in ("dvd", "concept2robot"):
        out = tmp_path_factory.mktemp(f"{kind}-whole")
        BASELINES[kind].train(_config(kind, data, stage1, out), progress=False)
        runs[kind] = out
    return runs


def test_a_baseline_stopped_mid_run_resumes_to_the_uninterrupted_weights(data, stage1, finished, tmp_path):
    config = _config("dvd", data, stage1, tmp_path)
    BASELINES["dvd"].train(config, progress=False, stop_after=5)
    assert _steps(tmp_path) == [1, 2, 3, 4, 5]
    BASELINES["dvd"].train(config, progress=False)
    assert _steps(tmp_path) == list(range(1, STEPS + 1))
    _assert_same_weights(tmp_path, finished["dvd"])  # the demos drawn at the end included


def test_a_baseline_killed_between_saves_resumes_without_repeating_steps(
    data, stage1, finished, tmp_path, monkeypatch
):
    config = _config("concept2robot", data, stage1, tmp_path)
    with monkeypatch.context() as patch:
        _optimiser_steps(patch, interrupt_at=5)  # steps 1-4 logged, the last save at step 3
        with pytest.raises(_Interrupted):
            BASELINES["concept2robot"].train(config, progress=False)
    assert _steps(tmp_path) == [1, 2, 3, 4]
    rerun = _optimiser_steps(monkeypatch)
    BASELINES["concept2robot"].train(config, progress=False)
    assert rerun["n"] == STEPS - 3  # resumed from the save at step 3, not started again
    assert _steps(tmp_path) == list(range(1, STEPS + 1))
    _assert_same_weights(tmp_path, finished["concept2robot"])


def test_a_rerun_over_a_finished_baseline_keeps_its_log_and_weights(
    data, stage1, finished, tmp_path, monkeypatch, capsys
):
    out = tmp_path / "run"
    config = _config("concept2robot", data, stage1, out)
    BASELINES["concept2robot"].train(config, progress=False)
    files = {name: (out / name).read_bytes() for name in ("losses.csv", "model.safetensors", "config.json")}
    _optimiser_steps(monkeypatch, interrupt_at=2)  # a rerun that trained again would be cut short here
    BASELINES["concept2robot"].train(config)
    assert {name: (out / name).read_bytes() for name in files} == files
    assert "holds a finished run (8 steps): nothing to do" in capsys.readouterr().err


def test_a_baseline_resumed_with_another_config_is_refused(data, stage1, finished, tmp_path):
    out = finished["dvd"]
    with pytest.raises(ValueError, match=f"{out} holds a run with another config"):
        BASELINES["dvd"].train(_config("dvd", data, stage1, out, lr=5e-4), progress=False)
    # a baseline folder without a training state (trained before baselines resumed) is not trained over
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "config.json").write_bytes((out / "config.json").read_bytes())
    (legacy / "model.safetensors").write_bytes((out / "model.safetensors").read_bytes())
    with pytest.raises(ValueError, match=f"{legacy} holds a checkpoint but no training state"):
        BASELINES["dvd"].train(_config("dvd", data, stage1, legacy), progress=False)
    assert (legacy / "model.safetensors").read_bytes() == (out / "model.safetensors").read_bytes()


def test_pretraining_stopped_mid_run_resumes_to_the_uninterrupted_weights(stage1, tmp_path):
    config = PretrainConfig.from_dict(read_config(stage1)["train"] | {"out": str(tmp_path)})
    assert pretrain(config, progress=False, stop_after=5)["step"] == 5
    last = pretrain(config, progress=False)
    assert last["step"] == 16 and last["epoch"] == 2
    assert _steps(tmp_path) == list(range(1, 17))
    _assert_same_weights(tmp_path, stage1)
