"""SAC on one MetaWorld task with three rewards at the same env-step budget: the learned reward,
MetaWorld's sparse success reward and its dense shaped reward. Success is MetaWorld's own flag on
held-out seeds (see `examples/train_sac_learned_reward.py`, which this reuses).

Prints the table and writes `results/rl_reward_comparison.json`. The default budget (20k steps per
reward) takes about 20-30 min on 2 idle cores; rendering and scoring make the learned run the slowest.

    python benchmarks/rl_reward_comparison.py CHECKPOINT [--task drawer-close] [--steps 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
from train_sac_learned_reward import REWARDS, train  # noqa: E402

from adapt2reward.reward.reward_model import RewardModel  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="reward model checkpoint (a2r train)")
    parser.add_argument("--task", default="drawer-close")
    parser.add_argument("--steps", type=int, default=20_000, help="env steps per reward")
    parser.add_argument("--frame-every", type=int, default=4, help="render every k-th step (learned)")
    parser.add_argument("--eval-episodes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="results/rl_reward_comparison.json")
    args = parser.parse_args()

    model = RewardModel.load(args.checkpoint)
    runs = []
    for reward in REWARDS:
        run = train(args.task, reward, args.steps, args.seed, model, args.frame_every, args.eval_episodes)
        runs.append(run)
        print(json.dumps(runs[-1]), flush=True)
    report = {
        "checkpoint": str(args.checkpoint),
        "frame_every": args.frame_every,
        "machine": {
            "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "platform": platform.platform(),
        },
        "runs": runs,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"\n{args.task}, {args.steps} steps per reward, seed {args.seed}")
    print(f"{'reward':<8} {'success':>8} {'untrained':>10} {'ms/step':>8}")
    for run in runs:
        print(
            f"{run['reward']:<8} {run['success_rate']:>8.0%} {run['untrained_success_rate']:>10.0%} "
            f"{run['ms_per_step']:>8}"
        )


if __name__ == "__main__":
    main()
