"""Video-language contrastive loss (VLC) within one domain."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class VideoLanguageContrastiveLoss(nn.Module):
    """Symmetric InfoNCE between clips and the unique task texts of the batch (call once per domain).

    Clip i has task label y_i, an index into the M text features t (one row per unique task, so clips of
    the same task share a text). Optional extra negatives e (e.g. the K failure texts of every batch task,
    for robot success clips) enlarge only the video->text denominator:
        L_v2t = mean_i -log( exp(s <v_i, t_{y_i}>) / (sum_m exp(s <v_i, t_m>) + sum_e exp(s <v_i, e>)) )
    Text->video treats the other clips of the same task as neither positive nor negative (masked):
        L_t2v = mean_i -log( exp(s <t_{y_i}, v_i>)
                             / (exp(s <t_{y_i}, v_i>) + sum_{j: y_j != y_i} exp(s <t_{y_i}, v_j>)) )
    L = (L_v2t + L_t2v) / 2.
    """

    def forward(
        self,
        video_features: Tensor,
        labels: Tensor,
        text_features: Tensor,
        logit_scale: Tensor,
        extra_negatives: Tensor | None = None,
    ) -> Tensor:
        columns = text_features if extra_negatives is None else torch.cat([text_features, extra_negatives])
        v2t = F.cross_entropy(logit_scale * video_features @ columns.T, labels)

        # sims[i, j] = s <t_{y_i}, v_j>; drop j != i of the same task, keep the diagonal as the positive
        sims = logit_scale * text_features[labels] @ video_features.T
        same_task = labels[:, None] == labels[None, :]
        eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
        sims = sims.masked_fill(same_task & ~eye, float("-inf"))
        t2v = F.cross_entropy(sims, torch.arange(len(labels), device=labels.device))
        return (v2t + t2v) / 2
