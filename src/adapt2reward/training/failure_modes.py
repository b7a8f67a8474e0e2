"""Pseudo-labels of the failure clips: each task's failures clustered into K modes, one prompt per mode.

Re-run at the end of every epoch on the current video features; new clusters are matched to the previous
epoch's centroids (Hungarian matching) so that prompt k keeps describing the same mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from adapt2reward.training.kmeans import choose_k_by_silhouette, match_labels, spherical_kmeans


@dataclass
class FailureModes:
    """Mode label of every failure clip and the centroids of each task's modes."""

    labels: np.ndarray  # (n_failure,) mode index of each failure clip
    centroids: dict[int, torch.Tensor] = field(default_factory=dict)  # task index -> (K_T, D)

    def state(self) -> dict:
        return {"labels": self.labels, "centroids": self.centroids}

    @classmethod
    def from_state(cls, state: dict) -> FailureModes:
        return cls(labels=np.asarray(state["labels"]), centroids=dict(state["centroids"]))


def cluster_failures(
    features: torch.Tensor,
    task_index: np.ndarray,
    num_modes: int,
    previous: FailureModes | None = None,
    choose_k: bool = False,
    seed: int = 0,
    restarts: int = 4,
) -> tuple[FailureModes, dict[int, int]]:
    """Cluster each task's failure features (n, D) into modes; returns the modes and K chosen per task.

    With `choose_k`, K per task is picked by silhouette score within 1..num_modes (beyond the paper).
    Each clustering keeps the best of `restarts` k-means++ starts. With `previous`, a task clustered
    into as many modes as before gets its modes renumbered to match the previous centroids.
    """
    labels = np.zeros(len(task_index), dtype=np.int64)
    centroids: dict[int, torch.Tensor] = {}
    ks: dict[int, int] = {}
    for task in np.unique(task_index):
        rows = np.flatnonzero(task_index == task)
        x = features[rows]
        k = (
            choose_k_by_silhouette(x, range(1, num_modes + 1), seed=seed, restarts=restarts)
            if choose_k
            else num_modes
        )
        result = spherical_kmeans(x, k, seed=seed, restarts=restarts)
        task_labels, task_centroids = result.labels, result.centroids
        old = previous.centroids.get(int(task)) if previous is not None else None
        if old is not None and len(old) == len(task_centroids):  # same K: keep each prompt on its mode
            perm = match_labels(old, task_centroids)
            task_labels = perm[task_labels]
            task_centroids = task_centroids[torch.argsort(perm)]
        labels[rows] = task_labels.numpy()
        centroids[int(task)] = task_centroids
        ks[int(task)] = max(int(result.k), 1)
    return FailureModes(labels=labels, centroids=centroids), ks
