import torch
import torch.nn.functional as F

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
