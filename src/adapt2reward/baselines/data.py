"""The baselines' training clips: stage 2's human clips and robot training split, in memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from adapt2reward.data.dataset import ClipDataset
from adapt2reward.data.records import ClipRecord
from adapt2reward.training.robot_split import load_robot_split

Items = list[tuple[Path, ClipRecord]]


@dataclass(frozen=True)
class BaselineData:
    """Human clips and the robot training clips (successes and failures) of stage 2."""

    human: Items
    robot_success: Items
    robot_failure: Items


def load_data(
    human: Sequence[str],
    robot: Sequence[str] = (),
    tasks: Sequence[str] = (),
    robot_variants: Sequence[str] = ("train",),
    heldout_fraction: float = 0.2,
    seed: int = 0,
) -> BaselineData:
    """Human-domain clips of `human`; robot clips of `robot` filtered and split as `training.adapt.train`.

    Robot clips of `tasks` (every task when empty) outside the held-out share and in `robot_variants`;
    failures of every source are kept. Each robot task must have success clips.
    """
    human_items = ClipDataset(list(human), domain="human").items
    if not human_items:
        raise ValueError(f"no human-domain clips found in {list(human)}")
    if not robot:
        return BaselineData(human_items, [], [])
    split = load_robot_split(robot, tasks, robot_variants, heldout_fraction, seed)
    return BaselineData(human_items, split.success, split.failure)


def task_instructions(records: Sequence[ClipRecord]) -> dict[str, list[str]]:
    """Task -> its distinct instructions in the data (tasks and instructions sorted)."""
    result: dict[str, set[str]] = {}
    for record in records:
        result.setdefault(record.task, set()).add(record.instruction)
    return {task: sorted(texts) for task, texts in sorted(result.items())}
