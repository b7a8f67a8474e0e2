"""Success binary cross-entropy (BCE) on the video-text match of robot clips."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn


class SuccessBCELoss(nn.Module):
    """Binary cross-entropy of success from the match of each robot clip with its own task's text.

        z_i = a * <v_i, t_i> + b,   L = mean_i -[ y_i log sigmoid(z_i) + (1 - y_i) log(1 - sigmoid(z_i)) ]
    with y_i = 1 for a success and 0 for a failure clip; a, b are the success head's scale and bias.
    """

    def forward(
        self, video_features: Tensor, text_features: Tensor, success: Tensor, scale: Tensor, bias: Tensor
    ) -> Tensor:
        logits = scale * (video_features * text_features).sum(-1) + bias
        return F.binary_cross_entropy_with_logits(logits, success.to(logits.dtype))
