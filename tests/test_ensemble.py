"""Reward ensembles: the combination rule, its checks, and the ensemble folder's config."""

import json

import pytest
import torch

from adapt2reward.json_config import ConfigError
from adapt2reward.models.checkpoint import CheckpointError
from adapt2reward.reward.ensemble import EnsembleConfig, EnsembleReward, read_ensemble, save_ensemble
from adapt2reward.reward.protocol import LearnedReward
from adapt2reward.reward.reward_model import RewardModel


class _Fixed(LearnedReward):
    """A member whose reward (and, if given, success probability) is a fixed vector."""

    def __init__(self, reward, probability=None):
        self.values = torch.tensor(reward)
        self.probability = None if probability is None else torch.tensor(probability)

    def scores(self, clips, instructions):
        if self.probability is None:
            return (self.values,)
        return self.values, self.probability

    def reward(self, clips, instructions):
        return self.values


def test_ensemble_reward_is_the_mean_less_the_penalised_spread():
    a = _Fixed([1.0, 0.0, 2.0], [0.2, 0.4, 0.6])
    b = _Fixed([3.0, 0.0, 2.0], [0.4, 0.6, 0.8])
    reward, probability = EnsembleReward([a, b]).scores(None, "x")
    assert torch.allclose(reward, torch.tensor([2.0, 0.0, 2.0]))
    assert torch.allclose(probability, torch.tensor([0.3, 0.5, 0.7]))
    # the members disagree on the first clip only (std 1): a penalty of 1.5 lowers it below the third
    pessimistic = EnsembleReward([a, b], penalty=1.5).reward(None, "x")
    assert torch.allclose(pessimistic, torch.tensor([0.5, 0.0, 2.0]))
    assert pessimistic.argmax() == 2
    # a member without a success head leaves the ensemble without one
    assert len(EnsembleReward([a, _Fixed([0.0, 0.0, 0.0])]).scores(None, "x")) == 1
    matrix = EnsembleReward([a, b]).score_matrix(torch.zeros(3, 2, 4, 4, 3, dtype=torch.uint8), ["x", "y"])
    assert matrix.shape == (3, 2) and torch.equal(matrix[:, 0], matrix[:, 1])
    a.image_size, b.image_size = 64, 96
    assert EnsembleReward([a, b]).image_size == 96  # the planner must film what its sharpest member reads


def test_ensemble_rejects_bad_settings(tmp_path):
    with pytest.raises(ValueError, match="at least two members"):
        EnsembleReward([_Fixed([1.0])])
    with pytest.raises(ValueError, match="penalty must be >= 0"):
        EnsembleReward([_Fixed([1.0]), _Fixed([2.0])], penalty=-1)
    with pytest.raises(ConfigError, match="EnsembleConfig.members: must name at least two"):
        EnsembleConfig(("a",))
    with pytest.raises(ConfigError, match=r"EnsembleConfig.members: name \['a'\] more than once"):
        EnsembleConfig(("a", "a", "b"))
    with pytest.raises(ConfigError, match="EnsembleConfig.penalty: must be >= 0"):
        EnsembleConfig(("a", "b"), penalty=-0.5)
    with pytest.raises(CheckpointError, match="nowhere.*does not exist"):
        save_ensemble(tmp_path / "e", EnsembleConfig(("nowhere", "nor-here")))
    assert not (tmp_path / "e").exists()  # nothing written for members that are not there


def test_ensemble_folder_round_trips_and_refuses_nested_ensembles(tmp_path):
    members = []
    for name in ("m0", "m1"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text(json.dumps({"model": {}}))
        members.append(str(tmp_path / name))
    config = EnsembleConfig(tuple(members), penalty=0.5)
    folder = save_ensemble(tmp_path / "e", config)
    assert read_ensemble(folder) == config
    with pytest.raises(CheckpointError, match="is a reward ensemble"):
        RewardModel.load(folder)
    with pytest.raises(ConfigError, match="are ensembles themselves"):
        EnsembleConfig((str(folder), members[0]))
