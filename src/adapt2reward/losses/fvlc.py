"""Failure video-language loss (fVLC): failure clips against the failure-prompt texts."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class FailureVideoLanguageLoss(nn.Module):
    """Pull each failure clip to the text of its own failure mode, away from the other modes.

    Failure text features f (n, K, D): task T's instruction with prompt P[T, k]; mask (n, K) marks the
    modes each task uses. Failure clip i of task T_i in mode k_i:
        L = mean_i -log( exp(s <v_i, f[T_i, k_i]>) / (sum_{(T,k) valid} exp(s <v_i, f[T, k]>)
                                                     + sum_m exp(s <v_i, t_m>)) )
    where the last sum over success texts t runs only when `success_text_features` is given.
    """

    def forward(
        self,
        video_features: Tensor,
        tasks: Tensor,
        modes: Tensor,
        failure_text_features: Tensor,
        logit_scale: Tensor,
        mode_mask: Tensor | None = None,
        success_text_features: Tensor | None = None,
    ) -> Tensor:
        n, k, d = failure_text_features.shape
        logits = logit_scale * video_features @ failure_text_features.reshape(n * k, d).T
        if mode_mask is not None:
            logits = logits.masked_fill(~mode_mask.reshape(1, n * k), float("-inf"))
        if success_text_features is not None:
            logits = torch.cat([logits, logit_scale * video_features @ success_text_features.T], dim=1)
        return F.cross_entropy(logits, tasks * k + modes)
