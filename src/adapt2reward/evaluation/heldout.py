"""Held-out metrics: how a reward scores robot clips of the training tasks that training never saw.

The held-out clips of a stage-2 checkpoint are the held-out share of its training variants (split by
clip id) and every clip of the other variants in its robot data. Any reward with `.reward(clips,
instructions)` can be measured on them, so Adapt2Reward and the baselines are compared on the same clips:
success-vs-failure ROC AUC of the reward (overall, per task, per variant), of the success probability
where the model has one, instruction retrieval accuracy of success clips among every task's instruction,
and the rank correlation of the reward of growing prefixes with the simulator's progress.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from adapt2reward.data.clip_io import read_clip_file
from adapt2reward.data.dataset import ClipDataset
from adapt2reward.data.records import ClipRecord
from adapt2reward.data.splits import is_heldout
from adapt2reward.data.task_texts import canonical_instructions
from adapt2reward.evaluation.offline_metrics import (
    grouped_success_auc,
    progress_correlation,
    retrieval_accuracy,
    success_auc,
)
from adapt2reward.models.checkpoint import read_config
from adapt2reward.reward.protocol import LearnedReward
from adapt2reward.training.config import TrainConfig

METRICS_FILE = "metrics.json"  # a stage-2 checkpoint's held-out metrics, written by `evaluate_run`


@dataclass(frozen=True)
class HeldoutSet:
    """Held-out clips (N, T, H, W, 3), their records and progress signals, and every task's instruction."""

    clips: np.ndarray
    records: list
    progress: list[np.ndarray]
    candidates: dict[str, str]


def heldout_items(ckpt_dir: str | Path, tasks: Sequence[str] | None = None) -> list[tuple[Path, ClipRecord]]:
    """(dataset folder, record) of the held-out robot clips of a stage-2 checkpoint, of `tasks` (default:
    its training tasks): the held-out share of its training looks by clip id, and every clip of its other
    looks."""
    saved = read_config(ckpt_dir)
    if "train" not in saved or saved.get("stage") == "pretrain":
        raise ValueError(f"{ckpt_dir} is not a stage-2 checkpoint: it has no held-out robot clips")
    config = TrainConfig.from_dict(saved["train"])
    robot = ClipDataset(list(config.robot), domain="robot", task=list(tasks) if tasks else saved["tasks"])
    split = (config.heldout_fraction, config.split_seed)
    return [
        (root, r)
        for root, r in robot.items
        if r.variant not in config.robot_variants or is_heldout(r.id, *split)
    ]


def load_heldout(ckpt_dir: str | Path, progress: bool = True) -> HeldoutSet:
    """The held-out robot clips of a stage-2 checkpoint (see the module docstring)."""
    saved = read_config(ckpt_dir)
    config = TrainConfig.from_dict(saved["train"])
    tasks = saved["tasks"]
    items = heldout_items(ckpt_dir)
    arrays = [
        read_clip_file(root / r.path) for root, r in tqdm(items, desc="held-out clips", disable=not progress)
    ]
    records = [r for _, r in items]
    human = ClipDataset(list(config.human), domain="human", task=list(config.human_tasks) or None).records
    all_tasks = sorted(set(tasks) | {r.task for r in human})
    return HeldoutSet(
        clips=np.stack([a["frames"] for a in arrays]) if arrays else np.zeros((0, 1, 1, 1, 3), np.uint8),
        records=records,
        progress=[a.get("progress", np.zeros(len(a["frames"]))) for a in arrays],
        candidates=canonical_instructions(all_tasks, records + human),
    )


def prefix_rewards(model: LearnedReward, clip: np.ndarray, instruction: str) -> np.ndarray:
    """Reward of every prefix of a clip."""
    return torch.as_tensor(model.dense_rewards(clip, instruction)).numpy()


def _chunks(n: int, desc: str, progress: bool, size: int = 64) -> Iterator[slice]:
    """Slices of `size` rows over n rows, with a progress bar in clips."""
    with tqdm(total=n, desc=desc, unit="clip", disable=not progress) as bar:
        for start in range(0, n, size):
            yield slice(start, start + size)
            bar.update(min(size, n - start))


