"""`TaskEnv`: one MetaWorld v3 task with a seedable reset, its own reward and success, a styled
renderer, and bit-exact state save/restore (for planners that branch from a state)."""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from adapt2reward.envs.appearance import Look, SceneStyler, make_look
from adapt2reward.envs.gl import mujoco
from adapt2reward.envs.render import render_frame
from adapt2reward.envs.tasks import SimTask, sim_task
from adapt2reward.envs.variants import VariantConfig, get_variant

MAX_REWARD = 10.0  # MetaWorld v2-style dense rewards lie in [0, 10]
SETTLE_ACTION = np.array([0.0, 0.0, 0.0, -1.0], dtype=np.float32)


@dataclass(frozen=True)
class StepResult:
    obs: np.ndarray
    reward: float
    success: bool


@dataclass(frozen=True)
class SimState:
    """Everything that decides the future of an episode: the MuJoCo data and the env's own fields."""

    data: mujoco.MjData
    curr_path_length: int
    prev_obs: np.ndarray
    last_stable_obs: np.ndarray | None
    did_see_sim_exception: bool
    obs: np.ndarray
    reward: float
    success: bool


def _make_metaworld_env(spec: SimTask, seed: int):
    from metaworld.env_dict import ALL_V3_ENVIRONMENTS_GOAL_OBSERVABLE

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ALL_V3_ENVIRONMENTS_GOAL_OBSERVABLE[f"{spec.env_id}-goal-observable"](seed=seed)


class TaskEnv:
    """A MetaWorld task in one visual domain and variant.

    Observations are MetaWorld's 39-d goal-observable vector (hand position `obs[:3]`, gripper
    opening `obs[3]`, object poses, previous frame, goal `obs[36:39]`); actions are 4-d in [-1, 1]
    (hand displacement xyz, gripper). `reward` is MetaWorld's dense reward, `success` its success flag.
    """

    def __init__(
        self, task: str, domain: str = "robot", variant: str | VariantConfig = "train", seed: int = 0
    ) -> None:
        self.spec = sim_task(task)
        self._env = _make_metaworld_env(self.spec, seed)
        self._styler = SceneStyler(self._env.model)
        self.domain = domain
        self.variant = get_variant(variant) if isinstance(variant, str) else variant
        self.reset(seed)

    @property
    def model(self) -> mujoco.MjModel:
        """The MuJoCo model, styled with the current look."""
        return self._env.model

    @property
    def action_space(self) -> gym.spaces.Box:
        return self._env.action_space

    @property
    def obs(self) -> np.ndarray:
        return self._obs.copy()

    @property
    def hand_pos(self) -> np.ndarray:
        return self._obs[:3].copy()

    @property
    def reward(self) -> float:
        return self._reward

    @property
    def progress(self) -> float:
        """The dense reward scaled to [0, 1]."""
        return self._reward / MAX_REWARD

    @property
    def success(self) -> bool:
        return self._success

    @property
    def max_steps(self) -> int:
        """Steps allowed after a reset (which takes one settle step) before MetaWorld refuses to step."""
        return self._env.max_path_length - 1

    @property
    def look(self) -> Look:
        return self._look

    def reset(
        self, seed: int, domain: str | None = None, variant: str | VariantConfig | None = None
    ) -> np.ndarray:
        """Start an episode: `seed` places the objects and draws the look; domain/variant may change."""
        if domain is not None:
            self.domain = domain
        if variant is not None:
            self.variant = get_variant(variant) if isinstance(variant, str) else variant
        env = self._env
        env.seed(seed)
        env._freeze_rand_vec, env.seeded_rand_vec = False, True
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obs, _ = env.reset()
        env._freeze_rand_vec = True
        avoid = np.stack([obs[:3], obs[4:7], obs[36:39]] + ([obs[11:14]] if np.any(obs[11:14]) else []))
        self._look = make_look(self.domain, self.variant, seed, avoid)
        self._styler.apply(self._look)
        # MetaWorld's reward and success are only right after a step (at reset, window-close already
        # reports success), so every episode starts with one still step, gripper open as at reset. The
        # step also moves the lights into place (MjData's light_xdir) after a look changed them.
        self.step(SETTLE_ACTION)
        return self.obs

    def step(self, action: np.ndarray) -> StepResult:
        action = np.clip(np.asarray(action, dtype=np.float32), -1.0, 1.0)
        obs, reward, _, _, info = self._env.step(action)
        self._obs, self._reward, self._success = obs, float(reward), bool(info["success"])
        return StepResult(self.obs, self._reward, self._success)

    def render(self, size: int = 64) -> np.ndarray:
        """The current frame in this env's look, uint8 (size, size, 3)."""
        return render_frame(self._env.model, self._env.data, self._look.camera, self._look.distractors, size)

    def get_state(self) -> SimState:
        env = self._env
        last = env._last_stable_obs
        return SimState(
            copy.copy(env.data),
            env.curr_path_length,
            env._prev_obs.copy(),
            None if last is None else last.copy(),
            env._did_see_sim_exception,
            self._obs.copy(),
            self._reward,
            self._success,
        )

    def set_state(self, state: SimState) -> None:
        """Restore a `get_state` snapshot bit-exactly; the snapshot stays reusable."""
        env = self._env
        env.data = copy.copy(state.data)
        env.curr_path_length = state.curr_path_length
        env._prev_obs = state.prev_obs.copy()
        env._last_stable_obs = None if state.last_stable_obs is None else state.last_stable_obs.copy()
        env._did_see_sim_exception = state.did_see_sim_exception
        self._obs, self._reward, self._success = state.obs.copy(), state.reward, state.success
