"""Stage-2 batches: B_h human clips, B_r robot successes and B_f robot failures, tasks balanced (and,
when asked, B_hf human failures)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from adapt2reward.data.records import ClipRecord


@dataclass(frozen=True)
class BatchIndices:
    """Indices into the human, robot-success, robot-failure and human-failure clip lists of one batch."""

    human: np.ndarray
    robot_success: np.ndarray
    robot_failure: np.ndarray
    human_failure: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))


def group_by_task(records: Sequence[ClipRecord]) -> dict[str, np.ndarray]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        groups[record.task].append(i)
    return {task: np.asarray(idx) for task, idx in sorted(groups.items())}


def balanced_draw(groups: dict[str, np.ndarray], n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw `n` indices spread evenly over the groups (tasks), at random within each group.

    The tasks take turns in a random order, so each gets `n // len(groups)` or one more clip.
    """
    if n == 0 or not groups:
        return np.zeros(0, dtype=int)
    tasks = list(groups)
    order = rng.permutation(len(tasks))
    per_task = np.full(len(tasks), n // len(tasks))
    per_task[order[: n % len(tasks)]] += 1
    picks = [
        rng.choice(groups[t], size=k, replace=k > len(groups[t]))
        for t, k in zip(tasks, per_task, strict=True)
        if k
    ]
    return np.concatenate(picks)


class StageTwoSampler:
    """Draws stage-2 batches; robot tasks are shared by the success and failure draws.

    Human clips are drawn with the robot tasks first (so that CDC has cross-domain positives) and the
    rest of the human batch spread over the other human tasks. Human failures (`batch_human_failure` of
    them, none by default) are drawn last, tasks balanced, so a run without them draws what it always did.
    """

    def __init__(
        self,
        human: Sequence[ClipRecord],
        robot_success: Sequence[ClipRecord],
        robot_failure: Sequence[ClipRecord],
        batch_human: int = 8,
        batch_success: int = 8,
        batch_failure: int = 8,
        seed: int = 0,
        human_failure: Sequence[ClipRecord] = (),
        batch_human_failure: int = 0,
    ) -> None:
        if batch_success and not robot_success:
            raise ValueError("stage 2 needs robot success clips: none were found in the robot data")
        if batch_failure and not robot_failure:
            raise ValueError("batch_failure > 0 but the robot data holds no failure clips (set it to 0)")
        if batch_human and not human:
            raise ValueError("batch_human > 0 but no human clips were found")
        if batch_human_failure and not human_failure:
            raise ValueError("batch_human_failure > 0 but the human data holds no failure clips")
        self.human = group_by_task(human)
        self.success = group_by_task(robot_success)
        self.failure = group_by_task(robot_failure)
        self.human_failure = group_by_task(human_failure)
        self.batch_human_failure = batch_human_failure
        self.sizes = (batch_human, batch_success, batch_failure)
        # Human tasks that the robot also does, and the rest; half the human batch comes from the shared
        # tasks when both kinds exist, all of it when one kind is missing.
        self.human_shared = {t: idx for t, idx in self.human.items() if t in self.success}
        self.human_other = {
            t: idx for t, idx in self.human.items() if t not in self.success
        } or self.human_shared
        both = self.human_shared and len(self.human_shared) < len(self.human)
        self.n_shared = (batch_human // 2 if both else batch_human) if self.human_shared else 0
        self.rng = np.random.default_rng(seed)

    def sample(self) -> BatchIndices:
        b_h, b_r, b_f = self.sizes
        human = np.concatenate(
            [
                balanced_draw(self.human_shared, self.n_shared, self.rng),
                balanced_draw(self.human_other, b_h - self.n_shared, self.rng),
            ]
        ).astype(int)
        return BatchIndices(
            human=human,
            robot_success=balanced_draw(self.success, b_r, self.rng),
            robot_failure=balanced_draw(self.failure, b_f, self.rng),
            human_failure=balanced_draw(self.human_failure, self.batch_human_failure, self.rng),
        )

    def state(self) -> dict:
        return self.rng.bit_generator.state

    def load_state(self, state: dict) -> None:
        self.rng.bit_generator.state = state
