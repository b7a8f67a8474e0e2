"""DVD (Chen et al. 2021): a discriminator of whether two clips show the same task is the reward.

The paper trains R(d_i, d_j) on human videos and a few robot videos, with pairs of the same task as
positives and of different tasks as negatives, and rewards a robot video by its mean score against
human demonstrations of the desired task. Here the clip encoder is the stage-1 video tower (fine-tuned),
the pair head an MLP; failure clips (robot failures, and human failures where the human data holds
some) are also negatives against success clips of their own task.
The demonstrations (K clips per task, human clips where the task has some, else robot successes) are
stored in the checkpoint as clip features of the trained tower.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from adapt2reward.baselines.config import RobotDataConfig
from adapt2reward.baselines.data import load_data, task_instructions
from adapt2reward.baselines.loop import fit, start_run
from adapt2reward.baselines.reward import BaselineReward, TaskMatcher
from adapt2reward.data.batching import balanced_draw, group_by_task
from adapt2reward.data.clip_bank import ClipBank
from adapt2reward.json_config import check
from adapt2reward.models import Adapt2RewardModel
from adapt2reward.reward.reward_model import Clips
from adapt2reward.training.config import check_positive
from adapt2reward.training.device import training_device
from adapt2reward.training.model_init import trainable_parameters


@dataclass(frozen=True)
class DVDConfig(RobotDataConfig):
    """Human and robot clips (`RobotDataConfig`).

    batch_size: anchor clips per step (each gets one positive and one negative).
    failure_negatives: share of the negatives that are robot failures of the anchor's task (when the task
        has failure clips); the others are clips of another task.
    num_demos: K demonstration clips per task scored against at reward time. hidden: MLP width.
    """

    out: str = "checkpoints/baselines/dvd"
    failure_negatives: float = 0.5
    num_demos: int = 8
    hidden: int = 256

    def __post_init__(self) -> None:
        super().__post_init__()
        check(0.0 <= self.failure_negatives <= 1.0, self, "failure_negatives", "must lie in [0, 1]")
        check_positive(self, "num_demos", "hidden")


class DVDReward(BaselineReward):
    """reward(clip, instruction) = mean_k sigmoid(R(d_k, v)) over the K demos d_k of the instruction's task.

    R(u, v) = MLP([u', v', u' * v']) with u' = sqrt(D) u, v' = sqrt(D) v for normalised clip features u, v
    (entries of size ~1); the first slot holds a success clip of the task (a demo), the second the clip
    judged.
    """

    kind = "dvd"

    def __init__(
        self, model: Adapt2RewardModel, task_instructions: dict[str, list[str]], num_demos: int, hidden: int
    ) -> None:
        super().__init__(model)
        dim = model.config.backbone.embed_dim
        self.task_instructions, self.num_demos, self.hidden = task_instructions, num_demos, hidden
        self.unit_rms = dim**0.5  # normalised features have entries of size ~1/sqrt(D): rescale to ~1
        self.discriminator = nn.Sequential(
            nn.Linear(3 * dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1)
        )
        self.register_buffer("demo_features", torch.zeros(len(task_instructions), num_demos, dim))
        self.matcher = TaskMatcher(task_instructions, model)

    def spec(self) -> dict:
        return {
            "task_instructions": self.task_instructions,
            "num_demos": self.num_demos,
            "hidden": self.hidden,
        }

    def same_task_logit(self, demo: Tensor, clip: Tensor) -> Tensor:
        """Logit (...) that normalised clip features demo (..., D) and clip (..., D) show the same task."""
        demo, clip = demo * self.unit_rms, clip * self.unit_rms
        return self.discriminator(torch.cat([demo, clip, demo * clip], dim=-1))[..., 0]

    @torch.no_grad()
    def reward(self, clips: Clips, instructions: str | Sequence[str]) -> Tensor:
        """Mean same-task probability (B,) in [0, 1] against the demos of each instruction's task."""
        video = self.video(clips)
        tasks = self.matcher(self.instructions(instructions, len(video))).to(self.device)
        features = self.clip_features(video)
        demos = self.demo_features[tasks]  # (B, K, D)
        return torch.sigmoid(self.same_task_logit(demos, features[:, None].expand_as(demos))).mean(-1).cpu()


