"""Train Stable-Baselines3 SAC on a MetaWorld task with the learned reward, then measure its success rate.

The policy sees MetaWorld's state vector; the reward comes from the reward model scoring the rendered
episode so far against the instruction (`LearnedRewardWrapper`), rendered in the look `--variant` names.
Success is always judged by MetaWorld's own flag at the end of held-out episodes (and at any step, as a
secondary figure), with the deterministic policy.

    pip install -e ".[rl]"
    python examples/train_sac_learned_reward.py CKPT --task drawer-close --variant viewpoint --steps 20000
"""

from __future__ import annotations

import argparse
import json
import time

import gymnasium as gym
import torch
from stable_baselines3 import SAC

from adapt2reward.baselines import load_reward
from adapt2reward.envs import LearnedRewardWrapper
from adapt2reward.envs.gym_env import make_env
from adapt2reward.envs.policy_success import policy_success
from adapt2reward.reward import LearnedReward
from adapt2reward.tasks import get_task

REWARDS = ("learned", "sparse", "dense")


def make_training_env(
    task: str,
    reward: str,
    seed: int,
    reward_model: LearnedReward | None = None,
    frame_every: int = 4,
    scale: float = 10.0,
    variant: str = "train",
) -> gym.Env:
    """The env a policy trains in: MetaWorld's `sparse`/`dense` reward, or the `learned` one rendered in
    the look `variant` (scaled by `scale` so that its range, a cosine in [-1, 1], compares with the dense
    reward's [0, 10]). The look changes nothing for the state rewards: the policy sees the state."""
    if reward not in REWARDS:
        raise ValueError(f"reward must be one of {REWARDS}, got {reward!r}")
    if reward != "learned":
        return make_env(task, seed, reward_type=reward, render_mode=None)
    if reward_model is None:
        raise ValueError("the learned reward needs a reward model")
    env = make_env(task, seed, variant=variant, render_size=reward_model.image_size)
    instruction = get_task(task).instruction
    return LearnedRewardWrapper(env, reward_model, instruction, frame_every=frame_every, scale=scale)


def train(
    task: str,
    reward: str,
    steps: int,
    seed: int = 0,
    reward_model: LearnedReward | None = None,
    frame_every: int = 4,
    eval_episodes: int = 10,
    variant: str = "train",
) -> dict[str, float | int | str]:
    """Train SAC for `steps` env steps on one reward; returns its success at the end of held-out episodes
    and at any step (and those of the same policy before training), and timings."""
    torch.manual_seed(seed)
    env = make_training_env(task, reward, seed, reward_model, frame_every, variant=variant)
    policy = SAC("MlpPolicy", env, learning_starts=min(1000, steps // 4), seed=seed, verbose=0)

    def act(obs):
        return policy.predict(obs, deterministic=True)[0]

    untrained = policy_success(act, task, eval_episodes)  # what the task gives away without learning
    start = time.perf_counter()
    policy.learn(total_timesteps=steps)
    train_s = time.perf_counter() - start
    trained = policy_success(act, task, eval_episodes)
    return {
        "task": task,
        "variant": variant,
        "reward": reward,
        "steps": steps,
        "seed": seed,
        "success_end": trained.end,
        "success_any": trained.any,
        "untrained_success_end": untrained.end,
        "untrained_success_any": untrained.any,
        "eval_episodes": eval_episodes,
        "train_seconds": round(train_s, 1),
        "ms_per_step": round(1000 * train_s / steps, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="reward model checkpoint (a2r train or a2r baseline)")
    parser.add_argument("--task", default="drawer-close")
    parser.add_argument("--variant", default="train", help="the look the reward renders in")
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--frame-every", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    model = load_reward(args.checkpoint)
    result = train(args.task, "learned", args.steps, args.seed, model, args.frame_every, variant=args.variant)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
