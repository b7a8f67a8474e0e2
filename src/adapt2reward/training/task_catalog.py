"""Task names -> instructions for the training loops: the simulator's registry, or the data itself."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from adapt2reward.data.records import ClipRecord


def canonical_instructions(tasks: Sequence[str], records: Sequence[ClipRecord]) -> dict[str, str]:
    """Each task's canonical instruction: the registry's first phrasing, else the data's most common."""
    from adapt2reward.envs.tasks import TASK_NAMES, get_task

    result = {}
    for task in tasks:
        if task in TASK_NAMES:
            result[task] = get_task(task).instructions[0]
        else:
            counts = Counter(r.instruction for r in records if r.task == task)
            if not counts:
                raise ValueError(f"task {task!r} has no clips to take an instruction from")
            result[task] = counts.most_common(1)[0][0]
    return result


def opposite_instructions(tasks: Sequence[str]) -> dict[str, str]:
    """Opposite task -> its canonical instruction, for the batch tasks that have one (hard negatives)."""
    from adapt2reward.envs.tasks import TASK_NAMES, get_task

    result = {}
    for task in tasks:
        opposite = get_task(task).opposite if task in TASK_NAMES else None
        if opposite in TASK_NAMES:
            result[opposite] = get_task(opposite).instructions[0]
    return result
