"""Held-out metrics of a stage-2 checkpoint: robot clips of the training tasks that training never saw.

Those are the held-out share of the training variants (split by clip id) and every clip of the other
variants in the robot data. Reported: success-vs-failure ROC AUC of the reward and of the success
probability (overall, per task, per variant), instruction retrieval accuracy of success clips among
every task's instruction, and the rank correlation of dense rewards with the simulator's progress.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from adapt2reward.data.clip_io import read_clip_file
from adapt2reward.data.dataset import ClipDataset
from adapt2reward.evaluation.offline_metrics import (
    grouped_success_auc,
    progress_correlation,
    retrieval_accuracy,
    success_auc,
)
from adapt2reward.training.checkpoint import read_config
from adapt2reward.training.config import TrainConfig
from adapt2reward.training.splits import is_heldout
from adapt2reward.training.task_catalog import canonical_instructions


def heldout_items(config: TrainConfig, tasks: list[str]) -> list:
    robot = ClipDataset(list(config.robot), domain="robot", task=tasks)
    return [
        (root, r)
        for root, r in robot.items
        if r.variant not in config.robot_variants or is_heldout(r.id, config.heldout_fraction, config.seed)
    ]


def evaluate_checkpoint(ckpt_dir: str | Path, progress: bool = True, batch_size: int = 64) -> dict[str, Any]:
    """Metrics of the checkpoint in `ckpt_dir` on its own held-out robot clips."""
    from adapt2reward.reward.reward_model import RewardModel

    saved = read_config(ckpt_dir)
    config = TrainConfig.from_dict(saved["train"])
    tasks = saved["tasks"]
    items = heldout_items(config, tasks)
    if not items:
        return {"clips": 0}
    model = RewardModel.load(ckpt_dir)
    records = [r for _, r in items]
    arrays = [
        read_clip_file(root / r.path) for root, r in tqdm(items, desc="held-out clips", disable=not progress)
    ]
    clips = np.stack([a["frames"] for a in arrays])
    instructions = [r.instruction for r in records]
    rewards = model.reward(clips, instructions, batch_size).numpy()
    probs = model.success_probability(clips, instructions, batch_size).numpy()
    labels = np.asarray([r.success for r in records])

    human = ClipDataset(list(config.human), domain="human").records if config.human else []
    all_tasks = sorted(set(tasks) | {r.task for r in human})
    candidates = canonical_instructions(all_tasks, records + human)
    success_rows = np.flatnonzero(labels)
    retrieval = None
    if len(success_rows):
        texts = [candidates[t] for t in all_tasks]
        scores = model.score_matrix(clips[success_rows], texts, batch_size).numpy()
        retrieval = retrieval_accuracy(scores, [all_tasks.index(records[i].task) for i in success_rows])

    dense = [model.dense_rewards(clip, text).numpy() for clip, text in zip(clips, instructions, strict=True)]
    progress_signal = [a.get("progress", np.zeros(len(c))) for a, c in zip(arrays, clips, strict=True)]
    return {
        "clips": len(records),
        "successes": int(labels.sum()),
        "failures": int((~labels).sum()),
        "reward_auc": success_auc(rewards, labels),
        "success_probability_auc": success_auc(probs, labels),
        "reward_auc_per_task": grouped_success_auc(rewards, labels, [r.task for r in records]),
        "reward_auc_per_variant": grouped_success_auc(rewards, labels, [r.variant for r in records]),
        "success_accuracy": float(np.mean((probs > 0.5) == labels)),
        "retrieval_accuracy": retrieval,
        "retrieval_candidates": len(all_tasks),
        "dense_progress_spearman": progress_correlation(dense, progress_signal),
    }
