"""Instructions for training: each task's canonical text, and the text columns of a contrastive batch."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from adapt2reward.data.records import ClipRecord
from adapt2reward.tasks import EXTENDED_TASKS


def canonical_instructions(tasks: Sequence[str], records: Sequence[ClipRecord]) -> dict[str, str]:
    """Each task's canonical instruction: the registry's first phrasing, else the data's most common."""
    result = {}
    for task in tasks:
        if task in EXTENDED_TASKS:
            result[task] = EXTENDED_TASKS[task].instruction
        else:
            counts = Counter(r.instruction for r in records if r.task == task)
            if not counts:
                raise ValueError(f"task {task!r} has no clips to take an instruction from")
            result[task] = counts.most_common(1)[0][0]
    return result


def task_text_columns(
    records: Sequence[ClipRecord], rng: np.random.Generator, extra_tasks: dict[str, str] | None = None
) -> tuple[list[str], list[str], np.ndarray]:
    """(tasks, texts, labels): each task of the batch gets one of its clips' instructions, chosen at random.

    Paraphrases of one task must not be negatives of each other, so the batch holds one text per task
    and every clip is labelled with its task's column. `extra_tasks` (task -> instruction) adds columns
    no clip points to: hard negatives such as the opposite task.
    """
    tasks = sorted({r.task for r in records})
    texts = []
    for task in tasks:
        options = sorted({r.instruction for r in records if r.task == task})
        texts.append(options[rng.integers(len(options))])
    for task, text in (extra_tasks or {}).items():
        if task not in tasks:
            tasks.append(task)
            texts.append(text)
    column = {task: i for i, task in enumerate(tasks)}
    return tasks, texts, np.asarray([column[r.task] for r in records], dtype=np.int64)
