"""Paired comparison of two methods' planning success over the same episodes.

Every method plans the same episodes (task, variant, seed), so outcomes pair up. A method may be several
training runs (its seeds); its outcome on an episode is then the share of its runs that solved it, so the
episodes, not the runs, are the independent units. For methods A and B over the n episodes every run of
both planned, with outcomes a_i, b_i in [0, 1] (0 or 1 for a single run):

    difference = mean(a_i - b_i)                        (success-rate points A minus B)
    ci95       = difference ± 1.96 * std(a_i - b_i, ddof=1) / sqrt(n)
    p_value    = two-sided exact sign test on the episodes where they differ:
                 P(X <= min(w, l) or X >= max(w, l)), X ~ Binomial(w + l, 1/2),
                 with w = #(a_i > b_i) episodes A did better on and l = #(a_i < b_i) B did
                 (for single runs: McNemar's exact test, w and l the episodes only A / only B solved).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy.stats import binomtest


def _outcomes(
    episodes: Iterable[Mapping[str, Any]], runs: Sequence[str], outcome: str
) -> dict[tuple[str, str, int], float]:
    """Each episode every run planned -> the share of the runs that solved it."""
    per_run = [
        {(e["task"], e["variant"], e["seed"]): bool(e[outcome]) for e in episodes if e["method"] == run}
        for run in runs
    ]
    shared = set.intersection(*(set(p) for p in per_run))
    return {k: float(np.mean([p[k] for p in per_run])) for k in shared}


def paired_comparison(
    episodes: list[Mapping[str, Any]],
    a: str | Sequence[str],
    b: str | Sequence[str],
    outcome: str = "final_success",
) -> dict[str, Any]:
    """How method `a` compares with `b` on the episodes both ran (see the module docstring). A method is a
    name or the names of its training runs; `outcome`: the episode field judged, success at the last
    step (default) or at any step ("success")."""
    a, b = ([a] if isinstance(a, str) else list(a)), ([b] if isinstance(b, str) else list(b))
    first, second = _outcomes(episodes, a, outcome), _outcomes(episodes, b, outcome)
    shared = sorted(set(first) & set(second))
    if not shared:
        raise ValueError(f"methods {a!r} and {b!r} share no episodes")
    d = np.array([first[k] - second[k] for k in shared], dtype=np.float64)
    wins, losses = int((d > 0).sum()), int((d < 0).sum())
    half = 1.96 * d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
    return {
        "episodes": len(shared),
        "wins": wins,
        "losses": losses,
        "difference": float(d.mean()),
        "ci95": (float(d.mean() - half), float(d.mean() + half)),
        "p_value": float(binomtest(wins, wins + losses).pvalue) if wins + losses else 1.0,
    }


def paired_across_runs(
    new: Sequence[Mapping[str, Any]],
    old: Sequence[Mapping[str, Any]],
    a: str | Sequence[str],
    b: str | Sequence[str],
    outcome: str = "final_success",
) -> dict[str, Any]:
    """`paired_comparison` of method `a`, planned in one run (its `new` episodes), with `b`, planned in
    another run of the same protocol and episode seeds: planners of two frame sizes, for example, cannot
    share a run. The oracle plans in both runs and reads no frames, so it should solve each shared episode
    alike; `oracle_same_outcome` says on how many of them it did (fewer: the episodes differ)."""
    a, b = ([a] if isinstance(a, str) else list(a)), ([b] if isinstance(b, str) else list(b))
    clash = sorted({*a} & {e["method"] for e in old} | {*b} & {e["method"] for e in new})
    if clash:
        raise ValueError(f"{clash} planned in both runs: name the two runs' methods apart")
    oracle_new, oracle_old = _outcomes(new, ["oracle"], outcome), _outcomes(old, ["oracle"], outcome)
    shared = oracle_new.keys() & oracle_old.keys()
    same = sum(oracle_new[k] == oracle_old[k] for k in shared)
    return {
        "oracle_same_outcome": f"{same} of {len(shared)}",
        **paired_comparison([*new, *old], a, b, outcome),
    }
