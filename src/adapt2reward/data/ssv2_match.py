"""Propose which SS-V2 classes stand for which robot tasks, by text similarity in the model's text tower.

The paper matched human tasks to robot tasks by hand. Here every robot task's phrasings and every SS-V2
template are encoded by the model's own text tower (`encode_text`), templates are ranked by their mean
cosine with the task's phrasings, and each task is proposed its best template not already taken by a
task that scored higher (and not far below its own best). The proposal is a task map the user checks
and edits (`--ssv2-task-map`): a text tower not trained on opposites (frozen MiniLM) rates "Opening"
and "Closing" nearly alike, so the top-k is shown to catch a wrong direction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from adapt2reward.data.ssv2 import read_ssv2_entries, template_to_task
from adapt2reward.json_config import read_json


@dataclass(frozen=True)
class Match:
    """A robot task's ranked templates (template, cosine), and the template proposed for it."""

    task: str
    phrasings: tuple[str, ...]
    ranked: tuple[tuple[str, float], ...]
    proposed: str | None = None


def read_templates(path: str | Path) -> list[str]:
    """The templates of a class file (template -> id) or of a split's labels file, in file order."""
    data = read_json(path, "SS-V2 labels file")
    if isinstance(data, dict):
        return list(data)
    return list(dict.fromkeys(entry["template"] for entry in read_ssv2_entries(path)))


def drop_pretending(templates: Sequence[str]) -> list[str]:
    """The templates without SS-V2's "Pretending to ..." classes: their videos show the action not done,
    so they cannot stand for a robot task's successes."""
    return [t for t in templates if not t.strip().lower().startswith("pretending")]


def template_text(template: str) -> str:
    """What the text tower reads for a template: `Closing [something]` -> `closing something`."""
    text = template_to_task(template)
    return text[:1].lower() + text[1:]


@torch.no_grad()
def rank_templates(
    model: torch.nn.Module, phrasings: dict[str, Sequence[str]], templates: Sequence[str], top: int = 5
) -> list[Match]:
    """Each task's `top` templates by mean cosine of its phrasings' text features with the template's."""
    was_training = model.training
    model.eval()
    features = torch.cat(
        [
            model.encode_text([template_text(t) for t in templates[i : i + 256]])
            for i in range(0, len(templates), 256)
        ]
    )
    matches = []
    for task, texts in phrasings.items():
        scores = (model.encode_text(list(texts)) @ features.T).mean(0)
        order = scores.argsort(descending=True)[:top].tolist()
        ranked = tuple((templates[i], float(scores[i])) for i in order)
        matches.append(Match(task, tuple(texts), ranked))
    model.train(was_training)
    return matches


def propose(matches: Sequence[Match], margin: float = 0.1) -> list[Match]:
    """Give each task its best template that no higher-scoring task took (a template names one task),
    but only one within `margin` of the task's best score: a far worse stand-in is left to the user."""
    best = {m.task: m.ranked[0][1] for m in matches if m.ranked}
    pairs = sorted(((score, m.task, template) for m in matches for template, score in m.ranked), reverse=True)
    taken: dict[str, str] = {}
    chosen: dict[str, str] = {}
    for score, task, template in pairs:
        if task not in chosen and template not in taken and score >= best[task] - margin:
            chosen[task], taken[template] = template, task
    return [Match(m.task, m.phrasings, m.ranked, chosen.get(m.task)) for m in matches]


def task_map(matches: Sequence[Match]) -> dict[str, str]:
    """The proposal as a task map (template -> task), the format `--ssv2-task-map` reads."""
    return {m.proposed: m.task for m in matches if m.proposed is not None}
