"""Training: the stage-1 (`pretrain`) and stage-2 (`train`) loops, failure modes and the run's state."""

from adapt2reward.training.adapt import train
from adapt2reward.training.config import PretrainConfig, TrainConfig
from adapt2reward.training.pretrain import pretrain

__all__ = ["PretrainConfig", "TrainConfig", "pretrain", "train"]
