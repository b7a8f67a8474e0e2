"""How often a state policy solves a task, judged by MetaWorld's own success flag over held-out episodes.

`end` is the flag at the episode's last step, the headline (as the planning protocols judge: the final
state); `any` counts an episode in which the flag was raised at some step, kept as a secondary figure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from adapt2reward.envs.gym_env import make_env

EVAL_SEED = 10_000  # evaluation episodes use seeds from here on, never seen in training


@dataclass(frozen=True)
class PolicySuccess:
    end: float
    any: float
    episodes: int


def policy_success(
    act: Callable[[np.ndarray], np.ndarray], task: str, episodes: int, seed: int = EVAL_SEED
) -> PolicySuccess:
    """Run `act` (observation -> action) for `episodes` episodes on seeds `seed`, `seed + 1`, ...

    A state policy does not see the look, so no variant is needed here: the look enters only through a
    reward that renders frames.
    """
    if episodes < 1:
        raise ValueError(f"episodes must be >= 1, got {episodes}")
    env = make_env(task, seed, render_mode=None)
    at_end = at_any = 0
    for i in range(episodes):
        obs, _ = env.reset(seed=seed + i)
        done, success, ever = False, False, False
        while not done:
            obs, _, terminated, truncated, info = env.step(act(obs))
            success = bool(info["success"])
            ever, done = ever or success, terminated or truncated
        at_end += success
        at_any += ever
    env.close()
    return PolicySuccess(end=at_end / episodes, any=at_any / episodes, episodes=episodes)
