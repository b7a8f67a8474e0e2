"""Train an encoder look translator on frame-aligned clip pairs (issue #9, lever 13).

`models.encoder_translator` holds the loss. Here the pairs are a robot clip and its copy filmed in the
human look from the same simulator states; a tenth of the clips (by `seed`) is held out to measure the
pair error each epoch:

    robot_relative_error = sum ||g(robot) - f(human)||^2 / sum ||f(robot) - f(human)||^2

(1.0 before training, where the copy g still equals the frozen f; below 1, robot frames read closer to
their twins than they did), and `human_drift` = sum ||g(human) - f(human)||^2 / sum ||f(human)||^2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from tqdm.auto import tqdm

from adapt2reward.json_config import JsonConfig, check
from adapt2reward.models.config import EFFICIENTNET_BLOCKS
from adapt2reward.models.encoder_translator import SharedTrunkPass
from adapt2reward.models.freezing import set_trainable

CHUNK = 512  # frames per no-gradient pass


@dataclass
class EncoderFitConfig(JsonConfig):
    """blocks: the EfficientNet's last blocks copied and trained (of 16); epochs, lr (Adam), batch (frames
    a step), held_out (share of the clip pairs kept aside for the pair error). The defaults are the
    setting first tried in an exploratory script (commit c64fb5b, `encoder_map.json`), chosen on the
    validation bank (docs/evaluation.md)."""

    blocks: int = 4
    epochs: int = 6
    lr: float = 1e-4
    batch: int = 256
    held_out: float = 0.1

    def __post_init__(self) -> None:
        check(
            1 <= self.blocks <= EFFICIENTNET_BLOCKS, self, "blocks", f"must lie in 1..{EFFICIENTNET_BLOCKS}"
        )
        check(self.epochs >= 1, self, "epochs", "must be >= 1")
        check(self.lr > 0, self, "lr", "must be positive")
        check(self.batch >= 1, self, "batch", "must be >= 1")
        check(0 < self.held_out < 1, self, "held_out", "must lie in (0, 1)")


@torch.no_grad()
def _chunked(fn: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    return torch.cat([fn(x[i : i + CHUNK]) for i in range(0, len(x), CHUNK)])


def fit_encoder_translator(
    frame_pass: SharedTrunkPass,
    robot: Tensor,
    human: Tensor,
    config: EncoderFitConfig,
    seed: int = 0,
    progress: bool = True,
) -> list[dict[str, float]]:
    """Train `frame_pass.translator` on uint8 clip pairs `robot`, `human` (N, T, 3, S, S), frame by frame
    aligned; returns the held-out pair errors before training and after each epoch. The translator's
    weights end frozen, its batch-norm statistics unchanged."""
    if robot.shape != human.shape or robot.dim() != 5:
        shapes = f"{tuple(robot.shape)} and {tuple(human.shape)}"
        raise ValueError(f"paired clips must both have shape (N, T, 3, S, S), got {shapes}")
    held = np.zeros(len(robot), bool)
    held[np.random.default_rng(seed).permutation(len(robot))[: round(len(robot) * config.held_out)]] = True
    if held.all() or not held.any():
        raise ValueError(f"{len(robot)} clip pairs are too few to hold out {config.held_out:.0%} of them")
    translator = frame_pass.translator.eval()  # batch-norm statistics stay the ImageNet ones
    robot_in = _chunked(frame_pass.trunk, robot.flatten(0, 1).float())
    human_in = _chunked(frame_pass.trunk, human.flatten(0, 1).float())
    target = _chunked(frame_pass.raw, human_in)  # the frozen features of the human-look twins
    frames_held = torch.as_tensor(np.repeat(held, robot.shape[1]))
    train, test = torch.nonzero(~frames_held).squeeze(1), torch.nonzero(frames_held).squeeze(1)
    robot_raw = _chunked(frame_pass.raw, robot_in[test])

    def pair_error() -> dict[str, float]:
        y = target[test]
        return {
            "robot_relative_error": float(
                (_chunked(translator, robot_in[test]) - y).pow(2).sum() / (robot_raw - y).pow(2).sum()
            ),
            "human_drift": float((_chunked(translator, human_in[test]) - y).pow(2).sum() / y.pow(2).sum()),
        }

    history = [{"epoch": 0, **pair_error()}]
    generator = torch.Generator().manual_seed(seed)
    set_trainable([translator], True)
    optimizer = torch.optim.Adam(translator.parameters(), lr=config.lr)
    steps = -(-len(train) // config.batch)
    bar = tqdm(
        total=config.epochs * steps, desc="training the encoder translator", unit="step", disable=not progress
    )
    for epoch in range(config.epochs):
        order = train[torch.randperm(len(train), generator=generator)]
        for i in range(0, len(order), config.batch):
            b = order[i : i + config.batch]
            robot_loss = F.mse_loss(translator(robot_in[b]), target[b])
            loss = robot_loss + F.mse_loss(translator(human_in[b]), target[b])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            bar.update()
        history.append({"epoch": epoch + 1, **pair_error()})
        bar.set_postfix(epoch=epoch + 1, held_out_error=f"{history[-1]['robot_relative_error']:.3f}")
    bar.close()
    set_trainable([translator], False)
    return history
