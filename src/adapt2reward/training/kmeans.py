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
    objective: float  # sum of each point's cosine similarity to its centroid (higher is better)

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


def _fill_empty(x: Tensor, labels: Tensor, centroids: Tensor) -> Tensor:
    """Give each empty cluster its own point: the one farthest from its centroid, among clusters that can
    spare one. With at least k points (n >= k holds in `spherical_kmeans`) no cluster stays empty."""
    k = len(centroids)
    counts = torch.bincount(labels, minlength=k)
    empty = (counts == 0).nonzero().flatten().tolist()
    if not empty:
        return labels
    labels = labels.clone()
    fit = (x * centroids[labels]).sum(dim=1)
    candidates = iter(torch.argsort(fit, stable=True).tolist())  # farthest first
    for c in empty:
        i = next(i for i in candidates if counts[labels[i]] > 1)
        counts[labels[i]] -= 1
        labels[i], counts[c] = c, 1
    return labels


def _lloyd(x: Tensor, centroids: Tensor, iters: int) -> KMeansResult:
    """Alternate assignment and centroid updates from `centroids` until the labels stop changing."""
    labels = torch.full((len(x),), -1, dtype=torch.long)
    for _ in range(iters):
        new_labels = _fill_empty(x, (x @ centroids.T).argmax(dim=1), centroids)
        centroids = F.normalize(torch.zeros_like(centroids).index_add_(0, new_labels, x), dim=-1)
        if torch.equal(new_labels, labels):
            break
        labels = new_labels
    objective = float((x * centroids[labels]).sum())
    return KMeansResult(labels=labels, centroids=centroids, objective=objective)


def spherical_kmeans(
    features: Tensor, k: int, iters: int = 50, seed: int = 0, restarts: int = 4
) -> KMeansResult:
    """Cluster L2-normalised features by cosine similarity; the best of `restarts` k-means++ starts.

    The best run maximises the spherical objective (sum of cosine similarities to the assigned centroid);
    the starts are drawn one after another from one generator seeded with `seed`, so the result is
    deterministic and the first start is the one a single-start run uses. With fewer points than k, k
    becomes n (each point its own cluster). An empty cluster is re-seeded at a point far from its centroid,
    a different point for each cluster that empties.
    """
    if features.dim() != 2 or len(features) == 0:
        raise ValueError(f"features must be a non-empty (n, D) tensor, got shape {tuple(features.shape)}")
    if k < 1:
        raise ValueError(f"k={k}: must be >= 1")
    if restarts < 1:
        raise ValueError(f"restarts={restarts}: must be >= 1")
    x = F.normalize(features.detach().float(), dim=-1)
    k = min(k, len(x))
    gen = torch.Generator().manual_seed(seed)
    runs = [_lloyd(x, _plus_plus_init(x, k, gen), iters) for _ in range(restarts)]
    return max(runs, key=lambda run: run.objective)  # the first of equals: a tie keeps the earlier start


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


def choose_k_by_silhouette(
    features: Tensor, k_range: Sequence[int] = (1, 2, 3, 4, 5), seed: int = 0, restarts: int = 4
) -> int:
    """The K of `k_range` with the best cosine silhouette (beyond the paper).

    K=1 has no silhouette; it is chosen when no K>=2 reaches a silhouette of 0.25 (no clear structure).
    """
    from sklearn.metrics import silhouette_score

    x = F.normalize(features.detach().float(), dim=-1)
    best_k, best_score = 1, 0.25
    for k in k_range:
        if k < 2 or k >= len(x):
            continue
        labels = spherical_kmeans(x, k, seed=seed, restarts=restarts).labels.numpy()
        if len(set(labels.tolist())) < 2:
            continue
        score = silhouette_score(x.numpy(), labels, metric="cosine")
        if score > best_score:
            best_k, best_score = k, score
    return best_k
