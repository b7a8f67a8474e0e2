"""Behaviours: objects that turn observations into actions for one episode.

Every behaviour is built from a seeded `numpy.random.Generator`, so an episode replays exactly. A
behaviour sees the observation and whether the simulator reported success on the previous step (an
actor stops once a task is done); clip labels always come from the simulator, never from here.

- `Expert`: MetaWorld's scripted policy with Gaussian action noise; holds still once successful.
- `HumanStyle`: the expert moved in another style: slower, with correlated jitter, and through a random
  intermediate waypoint before the expert takes over.
- `RandomActions`, `RandomWaypoints`: failures from random exploration.
- `NearSuccess`: the expert (or, in the human domain, `HumanStyle`) perturbed so that it (usually) just
  fails, in one of `NEAR_SUCCESS_MODES`. It is timed by `t_success`, the step at which the unperturbed
  attempt first succeeds.
"""

from __future__ import annotations

import warnings
from typing import Protocol

import numpy as np

from adapt2reward.envs.tasks import SimTask

NEAR_SUCCESS_MODES = ("stop_short", "release_early", "overshoot", "wrong_way", "bounce_back")
# Modes that switch at a random fraction of `t_success`; the others switch at the first success.
_SWITCH_FRACTIONS = {"stop_short": (0.55, 0.85), "release_early": (0.5, 0.8), "wrong_way": (0.35, 0.6)}
HAND_LOW, HAND_HIGH = np.array([-0.3, 0.4, 0.05]), np.array([0.3, 0.9, 0.3])  # where random motions go


class Behaviour(Protocol):
    def act(self, obs: np.ndarray, succeeded: bool) -> np.ndarray: ...


def _scripted_policy(task: SimTask):
    from metaworld.policies import ENV_POLICY_MAP

    return ENV_POLICY_MAP[task.env_id]()


def _toward(hand: np.ndarray, target: np.ndarray, gain: float = 10.0) -> np.ndarray:
    return np.clip((target - hand) * gain, -1.0, 1.0)


def _hold(hand: np.ndarray, anchor: np.ndarray, grip: float, rng: np.random.Generator) -> np.ndarray:
    """Keep the hand at `anchor` (it lags its mocap target, so a zero action would let it drift on)."""
    return np.array([*(_toward(hand, anchor) + rng.normal(0.0, 0.02, 3)), grip], dtype=np.float32)


