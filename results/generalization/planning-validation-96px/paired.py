"""Lever 16 (96 px) against the same configurations at 64 px, paired over the same validation episodes.

A planner of another frame size is another run, so the 96-px and 64-px episodes lie in different folders;
the oracle, which reads no frames, must have planned the shared episodes alike in both (checked). Lever 12
at 64 px (seeds 0, 3, 6) is read from ../planning-validation-adversarial, lever 1 + lever 7 at 64 px (seeds
0, 1, 2) from ../planning-validation-env, the human-look eyes of lever 9 at 64 px (seeds 0, 1, 2) from
../planning-validation-human-eyes; and lever 1 + lever 7 against DVD given the same 96-px clips, both in env/.
Writes paired.json and paired.png (success at the episode's end per task or
look on the episodes both sizes planned, 64 px beside 96 px, mean over seeds) here.
Run from the repository root: python results/generalization/planning-validation-96px/paired.py
"""

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from adapt2reward.evaluation.paired import paired_across_runs, paired_comparison

HERE = Path(__file__).parent
TASK, ENV = "task-generalization.episodes.jsonl", "env/env-generalization.episodes.jsonl"
LEVER12 = "planner-space data + change + human failures + both readings{} (robot+6 human)"
LEVER7 = "+ planner-space data + change inputs{} (robot+6 human)"
DVD = "dvd + planner-space robot data, 96 px (robot+6 human)"
EYES = "planner-space data + change + human failures{}, human-look eyes (robot+6 human)"
# (name, 96-px episodes, 64-px episodes, method name with "{}" where the 96-px run's name says ", 96 px")
COMPARISONS = [
    ("lever 12, new tasks", TASK, "planning-validation-adversarial/" + TASK, LEVER12),
    ("lever 12, four looks", ENV, "planning-validation-adversarial/" + ENV, "+ " + LEVER12),
    (
        "lever 9, human-look eyes (diagnostic), new tasks",
        "human-eyes/" + TASK,
        "planning-validation-human-eyes/" + TASK,
        EYES,
    ),
    ("lever 1 + lever 7, four looks", ENV, "planning-validation-env/" + ENV[4:], LEVER7),
]


def runs(name: str) -> list[str]:
    return [name, f"{name} [seed 1]", f"{name} [seed 2]"]


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def plot(panels: list[tuple[str, str, list[dict], list[dict]]]) -> None:
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6), squeeze=False)
    for ax, (name, column, old, new) in zip(axes[0], panels, strict=True):
        groups = sorted({r[column] for r in new})
        x = np.arange(len(groups) + 1)
        for shift, (label, episodes) in zip((-0.2, 0.2), (("64 px", old), ("96 px", new)), strict=True):
            rates = [np.mean([r["final_success"] for r in episodes if r[column] == g]) for g in groups]
            rates.append(np.mean(rates))
            ax.bar(x + shift, 100 * np.array(rates), 0.4, label=label)
        ax.set_xticks(x, [*groups, "average"], rotation=25, ha="right")
        ax.set_ylim(0, 100)
        ax.set_title(name, fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel("success at the episode's end (%)")
    axes[0][0].legend()
    fig.tight_layout()
    fig.savefig(HERE / "paired.png", dpi=110)


def main() -> None:
    out, panels = {}, []
    for name, new_file, old_file, template in COMPARISONS:
        new_method, old_method = template.format(", 96 px"), template.format("")
        new, old = read(HERE / new_file), read(HERE.parent / old_file)
        if not any(r["method"] == new_method for r in new):
            continue  # not planned yet
        a, b = runs(new_method), runs(old_method)
        mine, theirs = [r for r in new if r["method"] in a], [r for r in old if r["method"] in b]
        column = "task" if new_file.endswith(TASK) else "variant"
        both = {(r["task"], r["variant"], r["seed"]) for r in theirs}
        panels.append(
            (name, column, theirs, [r for r in mine if (r["task"], r["variant"], r["seed"]) in both])
        )
        out[name] = {
            "96 px against 64 px": paired_across_runs(new, old, a, b),
            "at any step": paired_across_runs(new, old, a, b, outcome="success"),
        }
    env = read(HERE / ENV)  # the same-data baseline at 96 px, planned in the same run
    a, b = runs(LEVER7.format(", 96 px")), runs(DVD)
    out["lever 1 + lever 7 against DVD, both 96 px, four looks"] = {
        "96 px, same data": paired_comparison(env, a, b),
        "at any step": paired_comparison(env, a, b, outcome="success"),
    }
    (HERE / "paired.json").write_text(json.dumps(out, indent=2) + "\n")
    plot(panels)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
