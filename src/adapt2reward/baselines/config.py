"""Configs shared by the trained baselines: data folders, the stage-1 init checkpoint and the run."""

from __future__ import annotations

from dataclasses import dataclass, field

from adapt2reward.data.look_augmentation import LookAugmentation
from adapt2reward.json_config import JsonConfig, check, nested_from_dicts
from adapt2reward.training.config import check_positive


@dataclass(frozen=True)
class BaselineConfig(JsonConfig):
    """Fields every trained baseline has.

    Data
        human: dataset folders whose human-domain clips are used; human_tasks: only these tasks (empty: all).
        init: stage-1 checkpoint folder; its backbone (video and text towers) is the starting point.
    Run
        out: output folder (checkpoint, `losses.csv`, frame-feature cache).
        steps: optimiser steps; lr, weight_decay: AdamW; seed: sampling, initialisation and the split.
        save_every: steps between checkpoints (also saved at the end); a rerun resumes.
    """

    human: tuple[str, ...] = ()
    human_tasks: tuple[str, ...] = ()
    init: str = ""
    out: str = "checkpoints/baseline"
    steps: int = 300
    batch_size: int = 16
    lr: float = 3e-4
    weight_decay: float = 0.01
    seed: int = 0
    save_every: int = 50

    def __post_init__(self) -> None:
        check(bool(self.human), self, "human", "a baseline needs at least one dataset folder")
        check(bool(self.init), self, "init", "must name the stage-1 checkpoint the baselines start from")
        check_positive(self, "steps", "batch_size", "lr", "save_every")


@dataclass(frozen=True)
class RobotDataConfig(BaselineConfig):
    """A baseline that also trains on robot clips, split exactly as `training.adapt.train` splits them.

    robot: dataset folders whose robot-domain clips are used. tasks: robot training tasks (empty: every
    task of the robot data). robot_variants: the variants trained on. heldout_fraction: share of robot
    clips kept aside by clip id (with `split_seed`, the same clips as stage 2's held-out set).
    look_augmentation: augmented copies of the robot clips, as stage 2's (a data lever, so a baseline
    compared with a run that has it gets it too).
    """

    robot: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    robot_variants: tuple[str, ...] = ("train",)
    heldout_fraction: float = 0.2
    split_seed: int = 0
    look_augmentation: LookAugmentation = field(default_factory=LookAugmentation)

    def __post_init__(self) -> None:
        super().__post_init__()
        nested_from_dicts(self)
        check(bool(self.robot), self, "robot", "this baseline needs at least one dataset folder")
        check(0.0 <= self.heldout_fraction < 1.0, self, "heldout_fraction", "must lie in [0, 1)")
