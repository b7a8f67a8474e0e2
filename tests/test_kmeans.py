import torch
import torch.nn.functional as F

from adapt2reward.training import kmeans
from adapt2reward.training.kmeans import choose_k_by_silhouette, match_labels, spherical_kmeans

torch.set_num_threads(2)


def blobs(k: int, per: int = 10, d: int = 16, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    centers = torch.eye(d)[:k]
    labels = torch.arange(k).repeat_interleave(per)
    x = centers[labels] + 0.05 * torch.randn(k * per, d, generator=gen)
    return F.normalize(x, dim=-1), labels


def same_partition(a: torch.Tensor, b: torch.Tensor) -> bool:
    return torch.equal(a[:, None] == a[None, :], b[:, None] == b[None, :])


def test_recovers_separable_partition():
    x, y = blobs(3)
    result = spherical_kmeans(x, 3, seed=1)
    assert same_partition(result.labels, y)
    assert torch.allclose(result.centroids.norm(dim=1), torch.ones(3))


def test_fewer_points_than_k():
    x, _ = blobs(2, per=1)
    result = spherical_kmeans(x, 5)
    assert result.k == 2 and sorted(result.labels.tolist()) == [0, 1]


def test_identical_points_do_not_crash_and_fill_all_clusters():
    x = F.normalize(torch.ones(6, 4), dim=-1)
    result = spherical_kmeans(x, 3)
    assert result.k == 3 and result.labels.shape == (6,)
    assert sorted(set(result.labels.tolist())) == [0, 1, 2]


def test_clusters_emptied_together_each_take_their_own_point(monkeypatch):
    """Two of three starting centroids lie far from every point, so both clusters empty in the first
    iteration: each must take a distinct point, and each centroid must be the mean of its members."""
    x = F.normalize(
        torch.tensor([[1.0, 0.1, 0, 0], [1, 0.2, 0, 0], [1, -0.1, 0, 0], [1, 0, 0.2, 0], [1, 0, -0.1, 0.1]]),
        dim=-1,
    )
    start = torch.tensor([[1.0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, -1]])
    monkeypatch.setattr(kmeans, "_plus_plus_init", lambda x, k, gen: start.clone())
    for iters in (1, 50):
        result = spherical_kmeans(x, 3, iters=iters, restarts=1)
        assert sorted(set(result.labels.tolist())) == [0, 1, 2], iters
        for c in range(3):
            mean = F.normalize(x[result.labels == c].sum(0), dim=0)
            assert torch.allclose(result.centroids[c], mean), (iters, c)


def objective_of(x: torch.Tensor, labels: torch.Tensor) -> float:
    return sum(float(x[labels == c].sum(0).norm()) for c in labels.unique())


def two_pairs_of_close_blobs() -> tuple[torch.Tensor, torch.Tensor]:
    """Four blobs in two close pairs: k-means++ often starts two centroids in one pair and gets stuck."""
    e = torch.eye(8)
    centers = torch.stack([e[0], e[0] + 0.3 * e[1], e[2], e[2] + 0.3 * e[3]])
    labels = torch.arange(4).repeat_interleave(10)
    x = centers[labels] + 0.05 * torch.randn(40, 8, generator=torch.Generator().manual_seed(0))
    return F.normalize(x, dim=-1), labels


def test_restarts_keep_the_best_start_and_escape_a_trap():
    x, truth = two_pairs_of_close_blobs()
    optimum = objective_of(x, truth)
    single = [spherical_kmeans(x, 4, seed=s, restarts=1) for s in range(20)]
    several = [spherical_kmeans(x, 4, seed=s, restarts=4) for s in range(20)]
    for one, best in zip(single, several, strict=True):
        assert best.objective >= one.objective
        assert abs(best.objective - objective_of(x, best.labels)) < 1e-4
    assert all(same_partition(r.labels, truth) for r in several)
    assert any(r.objective < optimum - 1e-3 for r in single)  # the trap catches a single start


def test_results_are_deterministic_for_a_seed():
    x, _ = two_pairs_of_close_blobs()
    a, b = spherical_kmeans(x, 4, seed=3), spherical_kmeans(x, 4, seed=3)
    assert torch.equal(a.labels, b.labels) and torch.equal(a.centroids, b.centroids)


def test_match_labels_restores_permutation():
    x, _ = blobs(3)
    prev = spherical_kmeans(x, 3, seed=0)
    perm = torch.tensor([2, 0, 1])
    shuffled = prev.centroids[perm]  # new cluster j is old cluster perm[j]
    assert torch.equal(match_labels(prev.centroids, shuffled), perm)
    new = spherical_kmeans(x, 3, seed=5)
    mapping = match_labels(prev.centroids, new.centroids)
    assert torch.equal(mapping[new.labels], prev.labels)


def test_match_labels_with_more_new_clusters():
    x, _ = blobs(3)
    prev = spherical_kmeans(x, 2, seed=0)
    new = spherical_kmeans(x, 3, seed=0)
    mapping = match_labels(prev.centroids, new.centroids)
    assert sorted(mapping.tolist()) == [0, 1, 2]


def test_silhouette_picks_true_k():
    for k in (2, 3, 4):
        x, _ = blobs(k, seed=k)
        assert choose_k_by_silhouette(x, range(1, 6)) == k


def test_silhouette_picks_one_for_a_single_blob():
    x, _ = blobs(1, per=20)
    assert choose_k_by_silhouette(x, range(1, 6)) == 1
