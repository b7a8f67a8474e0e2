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
from adapt2reward.baselines.reward import KIND_KEY, BaselineReward
from adapt2reward.models.checkpoint import CONFIG_FILE, CheckpointError, read_config
from adapt2reward.models.config import ModelConfig
from adapt2reward.reward.ensemble import EnsembleReward, is_ensemble, read_ensemble
from adapt2reward.reward.protocol import LearnedReward
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


def checkpoint_kind(path: str | Path) -> str:
    """`adapt2reward`, `ensemble`, or the baseline kind a trained baseline's `config.json` records."""
    if not (Path(path) / CONFIG_FILE).is_file():
        return "adapt2reward"  # loading reports what is missing
    if is_ensemble(path):
        return "ensemble"
    return read_config(path).get(KIND_KEY) or "adapt2reward"


def checkpoint_clip_shape(path: str | Path) -> tuple[int, int]:
    """(frames, px) of the clips the reward in a checkpoint folder reads, from its config.json alone (an
    ensemble: the most of its members'); (0, 0) when the folder does not say (loading it reports why)."""
    if checkpoint_kind(path) == "ensemble":
        shapes = [checkpoint_clip_shape(m) for m in read_ensemble(path).members]
        return max(f for f, _ in shapes), max(px for _, px in shapes)
    try:
        backbone = ModelConfig.from_dict(read_config(path)["model"]).backbone
    except (CheckpointError, KeyError, TypeError, ValueError):
        return 0, 0
    return backbone.num_frames, backbone.image_size


def load_reward(
    path: str | Path, device: str | torch.device = "cpu", *, kind: str | None = None
) -> LearnedReward:
    """The reward a checkpoint folder holds: one Adapt2Reward model, an ensemble of checkpoints
    (`reward.ensemble`) or a trained baseline, as `checkpoint_kind(path)` reads it from the folder. `kind`
    overrides that reading: `adapt2reward`, `ensemble` or a baseline kind (`zero-shot`: a stage-1
    checkpoint)."""
    kind = kind or checkpoint_kind(path)
    if kind == "adapt2reward":
        return RewardModel.load(path, device)
    if kind == "ensemble":
        config = read_ensemble(path)
        return EnsembleReward([load_reward(m, device) for m in config.members], config.penalty)
    if kind not in BASELINES:
        known = ["adapt2reward", "ensemble", *sorted(BASELINES)]
        raise ValueError(f"unknown reward kind {kind!r}; known: {known}")
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
    "checkpoint_clip_shape",
    "checkpoint_kind",
    "load_reward",
    "train_concept2robot",
    "train_dvd",
    "train_liv",
]
