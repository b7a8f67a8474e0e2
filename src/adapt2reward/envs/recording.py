"""Recording one clip: the single entry point of the data generator."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from adapt2reward.envs.appearance import check_domain
from adapt2reward.envs.behaviours import (
    NEAR_SUCCESS_MODES,
    Behaviour,
    Expert,
    HumanStyle,
    NearSuccess,
    RandomActions,
    RandomWaypoints,
)
from adapt2reward.envs.simulator import TaskEnv
from adapt2reward.envs.tasks import SimTask, sim_task
from adapt2reward.envs.variants import get_variant

RANDOM_BEHAVIOURS = ("random_actions", "random_waypoints")
BEHAVIOURS = ("expert", "random", *RANDOM_BEHAVIOURS, "near_success", *NEAR_SUCCESS_MODES)
# Independent random streams per clip seed, so that e.g. a near-success clip's expert noise equals the
# noise of the probe run that timed it.
_EXPERT_NOISE, _PERTURBATION, _CHOICE, _HUMAN_STYLE = range(4)
HUMAN_SLOWDOWN = 1.4


@dataclass(frozen=True)
class ClipSpec:
    """What to record.

    behaviour: 'expert', 'random' (random actions or waypoints, picked by the seed), 'random_actions',
        'random_waypoints', 'near_success' (a mode of the task's `near_success_modes`, picked by the
        seed) or a mode name from `NEAR_SUCCESS_MODES`. In the human domain the attempt is `HumanStyle`'s
        (near-success modes perturb it; random exploration is the same as the robot's), so human
        failures exist for evaluation; the data generator records human successes only.
    seed: places the objects, draws the look and drives the behaviour's noise.
    episode_steps: simulator steps per episode; None takes the task's default (x HUMAN_SLOWDOWN in the
        human domain, whose slower style needs the time).
    look: the domain whose look films the episode (None: `domain`'s own). A robot episode filmed in the
        human look is the same motion with the stand-in's hand in place of the arm, from the stand-in's
        camera and in its colours: a cross-embodiment pair of the robot clip of the same seed.
    """

    task: str
    domain: str = "robot"
    behaviour: str = "expert"
    variant: str = "train"
    seed: int = 0
    num_frames: int = 8
    size: int = 64
    episode_steps: int | None = None
    look: str | None = None

    def __post_init__(self) -> None:
        sim_task(self.task)
        get_variant(self.variant)
        check_domain(self.domain)
        if self.look is not None:
            check_domain(self.look, "look")
        if self.behaviour not in BEHAVIOURS:
            known = ", ".join(BEHAVIOURS)
            raise ValueError(f"unknown behaviour {self.behaviour!r}; known behaviours: {known}")
        if self.num_frames < 2 or self.size < 16:
            raise ValueError(f"need num_frames >= 2 and size >= 16, got {self.num_frames} and {self.size}")
        if self.episode_steps is not None and self.episode_steps < self.num_frames - 1:
            raise ValueError(f"episode_steps {self.episode_steps} must be at least num_frames - 1")


@dataclass(frozen=True)
class RecordedClip:
    """A recorded clip. `success` is the simulator's flag at the last frame, whatever the behaviour.

    frames: uint8 (T, H, W, 3). progress: float32 (T,), MetaWorld's dense reward / 10 at each frame.
    behaviour: the behaviour actually run (a 'random' or 'near_success' spec resolves to one).
    failure_source: None for expert attempts, else 'random' or 'near_success'.
    """

    frames: np.ndarray
    progress: np.ndarray
    success: bool
    behaviour: str
    failure_source: str | None


_envs: dict[str, TaskEnv] = {}


def _env(task: str) -> TaskEnv:
    """One `TaskEnv` per task and process (building one costs ~0.3 s)."""
    if task not in _envs:
        _envs[task] = TaskEnv(task)
    return _envs[task]


def resolve_behaviour(spec: ClipSpec) -> tuple[str, str | None]:
    """The concrete behaviour a spec runs, and its failure source."""
    rng = np.random.default_rng([spec.seed, _CHOICE])
    if spec.behaviour == "random":
        return str(rng.choice(RANDOM_BEHAVIOURS)), "random"
    if spec.behaviour == "near_success":
        return str(rng.choice(sim_task(spec.task).near_success_modes)), "near_success"
    if spec.behaviour in RANDOM_BEHAVIOURS:
        return spec.behaviour, "random"
    if spec.behaviour in NEAR_SUCCESS_MODES:
        return spec.behaviour, "near_success"
    return "expert", None


def _attempt(task: SimTask, spec: ClipSpec) -> Behaviour:
    """The domain's own attempt at the task: the noisy expert, or in the human domain its human-style take."""
    if spec.domain == "human":
        return HumanStyle(task, np.random.default_rng([spec.seed, _HUMAN_STYLE]))
    return Expert(task, np.random.default_rng([spec.seed, _EXPERT_NOISE]))


def _first_success(env: TaskEnv, spec: ClipSpec, steps: int) -> int:
    """Step at which the clip's unperturbed attempt first succeeds (`steps` if it never does)."""
    env.reset(spec.seed)  # the look never changes the physics
    attempt = _attempt(sim_task(spec.task), spec)
    for t in range(1, steps + 1):
        if env.step(attempt.act(env.obs, env.success)).success:
            return t
    return steps


def make_behaviour(name: str, spec: ClipSpec, env: TaskEnv) -> Behaviour:
    """The behaviour `name` (see `resolve_behaviour`) for a spec; near-success modes first run a probe
    episode in `env` to time themselves, so reset `env` afterwards."""
    task, steps = sim_task(spec.task), episode_steps(spec)
    rng = np.random.default_rng([spec.seed, _PERTURBATION])
    attempt = _attempt(task, spec)
    if name == "expert":
        return attempt
    if name == "random_actions":
        return RandomActions(rng)
    if name == "random_waypoints":
        return RandomWaypoints(rng)
    return NearSuccess(name, attempt, _first_success(env, spec, steps), rng)


def episode_steps(spec: ClipSpec) -> int:
    """Simulator steps the spec's episode runs."""
    if spec.episode_steps is not None:
        return spec.episode_steps
    steps = sim_task(spec.task).episode_steps
    return round(steps * HUMAN_SLOWDOWN) if spec.domain == "human" else steps


def record_clip(spec: ClipSpec) -> RecordedClip:
    """Run one episode and render only the kept frames: evenly spaced, the first at the reset and the
    last at the end. The same spec always gives the same clip."""
    steps = episode_steps(spec)
    env = _env(spec.task)
    name, source = resolve_behaviour(spec)
    behaviour = make_behaviour(name, spec, env)
    env.reset(spec.seed, spec.look or spec.domain, spec.variant)
    keep = set(np.linspace(0, steps, spec.num_frames).round().astype(int).tolist())
    frames, progress = [], []
    for t in range(steps + 1):
        if t > 0:
            env.step(behaviour.act(env.obs, env.success))
        if t in keep:
            frames.append(env.render(spec.size))
            progress.append(env.progress)
    return RecordedClip(np.stack(frames), np.asarray(progress, dtype=np.float32), env.success, name, source)
