"""Baseline rewards compared with Adapt2Reward, all behind `RewardModel`'s `.reward(clips, instructions)`.

Every baseline starts from the same stage-1 checkpoint and trains on the same data as stage 2:
`zero-shot` (the stage-1 model itself), `dvd`, `liv` and `concept2robot`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from adapt2reward.baselines.concept2robot import Concept2RobotConfig, Concept2RobotReward, train_concept2robot
from adapt2reward.baselines.config import BaselineConfig, RobotDataConfig
from adapt2reward.baselines.dvd import DVDConfig, DVDReward, train_dvd
from adapt2reward.baselines.liv import LIVConfig, LIVReward, train_liv
from adapt2reward.baselines.reward import BaselineReward
from adapt2reward.reward.reward_model import RewardModel


@dataclass(frozen=True)
class Baseline:
    """How to load a baseline's reward (`load(ckpt_dir, device)`) and, unless it needs no training, how to
    train it (`train(config, progress) -> checkpoint folder`, with `config` a `config_class`; a rerun
    resumes, see `baselines.loop.fit`)."""

    load: Callable[..., Any]
    train: Callable[..., Path] | None = None
    config_class: type[BaselineConfig] | None = None


BASELINES: dict[str, Baseline] = {
    "zero-shot": Baseline(RewardModel.load),
    "dvd": Baseline(DVDReward.load, train_dvd, DVDConfig),
    "liv": Baseline(LIVReward.load, train_liv, LIVConfig),
    "concept2robot": Baseline(Concept2RobotReward.load, train_concept2robot, Concept2RobotConfig),
}


def load_reward(
    kind: str, path: str | Path, device: str | torch.device = "cpu"
) -> RewardModel | BaselineReward:
    """The reward model of baseline `kind` from its checkpoint folder (`zero-shot`: a stage-1 checkpoint)."""
    if kind not in BASELINES:
        raise ValueError(f"unknown baseline {kind!r}; known baselines: {sorted(BASELINES)}")
    return BASELINES[kind].load(path, device)


__all__ = [
    "BASELINES",
    "Baseline",
    "BaselineConfig",
    "BaselineReward",
    "Concept2RobotConfig",
    "Concept2RobotReward",
    "DVDConfig",
    "DVDReward",
    "LIVConfig",
    "LIVReward",
    "RobotDataConfig",
    "load_reward",
    "train_concept2robot",
    "train_dvd",
    "train_liv",
]
