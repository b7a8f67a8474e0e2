"""One planning episode: CEM over plans from the current state, execute the best, judge by MetaWorld.

Every candidate starts from the same saved simulator state and is rendered only at the steps its clip
keeps (`num_frames` steps spread evenly over the whole episode, first and last state included), so a
candidate's clip looks like a training clip of the full episode. In receding-horizon mode the planner
executes `replan_every` steps of the best plan, then searches again from the state reached: candidate
clips then join the frames already executed with the candidate's own future ones (visual MPC with a
perfect dynamics model).

What is shared is computed once: the frame of the state a search starts from is rendered once for all
its candidates, a plan that CEM proposes again (the best one is re-entered every iteration) is not
simulated again, and a reward model that caches frame features encodes each distinct frame once. The
episode's CPU time is split into simulate / render / reward / plan (`EpisodeResult.cpu_split`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from adapt2reward.data.transforms import frame_indices
from adapt2reward.envs.simulator import TaskEnv
from adapt2reward.planning.cem import CEMConfig, cem
from adapt2reward.planning.plan import PlanSpace
from adapt2reward.planning.rewards import RewardFunction
from adapt2reward.planning.rollout import Rollout, run_plan
from adapt2reward.planning.timing import CpuClock


@dataclass(frozen=True)
class PlannerConfig:
    """How an episode is planned: the plan space, the search, the clip shape and replanning.

    replan_every: steps executed between searches; None plans once and executes open loop.
    """

    space: PlanSpace = field(default_factory=PlanSpace)
    cem: CEMConfig = field(default_factory=CEMConfig)
    num_frames: int = 8
    size: int = 64
    replan_every: int | None = None

    def __post_init__(self) -> None:
        if self.num_frames < 2:
            raise ValueError(f"num_frames must be >= 2, got {self.num_frames}")
        if self.replan_every is not None and self.replan_every < 1:
            raise ValueError(f"replan_every must be >= 1 or None, got {self.replan_every}")

    @property
    def keep(self) -> np.ndarray:
        """Episode steps whose states a clip keeps."""
        return frame_indices(self.space.horizon + 1, self.num_frames)


@dataclass(frozen=True)
class EpisodeResult:
    """The outcome of one episode.

    success: MetaWorld's success flag was raised at some step of the executed plan (MetaWorld's own
        convention: its environments end an episode at the first success); first_success_step: when.
    final_success: the flag at the last step, the label the data engine gives a clip (stricter).
    candidate_scores, candidate_successes: every candidate of each search's last CEM iteration and
        whether it ends in success (MetaWorld's flag at its last step), for reward distributions of
        success vs failure clips.
    reward_curve: the reward function's score of the executed episode's prefix clips (one per kept
        frame, each prefix resampled to `num_frames`), for reward-over-time plots.
    cpu_split: CPU seconds spent simulating, rendering, scoring (the reward function) and planning.
    """

    success: bool
    final_success: bool
    first_success_step: int | None
    final_reward: float
    plan: np.ndarray
    candidate_scores: np.ndarray
    candidate_successes: np.ndarray
    reward_curve: np.ndarray
    seconds: float
    cpu_seconds: float
    reward_calls: int
    cpu_split: dict[str, float] = field(default_factory=dict)


class _Evaluator:
    """Scores batches of normalised plans from one saved state, joined to the frames executed so far."""

    def __init__(
        self, sim: TaskEnv, fn: RewardFunction, instruction: str, config: PlannerConfig, clock: CpuClock
    ) -> None:
        self.sim, self.fn, self.instruction, self.config, self.clock = sim, fn, instruction, config, clock
        self.render = bool(fn.uses_frames)
        self.calls = 0
        self.last_successes = np.zeros(0, dtype=bool)

    def start(self, step: int, prefix: list[Rollout]) -> None:
        self.step, self.root, self.prefix = step, self.sim.get_state(), prefix
        self.first_frame = None
        if self.render and step in set(self.config.keep.tolist()):
            with self.clock.part("render"):
                self.first_frame = self.sim.render(self.config.size)
        self.seen: dict[bytes, tuple[np.ndarray, dict[str, float | bool]]] = {}

    def _candidate(self, plan: np.ndarray) -> tuple[np.ndarray, dict[str, float | bool]]:
        """The clip and simulator info of one plan from the root state (a plan seen before is reused)."""
        key = plan.tobytes()
        if key not in self.seen:
            cfg = self.config
            self.sim.set_state(self.root)
            rollout = run_plan(
                self.sim,
                plan,
                cfg.space,
                self.step,
                cfg.space.horizon,
                cfg.keep,
                cfg.size,
                self.render,
                self.first_frame,
                self.clock,
            )
            episode = _join([*self.prefix, rollout])
            self.seen[key] = (episode.frames, _info(episode, len(episode.rewards) - 1))
        return self.seen[key]

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        clips, infos = zip(
            *[self._candidate(plan) for plan in self.config.space.decode(samples)], strict=True
        )
        self.sim.set_state(self.root)
        self.calls += 1
        self.last_successes = np.array([info["final_success"] for info in infos])
        with self.clock.part("reward"):
            scores = self.fn(np.stack(clips), self.instruction, list(infos))
        return np.asarray(scores, dtype=np.float64)


def _join(parts: list[Rollout]) -> Rollout:
    """Consecutive rollouts as one; the states where two parts meet are counted once."""
    return Rollout(
        np.concatenate([p.frames for p in parts]),
        np.concatenate([parts[0].rewards[:1], *[p.rewards[1:] for p in parts]]),
        np.concatenate([parts[0].successes[:1], *[p.successes[1:] for p in parts]]),
    )


def _info(episode: Rollout, step: int) -> dict[str, float | bool]:
    """What the simulator says of an episode's clip ending at `step` (read by the oracle only)."""
    return {
        "final_reward": float(episode.rewards[step]),
        "max_reward": float(episode.rewards[: step + 1].max()),
        "success": bool(episode.successes[: step + 1].any()),
        "final_success": bool(episode.successes[step]),
    }


def _reward_curve(
    fn: RewardFunction, instruction: str, episode: Rollout, config: PlannerConfig
) -> np.ndarray:
    """Scores of the prefix clips ending at each kept frame (oracle: the dense reward there)."""
    keep = config.keep
    clips = [episode.frames[frame_indices(k + 1, config.num_frames)] for k in range(len(episode.frames))]
    frames = np.stack(clips) if clips else np.zeros((len(keep), 0, config.size, config.size, 3), np.uint8)
    return np.asarray(fn(frames, instruction, [_info(episode, s) for s in keep]), dtype=np.float64)


def run_episode(
    sim: TaskEnv, fn: RewardFunction, instruction: str, config: PlannerConfig, seed: int
) -> EpisodeResult:
    """Plan and execute one episode from `sim`'s current (freshly reset) state.

    `seed` seeds the search; a reward function with a `reseed(seed)` method is reseeded with it too.
    """
    started, cpu_started, clock = time.perf_counter(), time.process_time(), CpuClock()
    if hasattr(fn, "reseed"):
        fn.reseed(seed)
    rng = np.random.default_rng(seed)
    space, horizon = config.space, config.space.horizon
    evaluator = _Evaluator(sim, fn, instruction, config, clock)
    executed: list[Rollout] = []
    scores, successes = [], []
    mean, step, plan = None, 0, np.zeros((space.num_waypoints, 4))
    while step < horizon:
        evaluator.start(step, list(executed))
        result = cem(evaluator, space.dim, config.cem, rng, mean)
        scores.append(result.last_scores)
        successes.append(evaluator.last_successes)
        plan = space.decode(result.best)
        stop = horizon if config.replan_every is None else min(horizon, step + config.replan_every)
        executed.append(
            run_plan(
                sim,
                plan,
                space,
                step,
                stop,
                config.keep,
                config.size,
                evaluator.render,
                evaluator.first_frame,
                clock,
            )
        )
        mean, step = result.best, stop
    episode = _join(executed)
    with clock.part("reward"):
        curve = _reward_curve(fn, instruction, episode, config)
    hits = np.flatnonzero(episode.successes)
    return EpisodeResult(
        success=bool(hits.size),
        final_success=bool(episode.successes[-1]),
        first_success_step=int(hits[0]) if hits.size else None,
        final_reward=float(episode.rewards[-1]),
        plan=plan,
        candidate_scores=np.concatenate(scores),
        candidate_successes=np.concatenate(successes),
        reward_curve=curve,
        seconds=time.perf_counter() - started,
        cpu_seconds=time.process_time() - cpu_started,
        reward_calls=evaluator.calls,
        cpu_split=clock.split(),
    )
