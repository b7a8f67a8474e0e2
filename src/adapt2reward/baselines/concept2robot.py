"""Concept2Robot (Shao et al. 2020): a video task classifier trained on human clips is the reward.

The paper trains a classifier on Something-Something-v2 and rewards a robot video with the predicted
probability of the desired task's label. Here the classifier is the stage-1 video tower plus a linear
layer over the human tasks; an instruction names its task by an exact match among the human clips'
instructions, else through the nearest of them by text features (`TaskMatcher`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from adapt2reward.baselines.config import BaselineConfig
from adapt2reward.baselines.data import load_data, task_instructions
from adapt2reward.baselines.loop import fit, start_run
from adapt2reward.baselines.reward import BaselineReward, TaskMatcher
from adapt2reward.data.batching import balanced_draw, group_by_task
from adapt2reward.data.clip_bank import ClipBank
from adapt2reward.models import Adapt2RewardModel
from adapt2reward.reward.reward_model import Clips
from adapt2reward.training.device import training_device
from adapt2reward.training.model_init import trainable_parameters


@dataclass(frozen=True)
class Concept2RobotConfig(BaselineConfig):
    """Human clips only (`BaselineConfig`); `batch_size` clips per step, spread evenly over the tasks."""

    out: str = "checkpoints/baselines/concept2robot"


class Concept2RobotReward(BaselineReward):
    """reward(clip, instruction) = softmax(W v + b)[task(instruction)], v the normalised clip feature."""

    kind = "concept2robot"

    def __init__(self, model: Adapt2RewardModel, task_instructions: dict[str, list[str]]) -> None:
        super().__init__(model)
        if len(task_instructions) < 2:
            raise ValueError(f"a task classifier needs at least two tasks, got {list(task_instructions)}")
        self.task_instructions = task_instructions
        self.classifier = nn.Linear(model.config.backbone.embed_dim, len(task_instructions))
        self.matcher = TaskMatcher(task_instructions, model)

    def spec(self) -> dict[str, dict[str, list[str]]]:
        return {"task_instructions": self.task_instructions}

    @torch.no_grad()
    def reward(self, clips: Clips, instructions: str | Sequence[str]) -> Tensor:
        """Predicted probability (B,) in [0, 1] of each instruction's task."""
        video = self.video(clips)
        tasks = self.matcher(self.instructions(instructions, len(video))).to(self.device)
        probs = self.classifier(self.clip_features(video)).softmax(-1)
        return probs.gather(1, tasks[:, None])[:, 0].cpu()


def train_concept2robot(
    config: Concept2RobotConfig, progress: bool = True, device: str = "cpu", stop_after: int | None = None
) -> Path:
    """Train (or resume) the classifier (video tower + linear head) into `config.out`; returns that folder.

    Loss: cross-entropy over the human tasks, L = mean_i -log softmax(W v_i + b)[y_i].
    """
    device, autocast = training_device(device)
    out, rng, model = start_run(config, device)
    data = load_data(config)
    baseline = Concept2RobotReward(model, task_instructions([r for _, r in data.human])).to(device)
    bank = ClipBank.load(data.human, model.video, "human", progress)
    tasks = list(baseline.task_instructions)
    labels = torch.tensor([tasks.index(r.task) for r in bank.records], device=device)
    groups = group_by_task(bank.records)

    def loss() -> tuple[Tensor, dict[str, Tensor]]:
        idx = balanced_draw(groups, config.batch_size, rng)
        features = F.normalize(bank.encode(model.video, idx), dim=-1)
        return F.cross_entropy(baseline.classifier(features), labels[idx]), {}

    parameters = trainable_parameters(model.video) + list(baseline.classifier.parameters())
    fit(baseline, loss, parameters, config, rng, progress, autocast, stop_after)
    return out
