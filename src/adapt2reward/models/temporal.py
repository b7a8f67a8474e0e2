"""Temporal models: per-frame features (B, T, F) -> one clip feature (B, D)."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class TemporalTransformer(nn.Module):
    """Linear(F->W) + learned position embedding -> pre-norm transformer -> CLS or mean pool -> Linear(W->D).

    `inputs` chooses what the transformer reads of frame t: "features" (f_t), "features+change" (f_t and,
    through a second Linear, f_t - f_0) or "change" (f_0 for the first frame, f_t - f_0 for the others).
    A change since the first frame is what the scene did; a static look (colours, distractors) mostly
    cancels out of it.
    Clips may hold fewer frames than `max_frames` (the first positions are used).
    """

    def __init__(
        self,
        in_dim: int,
        out_dim: int,
        max_frames: int,
        depth: int,
        heads: int,
        width: int,
        pool: str = "cls",
        dropout: float = 0.1,
        inputs: str = "features",
    ) -> None:
        super().__init__()
        self.pool = pool
        self.max_frames = max_frames
        self.in_proj = nn.Linear(in_dim, width)
        self.inputs = inputs
        self.change_proj = nn.Linear(in_dim, width) if inputs == "features+change" else None
        self.pos = nn.Parameter(torch.randn(max_frames, width) * 0.02)
        self.cls = nn.Parameter(torch.zeros(width)) if pool == "cls" else None
        layer = nn.TransformerEncoderLayer(
            width,
            heads,
            dim_feedforward=4 * width,
            dropout=dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.blocks = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)
        self.out_proj = nn.Linear(width, out_dim)

    def forward(self, feats: Tensor) -> Tensor:
        if self.inputs == "features":
            x = self.in_proj(feats)
        else:
            change = feats - feats[:, :1]
            if self.inputs == "change":
                x = self.in_proj(torch.cat([feats[:, :1], change[:, 1:]], dim=1))
            else:
                x = self.in_proj(feats) + self.change_proj(change)
        x = x + self.pos[: feats.shape[1]]
        if self.cls is not None:
            x = torch.cat([self.cls.expand(x.shape[0], 1, -1), x], dim=1)
        x = self.norm(self.blocks(x))
        return self.out_proj(x[:, 0] if self.cls is not None else x.mean(dim=1))


class MeanPool(nn.Module):
    """Mean over frames, then a projection (a new Linear(F->D), or a given one such as CLIP's)."""

    def __init__(self, in_dim: int, out_dim: int, proj: nn.Module | None = None) -> None:
        super().__init__()
        self.proj = proj if proj is not None else nn.Linear(in_dim, out_dim)

    def forward(self, feats: Tensor) -> Tensor:
        return self.proj(feats.mean(dim=1))
