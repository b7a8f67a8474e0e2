"""Is the fast renderer harmless for a trained reward? The same clips drawn the old and the new way.

Generates the same robot clips (same tasks, behaviours, seeds, hence the same trajectories: the physics is
untouched) twice, once with `A2R_RENDER_DETAIL=full` (the old, full-detail picture a checkpoint was trained
on) and once with the default fast renderer, in every look, with a dataset seed no training run uses.
Scores both sets with one trained checkpoint and compares success-vs-failure ROC AUC (overall and per
look), the rewards clip by clip (Pearson r, mean absolute difference, against the spread of the rewards)
and the success decisions (p > 0.5) that agree. Writes results/render_harmless.json.

    OMP_NUM_THREADS=1 python benchmarks/render_harmless.py CHECKPOINT [--clips-per-task 24] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

from adapt2reward.data.dataset import ClipDataset
from adapt2reward.data.generate import generate
from adapt2reward.data.generation_config import GenerationConfig
from adapt2reward.envs.render import DETAIL_ENV
from adapt2reward.evaluation.offline_metrics import grouped_success_auc, success_auc
from adapt2reward.reward.reward_model import RewardModel
from adapt2reward.training.checkpoint import read_config

LOOKS = ("train", "colors", "viewpoint", "distractors")
SEED = 9173  # a dataset seed that no training config uses


def render_both(tasks: list[str], clips_per_task: int, out: Path, workers: int) -> dict[str, Path]:
    config = GenerationConfig(
        robot_tasks=tuple(tasks),
        domains=("robot",),
        robot_clips_per_task=clips_per_task,
        variants=LOOKS,
        seed=SEED,
    )
    folders = {}
    for detail in ("full", "low"):
        os.environ[DETAIL_ENV] = detail  # spawned workers inherit it
        folders[detail] = out / detail
        generate(config, folders[detail], workers=workers)
    os.environ.pop(DETAIL_ENV)
    return folders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("--clips-per-task", type=int, default=24, help="per task and look")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data", type=Path, default=Path("data/render-harmless"))
    parser.add_argument("--out", type=Path, default=Path("results/render_harmless.json"))
    args = parser.parse_args()
    tasks = read_config(args.checkpoint)["tasks"]
    folders = render_both(tasks, args.clips_per_task, args.data, args.workers)
    model = RewardModel.load(args.checkpoint)
    scored = {}
    for detail, folder in folders.items():
        data = ClipDataset([folder], domain="robot")
        by_id = sorted(range(len(data)), key=lambda i: data.records[i].id)
        records = [data.records[i] for i in by_id]
        reward, probability = model.scores(data.frames(by_id), [r.instruction for r in records])
        scored[detail] = (records, reward.numpy(), probability.numpy())
    (old_records, old_r, old_p), (new_records, new_r, new_p) = scored["full"], scored["low"]
    if [r.id for r in old_records] != [r.id for r in new_records]:
        raise RuntimeError("the two renderings hold different clips")
    labels = np.array([r.success for r in old_records])
    looks = [r.variant for r in old_records]
    results = {
        "checkpoint": str(args.checkpoint),
        "clips": len(labels),
        "successes": int(labels.sum()),
        "dataset_seed": SEED,
        "reward_auc": {"full_detail": success_auc(old_r, labels), "fast": success_auc(new_r, labels)},
        "reward_auc_per_look": {
            "full_detail": grouped_success_auc(old_r, labels, looks),
            "fast": grouped_success_auc(new_r, labels, looks),
        },
        "success_probability_auc": {
            "full_detail": success_auc(old_p, labels),
            "fast": success_auc(new_p, labels),
        },
        "reward_pearson_r": float(np.corrcoef(old_r, new_r)[0, 1]),
        "reward_mean_abs_difference": float(np.abs(old_r - new_r).mean()),
        "reward_sd": float(old_r.std()),
        "success_decisions_agree": float(np.mean((old_p > 0.5) == (new_p > 0.5))),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
