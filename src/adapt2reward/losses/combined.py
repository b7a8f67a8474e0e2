"""The Adapt2Reward objective: weighted sum of CDC, VLC, fVLC and BCE, with switches for ablations."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import Tensor, nn

from adapt2reward.losses.bce import SuccessBCELoss
from adapt2reward.losses.cdc import CrossDomainContrastiveLoss
from adapt2reward.losses.fvlc import FailureVideoLanguageLoss
from adapt2reward.losses.vlc import VideoLanguageContrastiveLoss

PRESETS: dict[str, dict[str, Any]] = {
    "full": {},
    "no-failure": {"failure_prompts": False, "success_bce": False},  # CDC + VLC on success data only
    "bce-only": {"failure_prompts": False},  # failures used only through BCE, no prompts
}


@dataclass
class LossConfig:
    """Weights of the four losses and ablation switches.

    failure_prompts: use fVLC and put the failure texts into the robot VLC denominator.
    success_bce: use the success BCE on robot success and failure clips.
    fvlc_success_negatives: the success texts of the batch are also negatives in fVLC.
    The number of failure modes K is a model setting (`PromptConfig.num_modes`).
    """

    cdc_weight: float = 1.0
    vlc_weight: float = 1.0
    fvlc_weight: float = 1.0
    bce_weight: float = 1.0
    failure_prompts: bool = True
    success_bce: bool = True
    fvlc_success_negatives: bool = True

    def __post_init__(self) -> None:
        for name in ("cdc_weight", "vlc_weight", "fvlc_weight", "bce_weight"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}={getattr(self, name)!r}: must be >= 0")

    @classmethod
    def preset(cls, name: str) -> LossConfig:
        """ "full", "no-failure" (CDC + VLC only) or "bce-only" (CDC + VLC + BCE, no failure prompts)."""
        if name not in PRESETS:
            raise ValueError(f"preset={name!r}: must be one of {sorted(PRESETS)}")
        return cls(**PRESETS[name])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Adapt2RewardLoss(nn.Module):
    """L = w_cdc CDC + w_vlc (VLC_human + VLC_robot)/2 + w_fvlc fVLC + w_bce BCE.

    Task indices (`*_tasks`) index the rows of `task_text_features` (M, D), the texts of the batch's unique
    tasks; `failure_text_features` (M, K, D) and `failure_mode_mask` (M, K) hold the failure-prompt texts
    of the same tasks. Returns the total and a dict of the (unweighted) parts that were computed.
    """

    def __init__(self, config: LossConfig | None = None) -> None:
        super().__init__()
        self.config = config or LossConfig()
        self.cdc = CrossDomainContrastiveLoss()
        self.vlc = VideoLanguageContrastiveLoss()
        self.fvlc = FailureVideoLanguageLoss()
        self.bce = SuccessBCELoss()

    def forward(
        self,
        *,
        logit_scale: Tensor,
        human_features: Tensor,
        human_tasks: Tensor,
        robot_features: Tensor,
        robot_tasks: Tensor,
        task_text_features: Tensor,
        failure_features: Tensor | None = None,
        failure_tasks: Tensor | None = None,
        failure_modes: Tensor | None = None,
        failure_text_features: Tensor | None = None,
        failure_mode_mask: Tensor | None = None,
        success_scale: Tensor | None = None,
        success_bias: Tensor | None = None,
    ) -> tuple[Tensor, dict[str, Tensor]]:
        cfg = self.config
        use_prompts = cfg.failure_prompts and failure_text_features is not None
        parts: dict[str, Tensor] = {}
        parts["cdc"] = self.cdc(human_features, human_tasks, robot_features, robot_tasks, logit_scale)

        failure_negatives = None
        if use_prompts:
            flat = failure_text_features.flatten(0, 1)
            failure_negatives = flat if failure_mode_mask is None else flat[failure_mode_mask.flatten()]
        vlc = [self.vlc(robot_features, robot_tasks, task_text_features, logit_scale, failure_negatives)]
        if len(human_features):
            vlc.append(self.vlc(human_features, human_tasks, task_text_features, logit_scale))
        parts["vlc"] = torch.stack(vlc).mean()

        has_failures = failure_features is not None and len(failure_features) > 0
        if use_prompts and has_failures:
            if failure_modes is None:
                raise ValueError("failure_modes are required when failure prompts are used")
            success_texts = task_text_features if cfg.fvlc_success_negatives else None
            parts["fvlc"] = self.fvlc(
                failure_features,
                failure_tasks,
                failure_modes,
                failure_text_features,
                logit_scale,
                failure_mode_mask,
                success_texts,
            )
        if cfg.success_bce and has_failures:
            if success_scale is None or success_bias is None:
                raise ValueError("success_scale and success_bias (the success head) are required for BCE")
            video = torch.cat([robot_features, failure_features])
            tasks = torch.cat([robot_tasks, failure_tasks])
            success = torch.cat([torch.ones(len(robot_features)), torch.zeros(len(failure_features))])
            parts["bce"] = self.bce(
                video, task_text_features[tasks], success.to(video.device), success_scale, success_bias
            )

        total = sum(getattr(cfg, f"{name}_weight") * value for name, value in parts.items())
        return total, parts
