"""LIV (Ma et al. 2023): language-image value learning; the reward is the frame-instruction similarity.

LIV trains an image encoder phi and a text encoder psi so that S(phi(o), g) = cos(phi(o), g) is a
goal-conditioned value (VIP's temporal objective, with goals given as the last frame of a trajectory or as
its language), plus an InfoNCE between goal frames and language. Here phi is the stage-1 video tower on a
one-frame clip and psi the stage-1 text tower; trajectories are the 8-frame human and robot success clips.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from adapt2reward.baselines.config import RobotDataConfig
from adapt2reward.baselines.data import load_data
from adapt2reward.baselines.loop import fit, start_run
from adapt2reward.baselines.reward import BaselineReward
from adapt2reward.data.batching import balanced_draw, group_by_task
from adapt2reward.data.clip_bank import ClipBank
from adapt2reward.data.task_texts import task_text_columns
from adapt2reward.json_config import check, fail
from adapt2reward.losses.vlc import VideoLanguageContrastiveLoss
from adapt2reward.models import Adapt2RewardModel
from adapt2reward.reward.reward_model import Clips
from adapt2reward.training.device import training_device
from adapt2reward.training.model_init import trainable_parameters


@dataclass(frozen=True)
class LIVConfig(RobotDataConfig):
    """Human and robot success clips as trajectories (`RobotDataConfig`); `batch_size` per step.

    gamma: VIP's discount. image_weight, language_weight, contrastive_weight: the three terms of the loss
    (LIV's pre-training uses 1, 1, 1).
    """

    out: str = "checkpoints/baselines/liv"
    gamma: float = 0.98
    image_weight: float = 1.0
    language_weight: float = 1.0
    contrastive_weight: float = 1.0

    def __post_init__(self) -> None:
        super().__post_init__()
        check(0.0 < self.gamma < 1.0, self, "gamma", "must lie in (0, 1)")
        weights = (self.image_weight, self.language_weight, self.contrastive_weight)
        for name in ("image_weight", "language_weight", "contrastive_weight"):
            check(getattr(self, name) >= 0, self, name, "must be >= 0")
        if max(weights) == 0:
            fail(self, "image_weight, language_weight and contrastive_weight must not all be 0")


class VIPLoss(nn.Module):
    """VIP's value objective with V(o; g) = cos(phi(o), g) / (1 - gamma) and reward r = -1 per step:

        L = (1 - gamma) mean_i[-V(o_0; g_i)] + log mean_i exp(V(o_t; g_i) - r - gamma V(o_{t+1}; g_i))

    for trajectories i with first frame o_0, a step (o_t, o_{t+1}) with t < T - 1, and goal g_i (the
    feature of the last frame, or of the instruction). Inputs: normalised features (B, D).
    """

    def __init__(self, gamma: float) -> None:
        super().__init__()
        self.gamma = gamma

    def forward(self, initial: Tensor, current: Tensor, following: Tensor, goal: Tensor) -> Tensor:
        def value(x: Tensor) -> Tensor:
            return (x * goal).sum(-1) / (1 - self.gamma)

        td = value(current) + 1.0 - self.gamma * value(following)
        return (1 - self.gamma) * -value(initial).mean() + torch.logsumexp(td, 0) - math.log(len(td))


class LIVReward(BaselineReward):
    """reward(clip, instruction) = cos(phi(last frame), psi(instruction)), in [-1, 1]."""

    kind = "liv"

    def spec(self) -> dict:
        return {}

    @torch.no_grad()
    def reward(self, clips: Clips, instructions: str | Sequence[str]) -> Tensor:
        """Cosine similarity (B,) of each clip's last frame with its instruction."""
        last = self.video(clips)[:, -1:]
        text = self.text_features(self.instructions(instructions, len(last)))
        return (self.clip_features(last) * text).sum(-1).cpu()


def _frame_features(model: Adapt2RewardModel, bank: ClipBank, clip: np.ndarray, frame: np.ndarray) -> Tensor:
    """phi of single frames: normalised features (n, D) of frame `frame[j]` of clip `clip[j]` of the bank."""
    if bank.frame_features is not None:
        return model.encode_video_from_frame_features(bank.frame_features[clip, frame][:, None])
    return model.encode_video(bank.videos[clip, frame][:, None])


def train_liv(
    config: LIVConfig, progress: bool = True, device: str = "cpu", stop_after: int | None = None
) -> Path:
    """Train (or resume) the video and text towers with LIV's objective into `config.out`; returns that
    folder.

        L = w_img VIP(g = phi(o_T)) + w_lang VIP(g = psi(l)) + w_nce InfoNCE(phi(o_T), psi(l))

    with the InfoNCE the project's symmetric VLC loss (one text per task of the batch, learned scale).
    """
    device, autocast = training_device(device)
    out, rng, model = start_run(config, device)
    data = load_data(config)
    bank = ClipBank.load(
        data.human + data.robot_success, model.video, "trajectories", progress, config.look_augmentation
    )
    groups = group_by_task(bank.records)
    last = model.config.backbone.num_frames - 1
    vip, nce = VIPLoss(config.gamma), VideoLanguageContrastiveLoss()

    def loss() -> tuple[Tensor, dict[str, Tensor]]:
        idx = balanced_draw(groups, config.batch_size, rng)
        n = len(idx)
        t = rng.integers(0, last, size=n)
        frames = np.concatenate([np.zeros(n, int), np.full(n, last), t, t + 1])
        initial, goal, current, following = _frame_features(model, bank, np.tile(idx, 4), frames).split(n)
        _, texts, labels = task_text_columns([bank.records[i] for i in idx], rng)
        labels = torch.from_numpy(labels).to(device)
        text = model.encode_text(texts)
        parts = {
            "vip_image": vip(initial, current, following, goal),
            "vip_language": vip(initial, current, following, text[labels]),
            "infonce": nce(goal, labels, text, model.logit_scale()),
        }
        weights = (config.image_weight, config.language_weight, config.contrastive_weight)
        return sum(w * part for w, part in zip(weights, parts.values(), strict=True)), parts

    parameters = (
        trainable_parameters(model.video) + trainable_parameters(model.text) + [model.log_logit_scale]
    )
    fit(LIVReward(model), loss, parameters, config, rng, progress, autocast, stop_after)
    return out
