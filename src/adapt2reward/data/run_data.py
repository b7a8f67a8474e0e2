"""The clips a stage-2 run (or a baseline) trains on.

Human clips: the human-domain successes of the given folders (and, apart, their failures), optionally
of some tasks only. Robot clips: the
run's tasks in the training variants, minus the held-out share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from adapt2reward.data.dataset import ClipDataset
from adapt2reward.data.records import ClipRecord
from adapt2reward.data.splits import split_heldout

Items = list[tuple[Path, ClipRecord]]


@dataclass(frozen=True)
class RobotSplit:
    """Training success and failure clips of the robot tasks, and every robot record of those tasks."""

    tasks: list[str]
    success: Items
    failure: Items
    records: list[ClipRecord]


def load_robot_split(
    robot: Sequence[str],
    tasks: Sequence[str] = (),
    robot_variants: Sequence[str] = ("train",),
    heldout_fraction: float = 0.2,
    seed: int = 0,
) -> RobotSplit:
    """Robot clips of `tasks` (all tasks when empty) in `robot_variants`, outside the held-out share.

    The held-out share is chosen by clip id (`splits.is_heldout`), so every method trained with the same
    seed sees the same clips. Each task must have success clips.
    """
    dataset = ClipDataset(list(robot), domain="robot")
    tasks = list(tasks) or dataset.tasks()
    dataset.keep(task=tasks)
    train_idx, _ = split_heldout(dataset.records, heldout_fraction, seed)
    items = [dataset.items[i] for i in train_idx if dataset.records[i].variant in robot_variants]
    success = [it for it in items if it[1].success]
    for task in tasks:
        if not any(r.task == task for _, r in success):
            raise ValueError(f"robot task {task!r} has no success clips in {list(robot)}")
    return RobotSplit(tasks, success, [it for it in items if not it[1].success], dataset.records)


def load_human_items(human: Sequence[str], tasks: Sequence[str] = ()) -> Items:
    """Human-domain successes of the `human` folders, of `tasks` only when given (a human failure, an
    unfinished attempt, never counts as a demonstration of its task)."""
    dataset = ClipDataset(list(human), domain="human", task=list(tasks) or None, success=True)
    if not len(dataset):
        raise ValueError(f"no human-domain clips of tasks {list(tasks) or 'any'} found in {list(human)}")
    return dataset.items


def load_human_failures(human: Sequence[str], tasks: Sequence[str] = ()) -> Items:
    """Human-domain failures (unfinished attempts) of the `human` folders, of `tasks` only when given;
    empty when the folders hold none."""
    return ClipDataset(list(human), domain="human", task=list(tasks) or None, success=False).items
