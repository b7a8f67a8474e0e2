"""Failure re-clustering at every epoch end: prompt k keeps meaning mode k across epochs."""

import numpy as np
import torch
import torch.nn.functional as F

from adapt2reward.training.failure_modes import FailureModes, cluster_failures

torch.set_num_threads(2)


def failures(drift: float = 0.0, seed: int = 0) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    """Two tasks with three well-separated failure modes each; `drift` moves every clip a little, as an
    epoch of training moves the video features. Returns features, task index and true mode per clip."""
    gen = torch.Generator().manual_seed(seed)
    task = np.repeat([0, 1], 18)
    mode = np.tile(np.repeat([0, 1, 2], 6), 2)
    centers = torch.eye(12)[torch.from_numpy(task * 6 + mode * 2)]
    x = centers + 0.05 * torch.randn(36, 12, generator=gen) + drift * torch.randn(36, 12, generator=gen)
    return F.normalize(x, dim=-1), task, mode


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(a[:, None] == a[None, :], b[:, None] == b[None, :]))


def test_each_task_is_clustered_into_its_own_modes():
    x, task, mode = failures()
    modes, ks = cluster_failures(x, task, 3)
    assert ks == {0: 3, 1: 3} and set(modes.centroids) == {0, 1}
    for t in (0, 1):
        assert same_partition(modes.labels[task == t], mode[task == t])
        assert modes.centroids[t].shape == (3, 12)


def test_reclustering_keeps_each_mode_on_its_prompt_across_epochs():
    x, task, _ = failures()
    first, _ = cluster_failures(x, task, 3, seed=0)
    moved, _, _ = failures(drift=0.02, seed=1)
    relabelled = False
    for seed in range(1, 6):  # other seeds number the same clusters differently
        fresh, _ = cluster_failures(moved, task, 3, seed=seed)
        kept, _ = cluster_failures(moved, task, 3, previous=first, seed=seed)
        relabelled |= not np.array_equal(fresh.labels, first.labels)
        assert np.array_equal(kept.labels, first.labels), seed
        for t in (0, 1):
            # centroid k of the new epoch continues centroid k of the previous one
            sims = kept.centroids[t] @ first.centroids[t].T
            assert torch.equal(sims.argmax(dim=1), torch.arange(3)), (seed, t)
    assert relabelled  # without the matching, the labels would have moved between prompts


def test_modes_round_trip_through_the_checkpoint_state():
    x, task, _ = failures()
    modes, _ = cluster_failures(x, task, 3)
    again = FailureModes.from_state(modes.state())
    assert np.array_equal(again.labels, modes.labels)
    assert all(torch.equal(again.centroids[t], modes.centroids[t]) for t in modes.centroids)
