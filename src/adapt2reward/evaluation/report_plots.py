"""The report's PNG plots, drawn from plain arrays so any results can be plotted."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

SUCCESS_COLOR, FAILURE_COLOR = "tab:green", "tab:red"


def _grid(n: int, width: float = 3.6, height: float = 2.8) -> tuple[plt.Figure, np.ndarray]:
    cols = min(n, 3)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    return fig, axes.ravel()


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_percent_bars(
    shares: Mapping[str, Mapping[str, float | tuple[float, float] | None]],
    title: str,
    ylabel: str,
    path: str | Path,
    reference: float | None = None,
) -> Path:
    """Grouped bars of shares (shares[method][column], 0-1) in %, one bar per method; a (mean, sd) share
    (training seeds) gets an error bar of one sd; a missing share is drawn as 0; `reference` (in %) draws
    a dashed line."""
    methods = list(shares)
    columns = list(dict.fromkeys(c for m in methods for c in shares[m]))
    x = np.arange(len(columns))
    width = 0.8 / max(len(methods), 1)
    # the legend goes below the bars: method names are long, and beside the axes they squeeze them
    fig, ax = plt.subplots(figsize=(max(7.0, 1.3 * len(columns) + 3), 3.8 + 0.2 * len(methods)))
    # tab10 repeats its colours after 10 methods: two methods would look the same
    colors = plt.get_cmap("tab10" if len(methods) <= 10 else "tab20").colors
    for i, method in enumerate(methods):
        cells = [shares[method].get(c) for c in columns]
        heights = [100 * ((v[0] if isinstance(v, tuple) else v) or 0.0) for v in cells]
        spread = [100 * v[1] if isinstance(v, tuple) else 0.0 for v in cells]
        offset = (i - (len(methods) - 1) / 2) * width
        ax.bar(x + offset, heights, width, label=method, color=colors[i % len(colors)])
        if any(spread):
            ax.errorbar(x + offset, heights, yerr=spread, fmt="none", ecolor="black", elinewidth=1, capsize=2)
    if reference is not None:
        ax.axhline(reference, color="grey", linestyle="--", linewidth=1)
    tilt = len(columns) > 4
    ax.set_xticks(x, columns, rotation=20 if tilt else 0, ha="right" if tilt else "center")
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 105)
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0.0, -0.2 if tilt else -0.1), frameon=False)
    return _save(fig, Path(path))


def plot_success_bars(
    rates: Mapping[str, Mapping[str, float | tuple[float, float] | None]], title: str, path: str | Path
) -> Path:
    """Grouped bars: success rate (rates[method][column], 0-1, or (mean, sd) over seeds) per column, one
    bar per method."""
    return plot_percent_bars(rates, title, "success rate (%)", path)


def plot_score_histograms(
    scores: Mapping[str, tuple[np.ndarray, np.ndarray]], title: str, path: str | Path, bins: int = 30
) -> Path:
    """Per method, histograms of clip scores split by label: scores[method] = (scores (N,), success (N,))."""
    fig, axes = _grid(len(scores))
    for ax, (method, (values, labels)) in zip(axes, scores.items(), strict=False):
        values, labels = np.asarray(values, dtype=float), np.asarray(labels, dtype=bool)
        edges = np.histogram_bin_edges(values, bins=bins) if values.size else bins
        for mask, name, color in ((labels, "success", SUCCESS_COLOR), (~labels, "failure", FAILURE_COLOR)):
            if mask.any():
                ax.hist(
                    values[mask],
                    bins=edges,
                    alpha=0.55,
                    color=color,
                    label=f"{name} (n={mask.sum()})",
                    density=True,
                )
        ax.set_title(method, fontsize=10)
        ax.set_xlabel("reward")
        ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=11)
    return _save(fig, Path(path))


def plot_reward_curves(
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]], title: str, path: str | Path
) -> Path:
    """Per method, mean +- std reward over the episode for success and failure episodes.

    curves[method] = (rewards (E, T) at the T kept frames of E episodes, success (E,)).
    """
    fig, axes = _grid(len(curves))
    for ax, (method, (values, labels)) in zip(axes, curves.items(), strict=False):
        values, labels = np.asarray(values, dtype=float), np.asarray(labels, dtype=bool)
        for mask, name, color in ((labels, "success", SUCCESS_COLOR), (~labels, "failure", FAILURE_COLOR)):
            if not mask.any():
                continue
            mean, std = values[mask].mean(axis=0), values[mask].std(axis=0)
            t = np.arange(values.shape[1])
            ax.plot(t, mean, color=color, label=f"{name} (n={mask.sum()})")
            ax.fill_between(t, mean - std, mean + std, color=color, alpha=0.2)
        ax.set_title(method, fontsize=10)
        ax.set_xlabel("kept frame")
        ax.set_ylabel("reward of prefix")
        ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=11)
    return _save(fig, Path(path))
