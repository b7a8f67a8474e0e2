"""Offline metrics of a reward on held-out clips: cheap enough to run after every training run.

- success ROC AUC: does the reward rank success clips above failure clips of the same task?
- instruction retrieval accuracy: is a clip's own task the best-scoring of all task instructions?
- dense-reward rank correlation: does the reward of growing prefixes follow the simulator's progress?
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score


def success_auc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """ROC AUC of scores for success (1) vs failure (0); None when one class is absent."""
    labels = np.asarray(labels, dtype=bool)
    if labels.all() or not labels.any():
        return None
    return float(roc_auc_score(labels, np.asarray(scores, dtype=float)))


def grouped_success_auc(
    scores: Sequence[float], labels: Sequence[bool], groups: Sequence[str]
) -> dict[str, float | None]:
    """Success AUC within each group (a task or a variant) and `mean` of the defined ones."""
    by_group: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        by_group[g].append(i)
    scores, labels = np.asarray(scores), np.asarray(labels)
    result = {g: success_auc(scores[idx], labels[idx]) for g, idx in sorted(by_group.items())}
    defined = [v for v in result.values() if v is not None]
    result["mean"] = float(np.mean(defined)) if defined else None
    return result


def retrieval_accuracy(score_matrix: np.ndarray, true_index: Sequence[int]) -> float:
    """Share of clips (rows) whose highest-scoring instruction (column) is their own task's."""
    score_matrix = np.asarray(score_matrix)
    return float(np.mean(score_matrix.argmax(axis=1) == np.asarray(true_index)))


def progress_correlation(dense_rewards: Sequence[np.ndarray], progress: Sequence[np.ndarray]) -> float | None:
    """Mean Spearman correlation, over clips, of dense rewards with the simulator's progress signal."""
    values = []
    for r, p in zip(dense_rewards, progress, strict=True):
        r, p = np.asarray(r, dtype=float), np.asarray(p, dtype=float)
        if np.ptp(r) > 0 and np.ptp(p) > 0:
            values.append(spearmanr(r, p).statistic)
    return float(np.mean(values)) if values else None