class Expert:
    """The scripted expert plus N(0, noise) on the hand motion; rests (zero motion) once it succeeded.

    Resting lets the hand settle where its target was; pulling it back to where it was at the first
    success (`_hold`) measured to undo successes (drawer-open, push).
    """

    def __init__(self, task: SimTask, rng: np.random.Generator, noise: float = 0.1) -> None:
        self._policy = _scripted_policy(task)
        self._rng = rng
        self._noise = noise
        self._grip = -1.0
        self._done = False

    def act(self, obs: np.ndarray, succeeded: bool) -> np.ndarray:
        self._done = self._done or succeeded
        if self._done:
            return np.array([*self._rng.normal(0.0, 0.02, 3), self._grip], dtype=np.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Constant(s) may be too high": actions are clipped anyway
            action = np.clip(self._policy.get_action(obs), -1.0, 1.0)
        action[:3] += self._rng.normal(0.0, self._noise, 3)
        self._grip = float(action[3])
        return action.astype(np.float32)


class HumanStyle:
    """A human-like take on the expert: detour through a waypoint, slower, with correlated jitter."""

    def __init__(self, task: SimTask, rng: np.random.Generator) -> None:
        self._expert = Expert(task, rng, noise=0.0)
        self._rng = rng
        self._speed = rng.uniform(0.65, 0.9)
        self._offset = rng.uniform([-0.12, -0.08, 0.04], [0.12, 0.05, 0.12])
        self._waypoint: np.ndarray | None = None
        self._detour_steps = 0
        self._jitter = np.zeros(3)

    def act(self, obs: np.ndarray, succeeded: bool) -> np.ndarray:
        self._jitter = 0.85 * self._jitter + self._rng.normal(0.0, 0.03, 3)  # Ornstein-Uhlenbeck-like
        hand = obs[:3]
        if self._waypoint is None:
            self._waypoint = np.clip(hand + self._offset, HAND_LOW, HAND_HIGH)
        if self._detour_steps < 25 and np.linalg.norm(self._waypoint - hand) > 0.03:
            self._detour_steps += 1
            action = np.array([*_toward(hand, self._waypoint), -1.0])
        else:
            self._detour_steps = 25
            action = self._expert.act(obs, succeeded)
        if not succeeded:
            action[:3] = action[:3] * self._speed + self._jitter
        return np.clip(action, -1.0, 1.0).astype(np.float32)


class RandomActions:
    """Smoothly varying random actions with a random gripper."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._action = rng.uniform(-1.0, 1.0, 4)

    def act(self, obs: np.ndarray, succeeded: bool) -> np.ndarray:
        self._action = 0.85 * self._action + 0.15 * self._rng.uniform(-1.0, 1.0, 4)
        return np.clip(self._action * 1.5, -1.0, 1.0).astype(np.float32)


class RandomWaypoints:
    """Visit random points of the workspace in turn, opening or closing the gripper at random."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._target = rng.uniform(HAND_LOW, HAND_HIGH)
        self._grip = rng.choice([-1.0, 1.0])
        self._steps = 0

    def act(self, obs: np.ndarray, succeeded: bool) -> np.ndarray:
        self._steps += 1
        if self._steps > 30 or np.linalg.norm(self._target - obs[:3]) < 0.03:
            self._target, self._grip, self._steps = self._rng.uniform(HAND_LOW, HAND_HIGH), -self._grip, 0
        return np.array([*_toward(obs[:3], self._target, gain=5.0), self._grip], dtype=np.float32)


class NearSuccess:
    """The noisy expert (or `HumanStyle`) perturbed by `mode`, timed relative to its first success at
    `t_success`.

    stop_short: freeze part-way (55-85% of the way in time). release_early: open the gripper and lift
    away part-way. overshoot: after success, keep moving the way the hand went. wrong_way: after the
    approach, move opposite to the expert. bounce_back: succeed, then replay the motion backwards.
    """

    def __init__(self, mode: str, expert: Behaviour, t_success: int, rng: np.random.Generator) -> None:
        if mode not in NEAR_SUCCESS_MODES:
            known = ", ".join(NEAR_SUCCESS_MODES)
            raise ValueError(f"unknown near-success mode {mode!r}; known modes: {known}")
        self.mode = mode
        self._expert = expert
        self._rng = rng
        low, high = _SWITCH_FRACTIONS.get(mode, (1.0, 1.0))
        self._switch = max(1, int(t_success * rng.uniform(low, high)))
        self._t = 0
        self._perturbing = False
        self._anchor = np.zeros(3)
        self._history: list[np.ndarray] = []
        self._grip = -1.0

    def act(self, obs: np.ndarray, succeeded: bool) -> np.ndarray:
        self._t += 1
        if not self._perturbing:
            self._perturbing = self._t > self._switch if self.mode in _SWITCH_FRACTIONS else succeeded
            self._anchor = obs[:3].copy()
        if self._perturbing:
            return self._perturbed(obs).astype(np.float32)
        action = self._expert.act(obs, False)
        self._history.append(action.copy())
        self._grip = float(action[3])
        return action

    def _perturbed(self, obs: np.ndarray) -> np.ndarray:
        if self.mode == "stop_short":
            return _hold(obs[:3], self._anchor, self._grip, self._rng)
        if self.mode == "release_early":
            return np.array([*self._rng.normal(0.0, 0.05, 2), 0.6, -1.0])
        if self.mode == "wrong_way":
            action = self._expert.act(obs, False)
            return np.array([*-action[:2], action[2], action[3]])
        if self.mode == "overshoot":
            recent = np.mean([a[:3] for a in self._history[-10:]], axis=0) if self._history else np.zeros(3)
            direction = recent / max(np.linalg.norm(recent), 1e-6)
            return np.array([*direction, self._grip])
        if self._history:  # bounce_back: replay the motion backwards, then rest
            previous = self._history.pop()
            self._anchor = obs[:3].copy()
            return np.array([*-previous[:3], previous[3]])
        return _hold(obs[:3], self._anchor, self._grip, self._rng)
