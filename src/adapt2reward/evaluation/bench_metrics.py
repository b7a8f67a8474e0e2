"""Pure metric functions of `a2r bench`: plain arrays in, numbers out (no models, no files).

Notation: s_i a clip's score, y_i in {0, 1} its success label, N clips.

- ROC AUC = P(s_success > s_failure) (ties count one half); `success_auc`.
- Threshold: t* = argmax_t F1(t) over the midpoints of the sorted calibration scores, where
  F1 = 2 TP / (2 TP + FP + FN) and a clip is called a success when s_i >= t.
- ECE = sum_b (n_b / N) |acc_b - conf_b| over equal-width bins b of the probability p_i, with acc_b the
  share of successes and conf_b the mean p_i in bin b.
- VOC (value-order correlation) = Spearman rho(r_t, t) of an episode's dense reward with time.
- Over-reward of a probe clip: 1 when its score is above the median score of its task's success clips.
- Paired bootstrap: resample the items (clips) with replacement B times, the same indices for both
  methods; the 95% CI of a difference is the 2.5th and 97.5th percentile of the B differences.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence

import numpy as np
from scipy.stats import spearmanr

from adapt2reward.evaluation.offline_metrics import success_auc

__all__ = [
    "calibration_mask",
    "choose_threshold",
    "confusion_matrices",
    "expected_calibration_error",
    "mean_sd",
    "opposite_preference",
    "over_reward",
    "paired_bootstrap",
    "rank_correlation",
    "reliability_bins",
    "success_auc",
    "threshold_scores",
    "top1_credit",
    "voc",
]


def calibration_mask(ids: Sequence[str], fraction: float = 0.3, seed: int = 0) -> np.ndarray:
    """True for the clips of the calibration split: crc32("calibration:SEED:ID") mod 10^4 < fraction 10^4.

    Fixed by the clip id alone, so every method and every rerun splits the same way.
    """
    return np.array(
        [(zlib.crc32(f"calibration:{seed}:{i}".encode()) % 10_000) < fraction * 10_000 for i in ids], bool
    )


def threshold_scores(scores: Sequence[float], labels: Sequence[bool], threshold: float) -> dict[str, float]:
    """F1, accuracy, precision and recall of calling `score >= threshold` a success."""
    s, y = np.asarray(scores, float), np.asarray(labels, bool)
    called = s >= threshold
    tp, fp, fn = int((called & y).sum()), int((called & ~y).sum()), int((~called & y).sum())
    return {
        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0,
        "accuracy": float(np.mean(called == y)) if len(y) else float("nan"),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
    }


def choose_threshold(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """The threshold t that maximises F1 of `score >= t` on these (calibration) clips.

    Candidates: the midpoints between consecutive distinct scores, and one below the lowest score;
    ties in F1 go to the higher accuracy, then to the lower threshold.
    """
    s = np.unique(np.asarray(scores, float))
    if s.size == 0:
        raise ValueError("no calibration clips to choose a threshold on")
    candidates = np.concatenate([[s[0] - 1.0], (s[1:] + s[:-1]) / 2]) if s.size > 1 else np.array([s[0]])
    best = max(
        candidates,
        key=lambda t: (
            threshold_scores(scores, labels, t)["f1"],
            threshold_scores(scores, labels, t)["accuracy"],
            -t,
        ),
    )
    return float(best)


def reliability_bins(
    probabilities: Sequence[float], labels: Sequence[bool], bins: int = 10
) -> list[dict[str, float]]:
    """Per equal-width bin of [0, 1] holding clips: its range, clip count, mean probability, success share."""
    p, y = np.asarray(probabilities, float), np.asarray(labels, bool)
    which = np.minimum((p * bins).astype(int), bins - 1)
    out = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            out.append(
                {
                    "low": b / bins,
                    "high": (b + 1) / bins,
                    "count": int(mask.sum()),
                    "confidence": float(p[mask].mean()),
                    "accuracy": float(y[mask].mean()),
                }
            )
    return out


def expected_calibration_error(
    probabilities: Sequence[float], labels: Sequence[bool], bins: int = 10
) -> float:
    """ECE = sum_b (n_b / N) |acc_b - conf_b| over `bins` equal-width probability bins."""
    n = len(probabilities)
    if n == 0:
        raise ValueError("no clips to measure calibration on")
    return float(
        sum(
            b["count"] / n * abs(b["accuracy"] - b["confidence"])
            for b in reliability_bins(probabilities, labels, bins)
        )
    )


def rank_correlation(values: Sequence[float], reference: Sequence[float]) -> float | None:
    """Spearman rho of `values` with `reference`; None when the reference is constant (nothing to
    follow), 0 when the values are constant (they carry no order)."""
    v, r = np.asarray(values, float), np.asarray(reference, float)
    if len(v) != len(r):
        raise ValueError(f"{len(v)} values for a reference of {len(r)}")
    if len(r) < 2 or np.ptp(r) == 0:
        return None
    if np.ptp(v) == 0:
        return 0.0
    return float(spearmanr(v, r).statistic)


def voc(dense_rewards: Sequence[float]) -> float | None:
    """Value-order correlation of one episode: Spearman rho of its dense reward with time (None if T < 2)."""
    return rank_correlation(dense_rewards, np.arange(len(dense_rewards)))


def mean_defined(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(np.mean(known)) if known else None


def top1_credit(scores: np.ndarray) -> np.ndarray:
    """(N, n): 1 on each clip's best-scoring instruction; instructions tied for best share the 1 (a
    reward that scores two instructions alike cannot tell them apart)."""
    scores = np.asarray(scores, float)
    if scores.size == 0:
        return np.zeros(scores.shape)
    best = scores == scores.max(axis=1, keepdims=True)
    return best / best.sum(axis=1, keepdims=True)


def confusion_matrices(
    scores: np.ndarray, true_task: Sequence[int], n_rows: int
) -> tuple[np.ndarray, np.ndarray]:
    """From rewards (N, n) of success clips against n instructions (the first `n_rows` are the clips'
    own tasks', any further ones e.g. their opposites'):

    mean[i, j]: mean reward of task i's clips for instruction j;
    top1[i, j]: share of task i's clips whose best-scoring instruction is j, ties split (rows sum to 1).
    Rows of tasks without clips are NaN.
    """
    scores, true_task = np.asarray(scores, float), np.asarray(true_task, int)
    n = scores.shape[1] if scores.ndim == 2 else n_rows
    mean = np.full((n_rows, n), np.nan)
    top1 = np.full((n_rows, n), np.nan)
    credit = top1_credit(scores) if len(scores) else np.zeros((0, n))
    for i in range(n_rows):
        rows = true_task == i
        if rows.any():
            mean[i] = scores[rows].mean(axis=0)
            top1[i] = credit[rows].mean(axis=0)
    return mean, top1


def opposite_preference(
    scores: np.ndarray, true_task: Sequence[int], opposite: Sequence[int | None]
) -> float | None:
    """Share of clips whose own instruction scores above their task's opposite's ("close" above "open").

    `opposite[i]` is the column of task i's opposite, None when it has none among the columns.
    """
    scores, true_task = np.asarray(scores, float), np.asarray(true_task, int)
    wins = [scores[k, t] > scores[k, opposite[t]] for k, t in enumerate(true_task) if opposite[t] is not None]
    return float(np.mean(wins)) if wins else None


def over_reward(probe_scores: Sequence[float], success_scores: Sequence[float]) -> np.ndarray:
    """Per probe clip, 1.0 when it scores above the median of its task's success clips, else 0.0."""
    if len(success_scores) == 0:
        raise ValueError("no success clips of this task to compare the probes with")
    return (np.asarray(probe_scores, float) > np.median(np.asarray(success_scores, float))).astype(float)


