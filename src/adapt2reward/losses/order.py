"""Time and direction: a success clip outranks its own rewound copy and its earlier prefixes."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn


class OrderRankingLoss(nn.Module):
    """Logistic ranking of clip pairs against their task's text (after ReWiND's rewound clips).

        L = mean_p softplus( s * (<w_p, t_p> - <b_p, t_p>) )
    over pairs p of a better clip b_p and a worse clip w_p of the same task with text t_p, at the logit
    scale s: a success clip against the same frames played backwards (undoing the task), and a later
    prefix of a success clip against an earlier one (the reward follows progress). Features are
    L2-normalised (n, D); `text_features` (n, D) is each pair's task text.
    """

    def forward(self, better: Tensor, worse: Tensor, text_features: Tensor, logit_scale: Tensor) -> Tensor:
        margin = ((worse - better) * text_features).sum(-1)
        return F.softplus(logit_scale * margin).mean()
