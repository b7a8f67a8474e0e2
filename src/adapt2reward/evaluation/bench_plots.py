"""PNG plots of `a2r bench`: confusion heat maps, reliability diagram, over-reward bars."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from adapt2reward.evaluation.report_plots import _grid, _save, plot_percent_bars, plt


def plot_confusions(
    matrices: Mapping[str, tuple[np.ndarray, list[str], list[str], list[list[int]]]], path: str | Path
) -> Path:
    """One heat map per method: matrices[method] = (top-1 shares (rows, columns), row tasks, column tasks,
    (row, column) cells of opposites)."""
    shape = next(iter(matrices.values()))[0].shape if matrices else (1, 1)
    fig, axes = _grid(len(matrices), width=2.2 + 0.6 * shape[1], height=1.8 + 0.55 * shape[0])
    for ax, (method, (matrix, tasks, columns, opposites)) in zip(axes, matrices.items(), strict=False):
        image = ax.imshow(np.nan_to_num(matrix, nan=0.0), vmin=0, vmax=1, cmap="viridis")
        for i in range(len(tasks)):
            for j in range(len(columns)):
                if not np.isnan(matrix[i, j]):
                    color = "black" if matrix[i, j] > 0.6 else "white"
                    ax.text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", fontsize=7, color=color)
        for i, j in opposites:
            ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=2))
        ax.set_xticks(range(len(columns)), columns, rotation=40, ha="right", fontsize=7)
        ax.set_yticks(range(len(tasks)), tasks, fontsize=7)
        ax.set_xlabel("instruction", fontsize=8)
        ax.set_ylabel("success clips of", fontsize=8)
        ax.set_title(method, fontsize=9)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    fig.suptitle("top-1 instruction per task (rows sum to 1; red: opposite task)", fontsize=10)
    return _save(fig, Path(path))


def plot_reliability(bins: Mapping[str, list[dict[str, float]]], path: str | Path) -> Path:
    """Reliability diagram: per method, the success share against the mean probability of each bin."""
    fig, ax = plt.subplots(figsize=(4.6, 4.2))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect")
    for method, rows in bins.items():
        conf = [b["confidence"] for b in rows]
        acc = [b["accuracy"] for b in rows]
        size = [10 + 60 * b["count"] / max(sum(r["count"] for r in rows), 1) for b in rows]
        (line,) = ax.plot(conf, acc, marker="", linewidth=1.2, label=method)
        ax.scatter(conf, acc, s=size, color=line.get_color())
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean success probability in bin")
    ax.set_ylabel("share of successes in bin")
    ax.set_title("calibration of success_probability")
    ax.legend(fontsize=7, loc="upper left")
    return _save(fig, Path(path))


def plot_probe_bars(shares: Mapping[str, Mapping[str, float | None]], path: str | Path) -> Path:
    """Grouped bars: share of probe clips above the median success clip, per probe kind and method."""
    title, ylabel = "over-reward probes (lower is better)", "probe clips above median success (%)"
    return plot_percent_bars(shares, title, ylabel, path, reference=50)
