"""Fixtures shared by the training, baseline and evaluation tests: synthetic data and a stage-1 model."""

import pytest
from synthetic import BACKBONE, make_dataset

from adapt2reward.models import Adapt2RewardModel, BackboneConfig, ModelConfig
from adapt2reward.reward.reward_model import RewardModel
from adapt2reward.training.config import PretrainConfig
from adapt2reward.training.pretrain import pretrain


@pytest.fixture(scope="session")
def data(tmp_path_factory):
    """A small dataset in the real format whose success and failure clips differ visibly."""
    return make_dataset(tmp_path_factory.mktemp("synthetic"))


@pytest.fixture(scope="session")
def stage1(data, tmp_path_factory):
    """A stage-1 checkpoint pre-trained briefly on the synthetic human clips."""
    out = tmp_path_factory.mktemp("stage1")
    config = PretrainConfig(
        data=(str(data),),
        out=str(out),
        backbone=BACKBONE,
        batch_size=16,
        epochs=2,
        steps_per_epoch=8,
        lr=1e-3,
    )
    pretrain(config, progress=False)
    return out


@pytest.fixture(scope="module")
def tiny_model():
    """An untrained reward model with a small from-scratch CNN: fast, for tests of what wraps a model."""
    backbone = BackboneConfig(
        kind="minilm-smallcnn", num_frames=4, temporal_depth=1, temporal_width=64, embed_dim=64, dropout=0.0
    )
    return RewardModel(Adapt2RewardModel(ModelConfig(backbone=backbone)))
