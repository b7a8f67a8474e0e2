"""`LearnedRewardWrapper`: replace (or add to) a Gymnasium env's reward with a learned video reward.

The wrapper renders a frame with `env.render()` at the reset and every `frame_every`-th step (and at the
last step of an episode), keeps the episode's frames as a rolling clip, and scores the clip with the
reward model against one instruction. The reward models of this package keep the features of the frames
they have seen (`adapt2reward.reward.feature_cache`), so each step that adds a frame pays one frame pass
and one temporal-model pass, not a pass over the whole clip. `dense`: each step gets the reward of the
clip so far (recomputed when a frame is added, held in between); `terminal`: only the episode's last step
gets it. The model resamples the clip to its own frame count. Frames should come at the model's image
size (other sizes are cropped and resized, at a cost): build the env with `render_size=model.image_size`
(`adapt2reward.envs.gym_env.make_env`) or, for a raw MetaWorld env, `width=height=image_size`.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Protocol

import gymnasium as gym
import numpy as np

MODES = ("dense", "terminal")
COMBINES = ("replace", "add")


class VideoReward(Protocol):
    """What the wrapper needs of a reward model: every `adapt2reward.reward.LearnedReward` (`RewardModel`,
    the baselines' rewards) has it. Declared here because the simulation layer sits below `reward`."""

    num_frames: int
    image_size: int

    def reward(self, clips: Any, instructions: str | list[str]) -> Any: ...


class LearnedRewardWrapper(gym.Wrapper):
    """Learned, language-conditioned reward for any env whose `render()` returns uint8 RGB frames.

    mode: "dense" or "terminal" (see the module docstring).
    combine: "replace" (reward = scale * learned) or "add" (reward = env reward + scale * learned).
    num_frames: frames kept in the rolling clip, the most recent ones; None keeps the whole episode
        (the clips the model was trained on span whole episodes).
    frame_every: render one frame every k steps (rendering is the costly part of a step).
    `info` gains `learned_reward` (the latest clip's reward) and `env_reward` (the env's own reward);
    the env's own `success` flag, when it gives one, passes through untouched.
    """

    def __init__(
        self,
        env: gym.Env,
        reward_model: VideoReward,
        instruction: str,
        mode: str = "dense",
        combine: str = "replace",
        num_frames: int | None = None,
        frame_every: int = 4,
        scale: float = 1.0,
    ) -> None:
        super().__init__(env)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if combine not in COMBINES:
            raise ValueError(f"combine must be one of {COMBINES}, got {combine!r}")
        if frame_every < 1 or (num_frames is not None and num_frames < 1):
            raise ValueError(f"frame_every and num_frames must be >= 1, got {frame_every} and {num_frames}")
        if not instruction.strip():
            raise ValueError("instruction must be a non-empty string")
        if env.render_mode != "rgb_array":
            raise ValueError(f"the env must render frames: render_mode 'rgb_array', got {env.render_mode!r}")
        self.reward_model, self.instruction = reward_model, instruction
        self.mode, self.combine, self.frame_every, self.scale = mode, combine, frame_every, scale
        self._frames: deque[np.ndarray] = deque(maxlen=num_frames)
        self._steps = 0
        self._learned = 0.0

    @property
    def clip(self) -> np.ndarray:
        """The rolling clip the learned reward scores, uint8 (T, H, W, 3)."""
        return np.stack(self._frames)

    def _add_frame(self) -> None:
        self._frames.append(np.asarray(self.env.render(), dtype=np.uint8))
        self._learned = float(self.reward_model.reward(self.clip[None], self.instruction)[0])

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed, options=options)
        self._frames.clear()
        self._steps = 0
        self._add_frame()
        return obs, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        obs, env_reward, terminated, truncated, info = self.env.step(action)
        self._steps += 1
        done = terminated or truncated
        if done or self._steps % self.frame_every == 0:
            self._add_frame()
        learned = self._learned if self.mode == "dense" or done else 0.0
        reward = self.scale * learned + (float(env_reward) if self.combine == "add" else 0.0)
        info = {**info, "learned_reward": self._learned, "env_reward": float(env_reward)}
        return obs, reward, terminated, truncated, info
