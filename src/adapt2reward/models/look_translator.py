"""Look translator: a robot video's per-frame features -> the features of the same frames in the human look.

The adapted model ranks the planner's candidates of a new task well when they are filmed in the human look
and near chance when the very same candidates are filmed in the robot look (docs/evaluation.md, "Levers 9
and 10"). The translator lets the temporal model read robot video partly as a human stand-in's:

    T(f) = (f - μ_robot) W + μ_human,   W = (X^T X + λ I)^{-1} X^T Y      (ridge regression)
    f' = (1 - α) f + α T(f)                                              (strength α in (0, 1])

fitted on frame-aligned pairs: robot training clips and their copies filmed in the human look from the
same simulator states (`a2r second-view --domain robot --look human`, `a2r record-planner --look human`),
X and Y their centred frame features. Held as one affine map f' = f A + b; fitted once, never trained by
gradients, and only valid for the frozen frame encoder whose features it was fitted on.

With `both_readings` (lever 12) a clip is read twice, as it is and translated, and its feature is the sum
of the two normalised readings, v = n(g(f)) + n(g(f')) for the temporal model g: the score of an
instruction is then the mean of the two readings' scores (up to the final normalisation). The translated
reading carries the new tasks (known only in the human look); the raw one keeps the new looks, which the
map, fitted in the training looks, reads worse.

`PairedReadings` is what every look translator shares: a frame pass that gives each frame beside its
translation, and the readings of those pairs. `models.encoder_translator` is the other translator, a
trained copy of the frame encoder's last blocks (lever 13).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def check_fit_settings(ridge: float, strength: float) -> None:
    """Raise ValueError unless ridge > 0 and strength lies in (0, 1]."""
    if ridge <= 0:
        raise ValueError(f"ridge must be positive, got {ridge}")
    if not 0 < strength <= 1:
        raise ValueError(f"strength must lie in (0, 1], got {strength}")


class PairedReadings(nn.Module):
    """A look translator's common part: each frame beside its translation, and how clips of such pairs are
    read (the translated reading, or with `both_readings` the sum of the raw and translated readings)."""

    def __init__(self, both_readings: bool = False) -> None:
        super().__init__()
        self.both_readings = both_readings

    def paired_pass(self, frame_encoder: nn.Module) -> nn.Module:
        """A module: float pixels (N, 3, S, S) -> each frame's features beside their translation (N, 2F)."""
        raise NotImplementedError

    def read_pairs(self, pairs: Tensor, temporal: Callable[[Tensor], Tensor]) -> Tensor:
        """Clip features (B, D) of per-frame pairs (B, T, 2F) by `temporal`: the translated reading, or
        with `both_readings` the sum of the normalised raw and translated readings."""
        features, translated = pairs.chunk(2, dim=-1)
        reading = temporal(translated)
        if not self.both_readings:
            return reading
        return F.normalize(temporal(features), dim=-1) + F.normalize(reading, dim=-1)


class _EncodeThenPair(nn.Module):
    """Frame encoder, then each frame's features beside their translation by an affine translator."""

    def __init__(self, frame_encoder: nn.Module, translator: LookTranslator) -> None:
        super().__init__()
        self.frame_encoder, self.translator = frame_encoder, translator

    def forward(self, pixels: Tensor) -> Tensor:
        return self.translator.pair(self.frame_encoder(pixels))


class LookTranslator(PairedReadings):
    """An affine map of per-frame features (..., F) -> (..., F), held in buffers (saved, not trained)."""

    def __init__(self, dim: int, both_readings: bool = False) -> None:
        super().__init__(both_readings)
        self.register_buffer("weight", torch.eye(dim))
        self.register_buffer("bias", torch.zeros(dim))

    @torch.no_grad()
    def fit(self, robot: Tensor, human: Tensor, ridge: float, strength: float = 1.0) -> LookTranslator:
        """Fit on paired frame features (N, F) of the same frames in the two looks; returns self."""
        dim = self.weight.shape[0]
        if robot.shape != human.shape or robot.dim() != 2 or robot.shape[1] != dim:
            raise ValueError(
                f"paired frame features must both have shape (N, {dim}), "
                f"got {tuple(robot.shape)} and {tuple(human.shape)}"
            )
        check_fit_settings(ridge, strength)
        x, y = robot.double(), human.double()
        mean_in, mean_out = x.mean(0), y.mean(0)
        x, y = x - mean_in, y - mean_out
        eye = torch.eye(dim, dtype=torch.double)
        w = torch.linalg.solve(x.T @ x + ridge * eye, x.T @ y)
        self.weight.copy_(((1 - strength) * eye + strength * w).float())
        self.bias.copy_((strength * (mean_out - mean_in @ w)).float())
        return self

    def forward(self, features: Tensor) -> Tensor:
        return features @ self.weight + self.bias

    def pair(self, features: Tensor) -> Tensor:
        """Per-frame features (..., F) -> (..., 2F), each frame as it is beside its translation: what
        `read_pairs` reads. Per frame, so a cache may hold it per distinct frame."""
        return torch.cat([features, self(features)], dim=-1)

    def paired_pass(self, frame_encoder: nn.Module) -> nn.Module:
        return _EncodeThenPair(frame_encoder, self)
