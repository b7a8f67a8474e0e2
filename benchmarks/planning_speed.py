"""CPU seconds of a planning episode per method, split into simulate / render / reward / plan.

Plans the same episodes (tasks of the env-generalization protocol, training look, seeds 0..N-1) with the
oracle, random and a learned reward, at the full preset's search size (CEM 32 samples x 3 iterations),
in this one process; reports mean CPU s per episode, its split, and the learned reward's cost as a
multiple of the oracle's, measured in the same run. The learned reward is the default backbone with
untrained weights unless a checkpoint is given: its cost does not depend on the weights. Writes the
"planning" section of results/speed.json.

    OMP_NUM_THREADS=1 python benchmarks/planning_speed.py [--checkpoint DIR] [--episodes 2]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from speed_results import record

from adapt2reward.envs import TaskEnv
from adapt2reward.evaluation.protocols import get_preset
from adapt2reward.models import Adapt2RewardModel, ModelConfig
from adapt2reward.planning import ModelReward, OracleReward, RandomReward, run_episode
from adapt2reward.planning.timing import PARTS
from adapt2reward.reward.reward_model import RewardModel
from adapt2reward.tasks import get_task

TASKS = ("drawer-close", "faucet-open", "button-press")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=None)
    parser.add_argument("--episodes", type=int, default=2, help="per task")
    args = parser.parse_args()
    torch.manual_seed(0)
    model = (
        RewardModel.load(args.checkpoint)
        if args.checkpoint
        else RewardModel(Adapt2RewardModel(ModelConfig()))
    )
    methods = {"oracle": OracleReward(), "random": RandomReward(), "learned": ModelReward(model)}
    planner = get_preset("full").planner
    totals: dict[str, list[float]] = {m: [] for m in methods}
    splits: dict[str, list[dict[str, float]]] = {m: [] for m in methods}
    for task in TASKS:
        sim = TaskEnv(task, "robot", "train", 0)
        instruction = get_task(task).instruction
        for seed in range(args.episodes):
            for name, fn in methods.items():
                sim.reset(seed, domain="robot", variant="train")
                result = run_episode(sim, fn, instruction, planner, seed)
                totals[name].append(result.cpu_seconds)
                splits[name].append(result.cpu_split)
                print(f"{task} seed {seed} {name}: {result.cpu_seconds:.2f} CPU s {result.cpu_split}")
    per_episode = {m: round(float(np.mean(v)), 3) for m, v in totals.items()}
    figures = {
        "episodes_per_method": len(TASKS) * args.episodes,
        "search": f"CEM {planner.cem.samples} samples x {planner.cem.iterations} iterations",
        "learned_reward": str(args.checkpoint or "default backbone, untrained"),
        "cpu_s_per_episode": per_episode,
        "cpu_split_per_episode": {
            m: {p: round(float(np.mean([s[p] for s in rows])), 3) for p in PARTS}
            for m, rows in splits.items()
        },
        "learned_over_oracle": round(per_episode["learned"] / per_episode["oracle"], 2),
    }
    record("planning", figures)
    for key, value in figures.items():
        print(f"{key:25s} {value}")


if __name__ == "__main__":
    main()
