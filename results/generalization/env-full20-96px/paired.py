"""Lever 16 (96 px) on the reported environment-generalization episodes, paired with the 64-px runs.

A planner of another frame size is another run: the 96-px episodes are here, the 64-px ones of the same
episode seeds (preset full-20) in ../env-full20. Compared, each over the episodes both planned, three
training seeds a method: lever 1 + lever 7 and DVD given the same data, each at 96 against 64 px; at 96 px
lever 1 + lever 7 against DVD (same run: the issue's same-data comparison) and against the paper's method
at 64 px. Writes paired.json (rates with their sd over seeds, and each comparison) and paired.png (success
at the episode's end per look). Run from the repository root:
python results/generalization/env-full20-96px/paired.py
"""

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from adapt2reward.evaluation.paired import paired_across_runs, paired_comparison
from adapt2reward.evaluation.report import load_episodes, seed_groups

HERE = Path(__file__).parent
PROTOCOL = "env-generalization"
LOOKS = ["train", "colors", "viewpoint", "distractors"]
LEVER7, DVD = "+ planner-space data + change inputs", "dvd + planner-space robot data"
SHARP = ", 96 px"
PAPER = "adapt2reward"


def rate(episodes: list[dict], runs: list[str], look: str | None = None) -> tuple[float, float]:
    """Mean and sd over training runs of success at the episode's end (in one look, or all)."""
    per_run = [
        np.mean([e["final_success"] for e in episodes if e["method"] == r and look in (None, e["variant"])])
        for r in runs
    ]
    return float(np.mean(per_run)), float(np.std(per_run, ddof=1)) if len(per_run) > 1 else 0.0


def plot(rates: dict[str, dict[str, tuple[float, float]]]) -> None:
    fig, ax = plt.subplots(figsize=(8.5, 3.8))
    x = np.arange(len(LOOKS) + 1)
    width = 0.8 / len(rates)
    for i, (label, by_look) in enumerate(rates.items()):
        means, sds = (100 * np.array(v) for v in zip(*by_look.values(), strict=True))
        ax.bar(x + (i - (len(rates) - 1) / 2) * width, means, width, yerr=sds, capsize=2, label=label)
    ax.set_xticks(x, [*LOOKS, "average"])
    ax.set_ylim(0, 100)
    ax.set_ylabel("success at the episode's end (%)")
    ax.set_title("new looks, reported episodes (seeds 0-19), 3 training seeds a method", fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, ncol=3)
    fig.tight_layout()
    fig.savefig(HERE / "paired.png", dpi=110)


def main() -> None:
    new, old = load_episodes(HERE, PROTOCOL), load_episodes(HERE.parent / "env-full20", PROTOCOL)
    groups = seed_groups(sorted({e["method"] for e in [*old, *new]}))
    sharp, sharp_dvd = groups[LEVER7 + SHARP], groups[DVD + SHARP]
    comparisons = {  # (96-px method of this run, method of the 64-px run)
        "lever 1 + lever 7, 96 against 64 px": (sharp, groups[LEVER7]),
        "DVD with the same data, 96 against 64 px": (sharp_dvd, groups[DVD]),
        "lever 1 + lever 7 at 96 px against the paper's method at 64 px": (sharp, groups[PAPER]),
    }
    rows = {
        f"{LEVER7} (64 px)": (old, groups[LEVER7]),
        f"{LEVER7}{SHARP}": (new, sharp),
        f"{DVD} (64 px)": (old, groups[DVD]),
        f"{DVD}{SHARP}": (new, sharp_dvd),
        "oracle (96 px run)": (new, ["oracle"]),
    }
    rates = {
        label: {look or "average": rate(episodes, runs, look) for look in [*LOOKS, None]}
        for label, (episodes, runs) in rows.items()
    }
    out: dict = {"success at the episode's end (mean, sd over seeds)": rates}
    for name, (a, b) in comparisons.items():
        out[name] = {
            "end of episode": paired_across_runs(new, old, a, b),
            "at any step": paired_across_runs(new, old, a, b, outcome="success"),
        }
    ours, theirs = rates[LEVER7 + SHARP]["average"][0], rates[DVD + SHARP]["average"][0]
    out["lever 1 + lever 7 against DVD, both 96 px (same run)"] = {
        "end of episode": paired_comparison(new, sharp, sharp_dvd),
        "at any step": paired_comparison(new, sharp, sharp_dvd, outcome="success"),
        "ratio of end-of-episode rates": ours / theirs if theirs else None,
    }
    (HERE / "paired.json").write_text(json.dumps(out, indent=2) + "\n")
    plot({k: v for k, v in rates.items() if not k.startswith("oracle")})
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
