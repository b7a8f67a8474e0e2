"""Train Stable-Baselines3 SAC on a MetaWorld task with the learned reward, then measure its success rate.

The policy sees MetaWorld's state vector; the reward comes from the reward model scoring the rendered
episode so far against the instruction (`LearnedRewardWrapper`). Success is always judged by MetaWorld's
own flag, on held-out seeds, with the deterministic policy.

    pip install -e ".[rl]"
    python examples/train_sac_learned_reward.py CHECKPOINT --task drawer-close --steps 20000
"""

from __future__ import annotations

import argparse
import json
import time

import gymnasium as gym
import torch
from stable_baselines3 import SAC

from adapt2reward.envs import LearnedRewardWrapper
from adapt2reward.envs.gym_env import make_env
from adapt2reward.reward.reward_model import RewardModel
from adapt2reward.tasks import get_task

REWARDS = ("learned", "sparse", "dense")
EVAL_SEED = 10_000  # evaluation episodes use seeds from here on, never seen in training


def make_training_env(
    task: str,
    reward: str,
    seed: int,
    reward_model: RewardModel | None = None,
    frame_every: int = 4,
    scale: float = 10.0,
) -> gym.Env:
    """The env a policy trains in: MetaWorld's `sparse`/`dense` reward, or the `learned` one (scaled by
    `scale` so that its range, a cosine in [-1, 1], compares with the dense reward's [0, 10])."""
    if reward not in REWARDS:
        raise ValueError(f"reward must be one of {REWARDS}, got {reward!r}")
    if reward != "learned":
        return make_env(task, seed, reward_type=reward, render_mode=None)
    if reward_model is None:
        raise ValueError("the learned reward needs a reward model")
    env = make_env(task, seed, render_size=reward_model.image_size)
    instruction = get_task(task).instruction
    return LearnedRewardWrapper(env, reward_model, instruction, frame_every=frame_every, scale=scale)


def success_rate(policy: SAC, task: str, episodes: int) -> float:
    """Fraction of held-out episodes in which MetaWorld's success flag is raised at some step."""
    env = make_env(task, EVAL_SEED, render_mode=None)
    successes = 0
    for i in range(episodes):
        obs, _ = env.reset(seed=EVAL_SEED + i)
        done, success = False, False
        while not done:
            obs, _, terminated, truncated, info = env.step(policy.predict(obs, deterministic=True)[0])
            success, done = success or info["success"], terminated or truncated
        successes += success
    return successes / episodes


def train(
    task: str,
    reward: str,
    steps: int,
    seed: int = 0,
    reward_model: RewardModel | None = None,
    frame_every: int = 4,
    eval_episodes: int = 10,
) -> dict[str, float | int | str]:
    """Train SAC for `steps` env steps on one reward; returns its success rate (and that of the same
    policy before training), and timings."""
    torch.manual_seed(seed)
    env = make_training_env(task, reward, seed, reward_model, frame_every)
    policy = SAC("MlpPolicy", env, learning_starts=min(1000, steps // 4), seed=seed, verbose=0)
    untrained = success_rate(policy, task, eval_episodes)  # what the task gives away without learning
    start = time.perf_counter()
    policy.learn(total_timesteps=steps)
    train_s = time.perf_counter() - start
    return {
        "task": task,
        "reward": reward,
        "steps": steps,
        "seed": seed,
        "success_rate": success_rate(policy, task, eval_episodes),
        "untrained_success_rate": untrained,
        "eval_episodes": eval_episodes,
        "train_seconds": round(train_s, 1),
        "ms_per_step": round(1000 * train_s / steps, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="reward model checkpoint (a2r train)")
    parser.add_argument("--task", default="drawer-close")
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--frame-every", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    result = train(
        args.task, "learned", args.steps, args.seed, RewardModel.load(args.checkpoint), args.frame_every
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
