"""Encoder look translator (issue #9, lever 13): a trained copy of the frame encoder's last blocks.

The affine map of frozen frame features (`models.look_translator`) reads the new tasks' robot-look
candidates at about the level of lever 12 and far below their human-look twins (docs/evaluation.md,
"What the reward would plan if it saw the human look"): the look is lost before the pooled features.
This translator moves the map inside the frame encoder. Its stem and first 16 - `blocks` MBConv blocks
stay the frozen ones and are shared; a copy g of the last `blocks` blocks and the head is trained
(`training.encoder_translation`) so that robot frames give the frozen features f of their twins filmed
in the human look, and human-look frames keep theirs:

    min_g  ||g(robot) - f(human)||^2 + ||g(human) - f(human)||^2      (mean over frames and features)

Every frame is read as its raw features f(x) beside g(x); `PairedReadings` reads those pairs as the
affine translator's (the translated reading, or with `both_readings` the sum of both). Batch-norm
statistics stay the ImageNet ones: only weights train.
"""

from __future__ import annotations

import copy

import torch
from torch import Tensor, nn

from adapt2reward.models.frame_encoders import EfficientNetFrameEncoder
from adapt2reward.models.look_translator import PairedReadings


def _pooled_tail(
    x: Tensor, blocks: nn.ModuleList, conv_head: nn.Module, bn: nn.Module, activation: nn.Module
) -> Tensor:
    """The last MBConv blocks and the head of an EfficientNet, then the global average pool (N, F)."""
    for block in blocks:
        x = block(x)
    return activation(bn(conv_head(x))).mean(dim=(2, 3))


class EncoderLookTranslator(PairedReadings):
    """A copy of the last `blocks` MBConv blocks and the head of an EfficientNet frame encoder."""

    def __init__(
        self, frame_encoder: EfficientNetFrameEncoder, blocks: int, both_readings: bool = False
    ) -> None:
        super().__init__(both_readings)
        net = frame_encoder.net  # `ModelConfig.look_translator_blocks` bounds `blocks`
        self.cut = len(net._blocks) - blocks
        self.blocks = copy.deepcopy(net._blocks[self.cut :])
        self.conv_head, self.bn1 = copy.deepcopy(net._conv_head), copy.deepcopy(net._bn1)
        self.activation = copy.deepcopy(net._swish)  # ReLU6 in the Lite models

    def forward(self, trunk: Tensor) -> Tensor:
        """Activations after the shared blocks (N, C, h, w) -> translated features (N, F)."""
        return _pooled_tail(trunk, self.blocks, self.conv_head, self.bn1, self.activation)

    def paired_pass(self, frame_encoder: nn.Module) -> nn.Module:
        return SharedTrunkPass(frame_encoder, self)


class SharedTrunkPass(nn.Module):
    """Float pixels (N, 3, S, S) -> raw features beside translated ones (N, 2F), the shared stem and first
    blocks run once. `trunk` alone is what the translator trains on (it never changes)."""

    def __init__(self, frame_encoder: EfficientNetFrameEncoder, translator: EncoderLookTranslator) -> None:
        super().__init__()
        self.net, self.translator = frame_encoder.net, translator

    def trunk(self, pixels: Tensor) -> Tensor:
        net = self.net
        x = net._swish(net._bn0(net._conv_stem(EfficientNetFrameEncoder.normalise(pixels))))
        for block in net._blocks[: self.translator.cut]:
            x = block(x)
        return x

    def raw(self, trunk: Tensor) -> Tensor:
        """The frozen frame encoder's features (N, F) from the shared activations."""
        net = self.net
        return _pooled_tail(trunk, net._blocks[self.translator.cut :], net._conv_head, net._bn1, net._swish)

    def forward(self, pixels: Tensor) -> Tensor:
        trunk = self.trunk(pixels)
        return torch.cat([self.raw(trunk), self.translator(trunk)], dim=-1)
