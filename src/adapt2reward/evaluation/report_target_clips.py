"""The report's section on the target-task clips in both domains (`OUT/target-clips.json`, written by
`a2r eval target-clips`, `evaluation.target_clips`)."""

from __future__ import annotations

import json
from pathlib import Path

from adapt2reward.evaluation.report import (
    markdown_table,
    per_run_tables,
    seed_groups,
    seed_table,
    two_decimals,
)

TITLE = "Target-task clip AUC (both domains)"


def target_clips_section(path: Path) -> list[str]:
    """A table of every method (training runs of one method as mean ± sd, each run listed below): success
    AUC in the robot and the human look, averaged over the target tasks and per task."""
    data = json.loads(Path(path).read_text())
    tasks, domains = data["tasks"], data["domains"]
    columns = [f"{d} mean" for d in domains] + [f"{d} {t}" for d in domains for t in tasks]
    rows = {
        method: {f"{d} {t}": by_domain[d][t] for d in domains for t in [*tasks, "mean"]}
        for method, by_domain in data["auc"].items()
    }
    groups = seed_groups(list(rows))
    counts = data["clips"]
    per_domain = ", ".join(
        f"{d}: {sum(c['success'] for c in counts[d].values())} successes and "
        f"{sum(c['failure'] for c in counts[d].values())} failures"
        for d in domains
    )
    seeds = data.get("seeds") or ["?", "?"]
    return [
        f"## {TITLE}",
        "",
        f"Does each reward tell success from failure on clips of the {data.get('protocol', '')} target "
        f"tasks ({', '.join(tasks)}), in the robot look and in the human-like look? ROC AUC of the reward, "
        "success clips against failure clips of the same task, each clip scored against its task's "
        "canonical instruction: 1 separates them, 0.5 is chance, below 0.5 is inverted (failures score "
        f"higher). Clips ({per_domain}; up to {data.get('clips_per_group', '?')} per task, domain and "
        "outcome): the domain's own attempt (the scripted expert with noise, or its human-style take) for "
        "successes, near-success perturbations of it and random exploration for failures, labelled by "
        "MetaWorld's success flag at the last frame. They were recorded for evaluation only, with seeds "
        f"{seeds[0]}-{seeds[-1]}, which no training set, planning episode or other evaluation uses (checked "
        "against each method's training data). Training runs of one method: mean ± sd over the runs.",
        "",
        markdown_table(seed_table(rows, groups, columns), columns, fmt=two_decimals),
        *per_run_tables(rows, groups, columns, two_decimals),
        "",
    ]
