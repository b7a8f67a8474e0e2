"""`TaskGymEnv`: a `TaskEnv` behind the Gymnasium API, for RL libraries and `LearnedRewardWrapper`.

`render()` draws the project's own look (camera, colours, no goal markers) at `render_size`, so frames
match the clips the reward model was trained on. Episodes are truncated after `max_episode_steps`
(default: the task's clip length, the horizon the reward model saw) and never terminate.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from adapt2reward.envs.simulator import TaskEnv
from adapt2reward.envs.tasks import sim_task

REWARD_TYPES = ("dense", "sparse")


class TaskGymEnv(gym.Env[np.ndarray, np.ndarray]):
    """One MetaWorld task as a `gymnasium.Env`.

    reward_type: "dense" (MetaWorld's shaped reward in [0, 10]) or "sparse" (1.0 while MetaWorld's
        success flag is up, else 0.0). `info` always holds `success` and `dense_reward`.
    render_size: side of the square uint8 frames `render()` returns.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 30}

    def __init__(
        self,
        task: str,
        domain: str = "robot",
        variant: str = "train",
        reward_type: str = "dense",
        max_episode_steps: int | None = None,
        render_size: int = 64,
        render_mode: str | None = "rgb_array",
    ) -> None:
        if reward_type not in REWARD_TYPES:
            raise ValueError(f"reward_type must be one of {REWARD_TYPES}, got {reward_type!r}")
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.task = TaskEnv(task, domain, variant)
        self.max_episode_steps = max_episode_steps or sim_task(task).episode_steps
        if not 1 <= self.max_episode_steps <= self.task.max_steps:
            raise ValueError(
                f"max_episode_steps must lie in 1..{self.task.max_steps}, got {max_episode_steps}"
            )
        self.reward_type, self.render_size, self.render_mode = reward_type, render_size, render_mode
        self.action_space = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, self.task.obs.shape, np.float64)
        self._steps = 0

    def _info(self) -> dict[str, Any]:
        return {"success": self.task.success, "dense_reward": self.task.reward}

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Place the objects and draw the look from `seed` (or from the env's generator when None)."""
        super().reset(seed=seed)
        episode_seed = seed if seed is not None else int(self.np_random.integers(2**31))
        self._steps = 0
        return self.task.reset(episode_seed), self._info()

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        result = self.task.step(action)
        self._steps += 1
        reward = result.reward if self.reward_type == "dense" else float(result.success)
        return result.obs, reward, False, self._steps >= self.max_episode_steps, self._info()

    def render(self) -> np.ndarray | None:
        return self.task.render(self.render_size) if self.render_mode == "rgb_array" else None


def make_env(
    task: str,
    seed: int | None = None,
    domain: str = "robot",
    variant: str = "train",
    **kwargs: Any,
) -> TaskGymEnv:
    """A `TaskGymEnv` (keyword arguments go to it), reset once with `seed` so its generator is seeded."""
    env = TaskGymEnv(task, domain, variant, **kwargs)
    env.reset(seed=seed)
    return env
