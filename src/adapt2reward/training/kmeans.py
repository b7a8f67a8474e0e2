"""Spherical k-means for failure modes, label matching across epochs, and K chosen by silhouette."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor


@dataclass
class KMeansResult:
    labels: Tensor  # (n,) long, in 0..k-1
    centroids: Tensor  # (k, D), L2-normalised

    @property
    def k(self) -> int:
        return self.centroids.shape[0]


def _plus_plus_init(x: Tensor, k: int, gen: torch.Generator) -> Tensor:
    """k-means++ on cosine distance 1 - <x, c>."""
    idx = [int(torch.randint(len(x), (1,), generator=gen))]
    dist = 1.0 - x @ x[idx[0]]
    for _ in range(1, k):
        weights = dist.clamp(min=0.0)
        if weights.sum() <= 0:  # all remaining points coincide with a centroid
            weights = torch.ones_like(weights)
        idx.append(int(torch.multinomial(weights, 1, generator=gen)))
        dist = torch.minimum(dist, 1.0 - x @ x[idx[-1]])
    return x[idx].clone()


def spherical_kmeans(features: Tensor, k: int, iters: int = 50, seed: int = 0) -> KMeansResult:
    """Cluster L2-normalised features by cosine similarity.

    With fewer points than k, k becomes n (each point its own cluster). An empty cluster is re-seeded at
    the point farthest from its centroid.
    """
    if features.dim() != 2 or len(features) == 0:
        raise ValueError(f"features must be a non-empty (n, D) tensor, got shape {tuple(features.shape)}")
    if k < 1:
        raise ValueError(f"k={k}: must be >= 1")
    x = F.normalize(features.detach().float(), dim=-1)
    k = min(k, len(x))
    gen = torch.Generator().manual_seed(seed)
    centroids = _plus_plus_init(x, k, gen)
    labels = torch.full((len(x),), -1, dtype=torch.long)
    for _ in range(iters):
        sims = x @ centroids.T
        new_labels = sims.argmax(dim=1)
        for c in range(k):
            members = new_labels == c
            if not members.any():
                far = int((sims.max(dim=1).values).argmin())
                new_labels[far] = c
                members = new_labels == c
            centroids[c] = F.normalize(x[members].sum(0), dim=0)
        if torch.equal(new_labels, labels):
            break
        labels = new_labels
    return KMeansResult(labels=labels, centroids=centroids)


def match_labels(prev_centroids: Tensor, new_centroids: Tensor) -> Tensor:
    """Permutation `perm` with `perm[new] = old`: the previous cluster each new cluster continues.

    Hungarian matching on cosine similarity, so a failure prompt keeps its mode across re-clusterings.
    Remap with `perm[result.labels]`. New clusters beyond the previous count get the unused indices.
    """
    from scipy.optimize import linear_sum_assignment

    sims = (F.normalize(new_centroids, dim=-1) @ F.normalize(prev_centroids, dim=-1).T).cpu().numpy()
    rows, cols = linear_sum_assignment(-sims)
    perm = np.full(len(new_centroids), -1)
    perm[rows] = cols
    free = iter(sorted(set(range(len(new_centroids))) - set(cols.tolist())))
    for r in np.flatnonzero(perm < 0):
        perm[r] = next(free)
    return torch.as_tensor(perm, dtype=torch.long)


def choose_k_by_silhouette(features: Tensor, k_range: Sequence[int] = (1, 2, 3, 4, 5), seed: int = 0) -> int:
    """The K of `k_range` with the best cosine silhouette (beyond the paper).

    K=1 has no silhouette; it is chosen when no K>=2 reaches a silhouette of 0.25 (no clear structure).
    """
    from sklearn.metrics import silhouette_score

    x = F.normalize(features.detach().float(), dim=-1)
    best_k, best_score = 1, 0.25
    for k in k_range:
        if k < 2 or k >= len(x):
            continue
        labels = spherical_kmeans(x, k, seed=seed).labels.numpy()
        if len(set(labels.tolist())) < 2:
            continue
        score = silhouette_score(x.numpy(), labels, metric="cosine")
        if score > best_score:
            best_k, best_score = k, score
    return best_k
