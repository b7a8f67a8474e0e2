"""Cross-domain contrastive loss (CDC) between human and robot (success) clips."""

from __future__ import annotations

import torch
from torch import Tensor, nn


def _anchor_loss(
    anchors: Tensor, anchor_tasks: Tensor, others: Tensor, other_tasks: Tensor, logit_scale: Tensor
) -> Tensor | None:
    log_prob = (logit_scale * anchors @ others.T).log_softmax(dim=1)
    pos = (anchor_tasks[:, None] == other_tasks[None, :]).float()
    n_pos = pos.sum(1)
    has_pos = n_pos > 0
    if not has_pos.any():
        return None
    per_anchor = -(log_prob * pos).sum(1)[has_pos] / n_pos[has_pos]
    return per_anchor.mean()


class CrossDomainContrastiveLoss(nn.Module):
    """Supervised-contrastive loss across domains, with human anchors and with robot anchors.

    For anchor a (domain X) with positives P(a) = clips of the same task in the other domain Y:
        l(a) = -1/|P(a)| * sum_{p in P(a)} log( exp(s <a, y_p>) / sum_{j in Y} exp(s <a, y_j>) )
    L_X = mean of l(a) over anchors of X that have at least one positive;
    L = (L_human + L_robot) / 2 (the mean of those that exist; 0 if neither does).
    s is the logit scale, features are L2-normalised.
    """

    def forward(
        self,
        human_features: Tensor,
        human_tasks: Tensor,
        robot_features: Tensor,
        robot_tasks: Tensor,
        logit_scale: Tensor,
    ) -> Tensor:
        parts = [
            _anchor_loss(human_features, human_tasks, robot_features, robot_tasks, logit_scale),
            _anchor_loss(robot_features, robot_tasks, human_features, human_tasks, logit_scale),
        ]
        parts = [p for p in parts if p is not None]
        if not parts:
            return (human_features.sum() + robot_features.sum()) * 0.0
        return torch.stack(parts).mean()
