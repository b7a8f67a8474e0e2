"""The baselines' training clips: stage 2's human clips and robot training split, in memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from adapt2reward.baselines.config import BaselineConfig, RobotDataConfig
from adapt2reward.data.records import ClipRecord
from adapt2reward.data.run_data import load_human_failures, load_human_items, load_robot_split

Items = list[tuple[Path, ClipRecord]]


@dataclass(frozen=True)
class BaselineData:
    """Human clips and the robot training clips (successes and failures) of stage 2, and the human
    failures (unfinished attempts) the human folders hold, if any."""

    human: Items
    robot_success: Items
    robot_failure: Items
    human_failure: Items = field(default_factory=list)


def load_data(config: BaselineConfig) -> BaselineData:
    """The human clips of a baseline config and, for a `RobotDataConfig`, its robot training split.

    The robot clips are split exactly as `training.adapt.train` splits them (same tasks, variants,
    held-out share and seed); failures of every source are kept.
    """
    human = load_human_items(config.human, config.human_tasks)
    human_failure = load_human_failures(config.human, config.human_tasks)
    if not isinstance(config, RobotDataConfig):
        return BaselineData(human, [], [], human_failure)
    split = load_robot_split(
        config.robot, config.tasks, config.robot_variants, config.heldout_fraction, config.split_seed
    )
    return BaselineData(human, split.success, split.failure, human_failure)


def task_instructions(records: Sequence[ClipRecord]) -> dict[str, list[str]]:
    """Task -> its distinct instructions in the data (tasks and instructions sorted)."""
    result: dict[str, set[str]] = {}
    for record in records:
        result.setdefault(record.task, set()).add(record.instruction)
    return {task: sorted(texts) for task, texts in sorted(result.items())}
