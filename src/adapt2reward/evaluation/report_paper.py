"""The Adapt2Reward paper's published success rates, shown beside ours for orientation only.

The paper itself (Yang et al., ECCV 2024, arXiv 2407.14872) could not be read offline here. The values
below are the ones a third-party paper note quotes from it (an ECCV 2024 paper-notes collection, section
"Key Experimental Results"); they have not been checked against the paper's tables, and every other cell
is None. The note gives task-generalization averages for Adapt2Reward, DVD and LIV in both human-data
settings, and for environment generalization only that Adapt2Reward beats the others "by 28%+" on the
average of its 4 environments. The paper's environments, tasks and planner differ from this project's
simulated variants: the numbers orient; they do not compare like for like.
"""

from __future__ import annotations

SOURCE = (
    "Yang et al., Adapt2Reward, ECCV 2024 (arXiv 2407.14872), as quoted by a third-party paper note; "
    "not checked against the paper"
)
NOTES = {
    "env-generalization": "The note gives no per-method numbers here, only that Adapt2Reward's average over "
    "the paper's 4 environments is the best, by 28%+.",
    "task-generalization": "Averages over the paper's target tasks (its tasks, not ours).",
}

_METHODS = ("Adapt2Reward (paper)", "DVD (paper)", "LIV (paper)", "Concept2Robot (paper)")


def _table(columns: tuple[str, ...], **averages: float) -> dict[str, dict[str, float | None]]:
    """Rows of missing values, with `average` filled for the methods given (keyword: first word, lower)."""
    rows = {method: dict.fromkeys((*columns, "average")) for method in _METHODS}
    for method in _METHODS:
        key = method.split()[0].lower()
        if key in averages:
            rows[method]["average"] = averages[key]
    return rows


PAPER_TABLES: dict[str, dict[str, dict[str, dict[str, float | None]]]] = {
    "env-generalization": {"variants": _table(("train", "colors", "viewpoint", "distractors"))},
    "task-generalization": {
        "robot + 6 human tasks": _table((), adapt2reward=0.6933, dvd=0.3192, liv=0.3883),
        "robot + 9 human tasks": _table((), adapt2reward=0.6700, dvd=0.4008, liv=0.3900),
    },
}
