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


def test_evaluation_episodes_on_ray_match_local(local_ray):
    from adapt2reward.evaluation.episodes import EpisodeJob, run_jobs
    from adapt2reward.planning.cem import CEMConfig
    from adapt2reward.planning.episode import PlannerConfig
    from adapt2reward.planning.plan import PlanSpace
    from adapt2reward.planning.rewards import OracleReward, RandomReward

    planner = PlannerConfig(
        space=PlanSpace(num_waypoints=2, steps_per_waypoint=20),
        cem=CEMConfig(samples=6, elites=2, iterations=1),
    )
    methods = {"oracle": OracleReward(), "random": RandomReward()}
    jobs = [EpisodeJob(m, "button-press", "train", seed) for m in methods for seed in (0, 1)]
    key = lambda r: (r.method, r.seed)  # noqa: E731
    local = sorted(run_jobs(jobs, methods, planner, workers=1, progress=False), key=key)
    remote = sorted(run_jobs(jobs, methods, planner, workers=2, progress=False, backend="ray"), key=key)
    assert [(r.method, r.seed, r.success, r.final_reward) for r in local] == [
        (r.method, r.seed, r.success, r.final_reward) for r in remote
    ]
