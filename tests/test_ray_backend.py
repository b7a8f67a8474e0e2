"""The Ray backend of `parallel_map`: generation on a local Ray instance makes the same clips as local."""

import math

import pytest

from adapt2reward.data.generate import generate
from adapt2reward.data.generation_config import GenerationConfig
from adapt2reward.data.records import read_manifest
from adapt2reward.distributed.pool import parallel_map

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_parallel_map_on_ray_returns_every_result(local_ray):
    # the function must be importable by Ray's workers: a library function, not one defined in a test
    results = parallel_map(math.sqrt, range(20), workers=2, backend="ray")
    assert sorted(results) == list(map(math.sqrt, range(20)))


def test_generation_on_ray_matches_local(local_ray, tmp_path):
    config = GenerationConfig(
        robot_tasks=("drawer-close",), domains=("robot",), robot_clips_per_task=3, num_frames=4, size=32
    )
    generate(config, tmp_path / "local", workers=1, progress=False)
    generate(config, tmp_path / "ray", workers=2, progress=False, backend="ray")
    local, remote = (sorted(read_manifest(tmp_path / d), key=lambda r: r.id) for d in ("local", "ray"))
    assert len(local) == 3 and local == remote
    for r in local:
        assert (tmp_path / "local" / r.path).read_bytes() == (tmp_path / "ray" / r.path).read_bytes()
