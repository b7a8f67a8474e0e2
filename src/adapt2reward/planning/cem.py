"""The cross-entropy method over normalised plan vectors in [0, 1]^dim."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CEMConfig:
    """Cross-entropy search settings.

    samples: candidates scored per iteration (all in one batched reward call).
    elites: best candidates the next iteration's Gaussian is fitted to.
    iterations: sampling rounds.
    init_std: first-round standard deviation in normalised units (0.5 is the mean); later rounds refit it.
    min_std: floor on the refitted standard deviation, so the search never collapses to one plan.
    """

    samples: int = 32
    elites: int = 6
    iterations: int = 3
    init_std: float = 0.35
    min_std: float = 0.05

    def __post_init__(self) -> None:
        if self.samples < 2:
            raise ValueError(f"samples must be >= 2, got {self.samples}")
        if not 1 <= self.elites <= self.samples:
            raise ValueError(f"elites must lie in [1, samples={self.samples}], got {self.elites}")
        if self.iterations < 1:
            raise ValueError(f"iterations must be >= 1, got {self.iterations}")
        if not 0 < self.min_std <= self.init_std:
            raise ValueError(f"need 0 < min_std <= init_std, got {self.min_std} and {self.init_std}")


@dataclass(frozen=True)
class CEMResult:
    """The best candidate seen in any iteration, its score, and the last iteration's scores."""

    best: np.ndarray
    best_score: float
    last_scores: np.ndarray
    iteration_best: tuple[float, ...]


def cem(
    score: Callable[[np.ndarray], np.ndarray],
    dim: int,
    config: CEMConfig,
    rng: np.random.Generator,
    mean: np.ndarray | None = None,
) -> CEMResult:
    """Maximise `score` (a batch (N, dim) -> (N,)) from a Gaussian at `mean` (default: the box centre).

    From the second iteration on, the best candidate so far is re-entered in place of one sample, so the
    elites can only improve.
    """
    mean = np.full(dim, 0.5) if mean is None else np.asarray(mean, dtype=np.float64)
    std = np.full(dim, config.init_std)
    best, best_score = mean, -np.inf
    iteration_best: list[float] = []
    scores = np.zeros(0)
    for it in range(config.iterations):
        samples = np.clip(mean + std * rng.standard_normal((config.samples, dim)), 0.0, 1.0)
        if it > 0:
            samples[0] = best
        scores = np.asarray(score(samples), dtype=np.float64)
        order = np.argsort(-scores, kind="stable")
        if scores[order[0]] > best_score:
            best, best_score = samples[order[0]].copy(), float(scores[order[0]])
        elites = samples[order[: config.elites]]
        mean = elites.mean(axis=0)
        std = np.maximum(elites.std(axis=0), config.min_std)
        iteration_best.append(float(scores[order[0]]))
    return CEMResult(best, best_score, scores, tuple(iteration_best))
