"""Multi-view consistency: two views of one episode are the same clip to the video tower."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class ViewConsistencyLoss(nn.Module):
    """Symmetric InfoNCE between the features of two views of the same n episodes (issue #9: lever 8's
    two cameras in stage 1; in stage 2, a robot clip and its copy in the human look).

    For view features a_i, b_i (row i: episode i filmed from two cameras), L2-normalised, logit scale s:
        L = 1/2 * [ CE(s * A B^T, I) + CE(s * B A^T, I) ]
    so each clip must pick its own episode's other view among the batch's, other episodes of the same
    task included: what happened, and when, must outweigh where the camera stood (as in multi-view
    time-contrastive networks).
    """

    def forward(self, first: Tensor, second: Tensor, logit_scale: Tensor) -> Tensor:
        if first.shape != second.shape or first.ndim != 2:
            shapes = f"{tuple(first.shape)} and {tuple(second.shape)}"
            raise ValueError(f"need two (n, D) feature batches of one shape, got {shapes}")
        logits = logit_scale * first @ second.T
        target = torch.arange(len(first), device=first.device)
        return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
