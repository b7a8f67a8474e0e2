"""An exploratory look translator inside the frame encoder (issue #9; validation bank only).

The last `blocks` MBConv blocks and the head of a copy of the checkpoint's frozen EfficientNet are trained
so that robot frames give the frozen features of their twins filmed in the human look, and human-look
frames keep theirs: min MSE(g(robot), f(human)) + MSE(g(human), f(human)), over the checkpoint's robot
training clips and their copies (`paired_training_clips`, as `a2r translate-look`; 10% of the clips held
out for the pair error). The rest of the model is unchanged; the robot-look candidates of the validation
bank are then read through the trained copy ("encoder map"), and also as the sum with the raw reading.
Not a switch yet: a pointer measured on the bank (docs/evaluation.md).

    python benchmarks/encoder_map.py --out results/x.json --blocks 4 --epochs 6 CHECKPOINT...
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from candidate_bank import mean_episode_auc, mean_of_tasks
from look_maps import record
from torch import Tensor, nn

from adapt2reward.data.transforms import to_video_tensor
from adapt2reward.reward.reward_model import RewardModel
from adapt2reward.training.look_translation import paired_training_clips

PAIRS = ["data/robot-as-human", "data/planner-clips-human-look"]


class EncoderTail(nn.Module):
    """The frozen stem and first blocks of an EfficientNet (`head_in`) and a trainable copy of the rest."""

    def __init__(self, net: nn.Module, blocks: int) -> None:
        super().__init__()
        self.net, self.cut = net.eval(), len(net._blocks) - blocks
        self.blocks = copy.deepcopy(net._blocks[self.cut :])
        self.conv_head, self.bn1 = copy.deepcopy(net._conv_head), copy.deepcopy(net._bn1)
        for p in self.trainable():
            p.requires_grad_(True)
        self.eval()  # batch-norm statistics stay the ImageNet ones; only weights train

    def trainable(self) -> list[nn.Parameter]:
        return [p for m in (self.blocks, self.conv_head, self.bn1) for p in m.parameters()]

    @torch.no_grad()
    def head_in(self, videos: Tensor) -> Tensor:
        """uint8 clips (N, T, 3, S, S) -> activations (N*T, C, h, w) before the trainable blocks."""
        frames, out = videos.flatten(0, 1), []
        for i in range(0, len(frames), 512):
            x = (frames[i : i + 512].float() - 127.0) / 128.0
            x = self.net._swish(self.net._bn0(self.net._conv_stem(x)))
            for block in self.net._blocks[: self.cut]:
                x = block(x)
            out.append(x)
        return torch.cat(out)

    def forward(self, x: Tensor) -> Tensor:
        for block in self.blocks:
            x = block(x)
        return self.net._swish(self.bn1(self.conv_head(x))).mean(dim=(2, 3))

    def chunked(self, x: Tensor) -> Tensor:
        return torch.cat([self(x[i : i + 1024]) for i in range(0, len(x), 1024)])


def encoder_map(checkpoint: str, blocks: int, epochs: int, bank: Path) -> dict[str, Any]:
    started = time.time()
    model = RewardModel.load(checkpoint)
    video = model.model.video
    tail = EncoderTail(video.frame_encoder.net, blocks)
    robot, copies, copy_index = paired_training_clips(checkpoint, PAIRS, video, progress=False)
    robot_in, human_in = tail.head_in(robot.videos), tail.head_in(copies.videos[copy_index])
    target = copies.frame_features[copy_index].flatten(0, 1)  # the frozen features of the human-look twins
    robot_raw = robot.frame_features.flatten(0, 1)
    held = np.zeros(len(robot), bool)
    held[np.random.default_rng(0).permutation(len(robot))[: len(robot) // 10]] = True
    frame_held = torch.as_tensor(np.repeat(held, robot.videos.shape[1]))
    train, test = torch.nonzero(~frame_held).squeeze(1), torch.nonzero(frame_held).squeeze(1)

    @torch.no_grad()
    def pair_error() -> dict[str, float]:
        robot_pred, human_pred = tail.chunked(robot_in[test]), tail.chunked(human_in[test])
        y = target[test]
        return {
            "robot_relative_error": float(((robot_pred - y) ** 2).sum() / ((robot_raw[test] - y) ** 2).sum()),
            "human_drift": float(((human_pred - y) ** 2).sum() / (y**2).sum()),
        }

    optimizer = torch.optim.Adam(tail.trainable(), lr=1e-4)
    for epoch in range(epochs):
        order = train[torch.randperm(len(train))]
        for i in range(0, len(order), 256):
            b = order[i : i + 256]
            loss = F.mse_loss(tail(robot_in[b]), target[b]) + F.mse_loss(tail(human_in[b]), target[b])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(f"  epoch {epoch}: held-out {pair_error()}, {time.time() - started:.0f} s", flush=True)

    rows: dict[str, dict[str, float | None]] = {"raw": {}, "encoder map": {}, "encoder map + raw": {}}
    with torch.no_grad():
        for file in sorted(bank.glob("*.npz")):
            data = np.load(file)
            clips = to_video_tensor(data["clips"], model.num_frames, model.image_size)
            shape = (len(clips), clips.shape[1], -1)
            mapped = tail.chunked(tail.head_in(clips)).view(shape)
            frames = clips.flatten(0, 1).float()
            raw = torch.cat([video.frame_encoder(frames[i : i + 512]) for i in range(0, len(frames), 512)])
            raw = raw.view(shape)
            text = model.text_features([str(data["instruction"])])[0]
            readings = {"raw": F.normalize(video.read(raw), dim=-1)}
            readings["encoder map"] = F.normalize(video.read(mapped), dim=-1)
            readings["encoder map + raw"] = F.normalize(readings["raw"] + readings["encoder map"], dim=-1)
            labels = data["final_success"].astype(int)
            for name, features in readings.items():
                rows[name][file.stem] = mean_episode_auc(labels, (features @ text).numpy(), data["episode"])
    return {
        "blocks": blocks,
        "epochs": epochs,
        "pair_error": pair_error(),
        "rows": {name: {"tasks": t, "mean": mean_of_tasks(t)} for name, t in rows.items()},
        "seconds": round(time.time() - started),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--bank", type=Path, default=Path("data/candidates"))
    parser.add_argument("--blocks", type=int, default=4, help="trainable MBConv blocks (of 16)")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("checkpoints", nargs="+")
    args = parser.parse_args()
    torch.manual_seed(0)
    results: dict[str, Any] = {"bank": str(args.bank), "checkpoints": {}}
    for checkpoint in args.checkpoints:
        result = encoder_map(checkpoint, args.blocks, args.epochs, args.bank)
        record(results, checkpoint, result, args.out)


if __name__ == "__main__":
    main()