def paired_scores(
    model: LearnedReward, clips: np.ndarray, instructions: list[str], progress: bool
) -> list[np.ndarray]:
    """[rewards] or [rewards, success probabilities] (N,) of paired clips and instructions."""
    parts = []
    for rows in _chunks(len(clips), "scoring", progress):
        out = model.scores(clips[rows], instructions[rows])
        parts.append([torch.as_tensor(o).numpy() for o in out])
    return [np.concatenate(column) for column in zip(*parts, strict=True)]


def instruction_scores(
    model: LearnedReward, clips: np.ndarray, texts: list[str], progress: bool
) -> np.ndarray:
    """Rewards (N, n) of every clip for every text."""
    rows = [
        model.score_matrix(clips[chunk], texts).numpy()
        for chunk in _chunks(len(clips), "retrieval", progress)
    ]
    return np.concatenate(rows)


def evaluate_rewards(model: LearnedReward, heldout: HeldoutSet, progress: bool = True) -> dict[str, Any]:
    """Every held-out metric of one reward model on a held-out set (progress bars while it scores)."""
    if not heldout.records:
        return {"clips": 0}
    records, clips = heldout.records, heldout.clips
    instructions = [r.instruction for r in records]
    labels = np.asarray([r.success for r in records])
    scored = paired_scores(model, clips, instructions, progress)
    rewards = scored[0]
    metrics: dict[str, Any] = {
        "clips": len(records),
        "successes": int(labels.sum()),
        "failures": int((~labels).sum()),
        "reward_auc": success_auc(rewards, labels),
        "reward_auc_per_task": grouped_success_auc(rewards, labels, [r.task for r in records]),
        "reward_auc_per_variant": grouped_success_auc(rewards, labels, [r.variant for r in records]),
    }
    if len(scored) == 2:
        probs = scored[1]
        metrics["success_probability_auc"] = success_auc(probs, labels)
        metrics["success_accuracy"] = float(np.mean((probs > 0.5) == labels))
    success_rows = np.flatnonzero(labels)
    tasks = list(heldout.candidates)
    if len(success_rows):
        texts = [heldout.candidates[t] for t in tasks]
        scores = instruction_scores(model, clips[success_rows], texts, progress)
        metrics["retrieval_accuracy"] = retrieval_accuracy(
            scores, [tasks.index(records[i].task) for i in success_rows]
        )
    metrics["retrieval_candidates"] = len(tasks)
    pairs = tqdm(
        zip(clips, instructions, strict=True),
        total=len(clips),
        desc="dense rewards",
        unit="clip",
        disable=not progress,
    )
    dense = [prefix_rewards(model, clip, text) for clip, text in pairs]
    metrics["dense_progress_spearman"] = progress_correlation(dense, heldout.progress)
    return metrics


def evaluate_checkpoint(ckpt_dir: str | Path, progress: bool = True) -> dict[str, Any]:
    """Metrics of the checkpoint in `ckpt_dir` on its own held-out robot clips."""
    from adapt2reward.reward.reward_model import RewardModel

    return evaluate_rewards(RewardModel.load(ckpt_dir), load_heldout(ckpt_dir, progress), progress)


def evaluate_run(ckpt_dir: str | Path, progress: bool = True) -> dict[str, Any]:
    """`evaluate_checkpoint`, also written beside the checkpoint as `metrics.json`."""
    metrics = evaluate_checkpoint(ckpt_dir, progress)
    (Path(ckpt_dir) / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


def compare_offline(
    models: Mapping[str, LearnedReward], ckpt_dir: str | Path, progress: bool = True
) -> dict[str, Any]:
    """Held-out metrics of several reward models on the held-out clips of one stage-2 checkpoint."""
    heldout = load_heldout(ckpt_dir, progress)
    return {name: evaluate_rewards(model, heldout, progress) for name, model in models.items()}
