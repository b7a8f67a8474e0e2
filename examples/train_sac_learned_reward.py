"""Train Stable-Baselines3 SAC on a MetaWorld task with the learned reward, then measure its success rate.

The policy sees MetaWorld's state vector; the reward comes from the reward model scoring the rendered
episode so far against the instruction (`LearnedRewardWrapper`), rendered in the look `--variant` names.
Success is always judged by MetaWorld's own flag at the end of held-out episodes (and at any step, as a
secondary figure), with the deterministic policy. With `--snapshots DIR` the run saves the policy and its
replay buffer every `--snapshot-every` steps and, run again after an interruption, resumes from the last
snapshot (not bit-identical to an uninterrupted run: the random states and the episode in progress are
not kept; the result lists the steps it resumed at).

    pip install -e ".[rl]"
    python examples/train_sac_learned_reward.py CKPT --task drawer-close --variant viewpoint --steps 20000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

import gymnasium as gym
import torch
from stable_baselines3 import SAC
from stable_baselines3.common.callbacks import BaseCallback

from adapt2reward.baselines import load_reward
from adapt2reward.envs import LearnedRewardWrapper
from adapt2reward.envs.gym_env import make_env
from adapt2reward.envs.policy_success import PolicySuccess, policy_success
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


class Snapshots(BaseCallback):
    """Every `every` env steps, write the policy and its replay buffer into a new `folder/step-N`, then
    point `folder/snapshot.json` at it (renamed into place) and drop the older ones: an interruption at
    any moment leaves the last whole snapshot in use."""

    def __init__(self, folder: Path, every: int, meta: dict, started: float, label: str) -> None:
        super().__init__()
        self.folder, self.every, self.meta, self.started, self.label = folder, every, meta, started, label

    def _on_step(self) -> bool:
        return True

    def _on_rollout_end(self) -> None:  # after the step's transition is in the replay buffer
        if self.num_timesteps % self.every == 0:
            self.save()

    def save(self) -> None:
        step = self.folder / f"step-{self.num_timesteps}"
        step.mkdir(parents=True, exist_ok=True)
        self.model.save(step / "sac.zip")
        self.model.save_replay_buffer(step / "replay.pkl")
        seconds = self.meta["train_seconds"] + time.perf_counter() - self.started
        meta = {**self.meta, "steps_done": self.num_timesteps, "train_seconds": seconds, "dir": step.name}
        (self.folder / "snapshot.tmp.json").write_text(json.dumps(meta))
        os.replace(self.folder / "snapshot.tmp.json", self.folder / "snapshot.json")
        for old in self.folder.glob("step-*"):
            if old != step:
                shutil.rmtree(old)
        rate = 1000 * seconds / self.num_timesteps
        print(f"{self.label}: {self.num_timesteps} steps, {rate:.1f} ms/step", flush=True)


def read_snapshot(folder: Path | None) -> dict | None:
    """The bookkeeping of the last whole snapshot in `folder`, or None."""
    if folder is None or not (folder / "snapshot.json").is_file():
        return None
    return json.loads((folder / "snapshot.json").read_text())


def train(
    task: str,
    reward: str,
    steps: int,
    seed: int = 0,
    reward_model: LearnedReward | None = None,
    frame_every: int = 4,
    eval_episodes: int = 10,
    variant: str = "train",
    snapshots: str | Path | None = None,
    snapshot_every: int = 5000,
) -> dict[str, float | int | str | list[int]]:
    """Train SAC for `steps` env steps on one reward; returns its success at the end of held-out episodes
    and at any step (and those of the same policy before training), and timings. `snapshots`: a folder to
    save into every `snapshot_every` steps and resume from; it is removed when the run ends."""
    torch.manual_seed(seed)
    folder = Path(snapshots) if snapshots else None
    env = make_training_env(task, reward, seed, reward_model, frame_every, variant=variant)
    meta = read_snapshot(folder)
    if meta is None:
        policy = SAC("MlpPolicy", env, learning_starts=min(1000, steps // 4), seed=seed, verbose=0)
    else:
        policy = SAC.load(folder / meta["dir"] / "sac.zip", env=env)
        policy.load_replay_buffer(folder / meta["dir"] / "replay.pkl")

    def act(obs):
        return policy.predict(obs, deterministic=True)[0]

    if meta is None:  # what the task gives away without learning
        meta = {"untrained": vars(policy_success(act, task, eval_episodes)), "train_seconds": 0.0}
        meta |= {"steps_done": 0, "resumed_at": []}
    else:
        meta["resumed_at"] = [*meta["resumed_at"], meta["steps_done"]]
    start = time.perf_counter()
    label = f"{task}@{variant} {reward} seed {seed}"
    callback = Snapshots(folder, snapshot_every, meta, start, label) if folder else None
    policy.learn(steps - meta["steps_done"], callback=callback, reset_num_timesteps=meta["steps_done"] == 0)
    train_s = meta["train_seconds"] + time.perf_counter() - start
    trained = policy_success(act, task, eval_episodes)
    untrained = PolicySuccess(**meta["untrained"])
    if folder is not None:
        shutil.rmtree(folder)
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
        "resumed_at": meta["resumed_at"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="reward model checkpoint (a2r train or a2r baseline)")
    parser.add_argument("--task", default="drawer-close")
    parser.add_argument("--variant", default="train", help="the look the reward renders in")
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--frame-every", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--snapshots", help="folder to snapshot into and resume from")
    parser.add_argument("--snapshot-every", type=int, default=5000)
    args = parser.parse_args()
    model = load_reward(args.checkpoint)
    result = train(
        args.task,
        "learned",
        args.steps,
        args.seed,
        model,
        args.frame_every,
        variant=args.variant,
        snapshots=args.snapshots,
        snapshot_every=args.snapshot_every,
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