def mean_sd(values: Sequence[float | None]) -> tuple[float, float] | None:
    """Mean and standard deviation (ddof 0, as the report's seed tables) of the defined values."""
    known = [v for v in values if v is not None]
    return (float(np.mean(known)), float(np.std(known))) if known else None


def paired_bootstrap(
    stat_a: Callable[[np.ndarray], float | None],
    stat_b: Callable[[np.ndarray], float | None],
    n_items: int,
    resamples: int = 1000,
    seed: int = 0,
) -> dict[str, float | int] | None:
    """Difference stat_a - stat_b on all items and its 95% paired-bootstrap CI.

    `stat_x(index)` computes a method's metric on the items at `index` (with repeats); both see the
    same resampled indices. Resamples where either statistic is undefined are dropped (their count is
    returned). None when the difference itself is undefined.
    """
    everything = np.arange(n_items)
    a, b = stat_a(everything), stat_b(everything)
    if a is None or b is None or n_items == 0:
        return None
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(resamples):
        index = rng.integers(0, n_items, n_items)
        x, y = stat_a(index), stat_b(index)
        if x is not None and y is not None:
            diffs.append(x - y)
    if not diffs:
        return None
    low, high = np.percentile(diffs, [2.5, 97.5])
    return {
        "difference": float(a - b),
        "ci95_low": float(low),
        "ci95_high": float(high),
        "resamples": len(diffs),
    }
