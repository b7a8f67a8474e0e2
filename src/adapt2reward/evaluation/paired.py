"""Paired comparison of two methods' planning success over the same episodes.

Every method plans the same episodes (task, variant, seed), so outcomes pair up. For a pair of methods
A and B over n shared episodes with outcomes a_i, b_i in {0, 1}:

    difference = mean(a_i - b_i)                        (success-rate points A minus B)
    ci95       = difference ± 1.96 * std(a_i - b_i, ddof=1) / sqrt(n)
    p_value    = two-sided exact sign test (McNemar) on the discordant pairs:
                 P(X <= min(w, l) or X >= max(w, l)), X ~ Binomial(w + l, 1/2),
                 with w = #(a_i > b_i) episodes only A solved and l = #(a_i < b_i) only B solved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from scipy.stats import binomtest


def _outcomes(
    episodes: Iterable[Mapping[str, Any]], method: str, outcome: str
) -> dict[tuple[str, str, int], bool]:
    return {(e["task"], e["variant"], e["seed"]): bool(e[outcome]) for e in episodes if e["method"] == method}


def paired_comparison(
    episodes: list[Mapping[str, Any]], a: str, b: str, outcome: str = "final_success"
) -> dict[str, Any]:
    """How method `a` compares with `b` on the episodes both ran (see the module docstring); `outcome`:
    the episode field judged, success at the last step (default) or at any step ("success")."""
    first, second = _outcomes(episodes, a, outcome), _outcomes(episodes, b, outcome)
    shared = sorted(set(first) & set(second))
    if not shared:
        raise ValueError(f"methods {a!r} and {b!r} share no episodes")
    d = np.array([int(first[k]) - int(second[k]) for k in shared], dtype=np.float64)
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
