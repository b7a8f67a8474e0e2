"""Heatmap of `transfer_diagnostics.py` results: direction AUC per model, target task, domain and negative.

    python benchmarks/transfer_figure.py results/generalization/transfer*.json \\
        --out results/generalization/transfer.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    auc: dict[str, dict[str, float]] = {}
    for path in args.results:
        auc |= json.loads(path.read_text())["auc"]
    columns = list(next(iter(auc.values())))
    grid = np.array([[auc[m].get(c, np.nan) for c in columns] for m in auc])
    fig, ax = plt.subplots(figsize=(1.5 + 0.8 * len(columns), 1.2 + 0.36 * len(auc)))
    ax.imshow(grid, cmap="RdBu", vmin=0, vmax=1, aspect="auto")
    for (i, j), value in np.ndenumerate(grid):
        ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7)
    ax.set_xticks(range(len(columns)), [c.replace("/", "\n") for c in columns], fontsize=7)
    ax.set_yticks(range(len(auc)), list(auc), fontsize=8)
    ax.set_title(
        "target-task clips vs opposite-task / rewound clips, scored with the target instruction (ROC AUC)"
    )
    ax.title.set_fontsize(9)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=120)


if __name__ == "__main__":
    main()
