"""Run many planning episodes, in parallel worker processes that each own one renderer.

Workers are started with the spawn context and receive the reward functions once, at start-up; a
`ModelReward` built with a loader loads its model inside each worker. Each worker keeps one `TaskEnv`
per task and reuses it across episodes (jobs are sorted by task so the renderer is rarely rebuilt).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from tqdm import tqdm

from adapt2reward.distributed.pool import parallel_map
from adapt2reward.planning.episode import PlannerConfig, run_episode
from adapt2reward.planning.rewards import RewardFunction


@dataclass(frozen=True)
class EpisodeJob:
    """One episode: a method plans `task` in `variant` from the reset of `seed`."""

    method: str
    task: str
    variant: str
    seed: int


@dataclass(frozen=True)
class EpisodeRecord:
    """A finished episode, JSON-ready (one line of `PROTOCOL.episodes.jsonl`)."""

    method: str
    task: str
    variant: str
    seed: int
    instruction: str
    success: bool
    final_success: bool
    first_success_step: int | None
    final_reward: float
    seconds: float
    cpu_seconds: float
    reward_calls: int
    candidate_scores: list[float]
    candidate_successes: list[bool]
    reward_curve: list[float]
    cpu_split: dict[str, float] = field(default_factory=dict)  # empty in runs made before it was kept

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_worker: dict[str, Any] = {}


def _init_worker(methods: Mapping[str, RewardFunction], planner: PlannerConfig, threads: int) -> None:
    os.environ["OMP_NUM_THREADS"] = str(threads)  # read by torch when a lazy reward model imports it
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    _worker.update(methods=dict(methods), planner=planner, sims={})


def _run_shipped_job(item: tuple[EpisodeJob, bytes, str]) -> EpisodeRecord:
    """Run a job in any worker process (local or Ray), setting the process up once per evaluation.

    The methods and planner travel pickled with every job (a `ModelReward` pickles its loader, not its
    model), and a process rebuilds them only when the evaluation `key` changes, so each process loads
    each reward model once.
    """
    job, setup, key = item
    if _worker.get("key") != key:
        _init_worker(*pickle.loads(setup))
        _worker["key"] = key
    return _run_job(job)


def _run_job(job: EpisodeJob) -> EpisodeRecord:
    from adapt2reward.envs.simulator import TaskEnv
    from adapt2reward.tasks import get_task

    sims = _worker["sims"]
    if job.task not in sims:
        sims[job.task] = TaskEnv(job.task, "robot", job.variant, job.seed)
    sim = sims[job.task]
    method = _worker["methods"][job.method]
    sim.reset(job.seed, domain=getattr(method, "look", "robot"), variant=job.variant)
    instruction = get_task(job.task).instruction
    result = run_episode(sim, method, instruction, _worker["planner"], job.seed)
    return EpisodeRecord(
        method=job.method,
        task=job.task,
        variant=job.variant,
        seed=job.seed,
        instruction=instruction,
        success=result.success,
        final_success=result.final_success,
        first_success_step=result.first_success_step,
        final_reward=result.final_reward,
        seconds=round(result.seconds, 3),
        cpu_seconds=round(result.cpu_seconds, 3),
        reward_calls=result.reward_calls,
        candidate_scores=[round(float(s), 5) for s in result.candidate_scores],
        candidate_successes=[bool(s) for s in result.candidate_successes],
        reward_curve=[round(float(s), 5) for s in result.reward_curve],
        cpu_split={part: round(s, 3) for part, s in result.cpu_split.items()},
    )


def run_jobs(
    jobs: list[EpisodeJob],
    methods: Mapping[str, RewardFunction],
    planner: PlannerConfig,
    workers: int = 1,
    progress: bool = True,
    backend: str = "local",
) -> Iterator[EpisodeRecord]:
    """Run every job and yield its record as it finishes (in any order when `workers` > 1).

    Jobs start in rounds of episode seeds, every method's episode of a (task, variant, seed) together, so
    a run stopped part-way has finished whole rounds (see `protocols.finished_rounds`).

    `backend`: "local" (spawned processes on this machine) or "ray" (a Ray cluster), as `parallel_map`.
    """
    unknown = sorted({job.method for job in jobs} - set(methods))
    if unknown:
        raise ValueError(f"jobs name unknown methods {unknown}; known: {sorted(methods)}")
    ordered = sorted(jobs, key=lambda j: (j.seed, j.task, j.variant, j.method))
    threads = max(1, (os.cpu_count() or 1) // max(workers, 1))
    setup = pickle.dumps((dict(methods), planner, threads))
    key = hashlib.sha1(setup).hexdigest()
    items = [(job, setup, key) for job in ordered]
    with tqdm(total=len(ordered), desc="episodes", unit="ep", disable=not progress) as bar:
        for record in parallel_map(_run_shipped_job, items, workers, backend):
            bar.update()
            yield record