def train_dvd(
    config: DVDConfig, progress: bool = True, device: str = "cpu", stop_after: int | None = None
) -> Path:
    """Train (or resume) the discriminator (video tower + MLP) into `config.out`; returns that folder.

    Loss over anchors a (success clips, tasks balanced), positives p (another success clip of a's task,
    human or robot) and negatives n (a clip of another task, or a failure of a's task):
        L = mean_a -log sigmoid(R(a, p)) + mean_a -log(1 - sigmoid(R(a, n)))
    """
    device, autocast = training_device(device)
    out, rng, model = start_run(config, device)
    data = load_data(config)
    augment = config.look_augmentation
    success = ClipBank.load(data.human + data.robot_success, model.video, "success", progress, augment)
    failures = data.robot_failure + data.human_failure
    failure = ClipBank.load(failures, model.video, "failure", progress, augment)
    baseline = DVDReward(model, task_instructions(success.records), config.num_demos, config.hidden)
    baseline.to(device)
    tasks = list(baseline.task_instructions)
    if len(tasks) < 2:
        raise ValueError(f"DVD needs clips of at least two tasks for its negatives, got {tasks}")
    groups, failure_groups = group_by_task(success.records), group_by_task(failure.records)

    def encode(bank: ClipBank, idx: np.ndarray) -> Tensor:
        return F.normalize(bank.encode(model.video, idx), dim=-1)

    def loss() -> tuple[Tensor, dict[str, Tensor]]:
        anchors = balanced_draw(groups, config.batch_size, rng)
        anchor_tasks = [success.records[i].task for i in anchors]
        positives = [_other(groups[t], a, rng) for a, t in zip(anchors, anchor_tasks, strict=True)]
        use_failure = np.array(
            [t in failure_groups and rng.random() < config.failure_negatives for t in anchor_tasks], bool
        )
        failures = [
            rng.choice(failure_groups[t]) for t, f in zip(anchor_tasks, use_failure, strict=True) if f
        ]
        others = [
            rng.choice(groups[rng.choice([o for o in tasks if o != t])])
            for t, f in zip(anchor_tasks, use_failure, strict=True)
            if not f
        ]
        a = encode(success, anchors)
        n = torch.empty_like(a)
        mask = torch.from_numpy(use_failure).to(device)
        if failures:
            n[mask] = encode(failure, np.asarray(failures))
        if others:
            n[~mask] = encode(success, np.asarray(others))
        positive = baseline.same_task_logit(a, encode(success, np.asarray(positives)))
        negative = baseline.same_task_logit(a, n)
        pos_loss = F.binary_cross_entropy_with_logits(positive, torch.ones_like(positive))
        neg_loss = F.binary_cross_entropy_with_logits(negative, torch.zeros_like(negative))
        return pos_loss + neg_loss, {"positive": pos_loss, "negative": neg_loss}

    @torch.no_grad()
    def store_demos() -> None:
        for row, task in enumerate(tasks):
            baseline.demo_features[row] = encode(
                success, _demos(success, groups[task], config.num_demos, rng)
            )

    parameters = trainable_parameters(model.video) + list(baseline.discriminator.parameters())
    fit(baseline, loss, parameters, config, rng, progress, autocast, stop_after, store_demos)
    return out


def _other(group: np.ndarray, index: int, rng: np.random.Generator) -> int:
    """A random member of `group` other than `index` (itself when it is alone)."""
    others = group[group != index]
    return int(rng.choice(others)) if len(others) else index


def _demos(bank: ClipBank, group: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """K demos of one task: its human clips when it has some, else its robot successes (repeated if few)."""
    human = np.asarray([i for i in group if bank.records[i].domain == "human"])
    pool = human if len(human) else group
    return rng.choice(pool, size=k, replace=k > len(pool))
