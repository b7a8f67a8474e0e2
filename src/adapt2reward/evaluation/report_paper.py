"""The Adapt2Reward paper's published success rates, shown beside ours for orientation only.

PLACEHOLDER: the paper's tables (Yang et al., ECCV 2024, arXiv 2407.14872) could not be read offline
when this module was written, so every value is None and the report marks the table as a placeholder.
Fill `PAPER_TABLES[protocol][sweep][method][column]` (success rate in 0-1) from the paper's tables and
set `TRANSCRIBED = True`. The paper's environments and tasks differ from this project's simulated
variants, so the numbers orient; they do not compare like for like.
"""

from __future__ import annotations

SOURCE = "Yang et al., Adapt2Reward, ECCV 2024 (arXiv 2407.14872)"
TRANSCRIBED = False

_METHODS = ("Adapt2Reward (paper)", "DVD (paper)", "Random (paper)")


def _blank(columns: tuple[str, ...]) -> dict[str, dict[str, float | None]]:
    return {method: dict.fromkeys((*columns, "average")) for method in _METHODS}


PAPER_TABLES: dict[str, dict[str, dict[str, dict[str, float | None]]]] = {
    "env-generalization": {"variants": _blank(("train", "colors", "viewpoint", "distractors"))},
    "task-generalization": {
        "robot + 6 human tasks": _blank(()),
        "robot + 9 human tasks": _blank(()),
    },
    "robustness": {"viewpoint": _blank(())},
}
