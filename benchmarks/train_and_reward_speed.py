"""Training steps per second and reward throughput of the default backbone, on this machine's CPU.

Prints the figures and writes `results/speed.json`. Training speed is measured with the frame encoder
frozen and its features cached (the default) and, for comparison, with the last EfficientNet blocks
fine-tuned on raw frames. Reward throughput is clips per second at batch 1 and batch 64.

    python benchmarks/train_and_reward_speed.py [--steps 20]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from adapt2reward.losses.combined import Adapt2RewardLoss
from adapt2reward.models import Adapt2RewardModel, BackboneConfig, ModelConfig, PromptConfig
from adapt2reward.reward.reward_model import RewardModel

TASKS = {
    "drawer-close": "close the drawer",
    "faucet-open": "turn the faucet on",
    "button-press": "press the button",
}
TEXTS = ["close the drawer", "turn the faucet on", "press the button", "open the drawer", "push the puck"]


def train_steps_per_second(model: Adapt2RewardModel, steps: int, cached: bool) -> float:
    """Steps/s of a full stage-2 step: 8 human + 8 success + 8 failure clips, 8 frames at 64x64."""
    criterion = Adapt2RewardLoss()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    frames = torch.randint(0, 255, (24, 8, 3, 64, 64), dtype=torch.uint8)
    feats = model.encode_frames(frames).detach() if cached else None
    labels = torch.tensor([0, 1, 2, 3, 4, 0, 1, 2] + [0, 1, 2] * 5 + [0])
    modes = torch.randint(0, 3, (8,))

    def step() -> None:
        video = model.encode_video_from_frame_features(feats) if cached else model.encode_video(frames)
        text = model.encode_text(TEXTS)
        failure_text = F.pad(model.encode_failure_texts(list(TASKS)), (0, 0, 0, 0, 0, 2))
        mask = torch.zeros(5, 3, dtype=torch.bool)
        mask[:3] = True
        total, _ = criterion(
            logit_scale=model.logit_scale(),
            human_features=video[:8],
            human_tasks=labels[:8],
            robot_features=video[8:16],
            robot_tasks=labels[8:16],
            task_text_features=text,
            failure_features=video[16:],
            failure_tasks=labels[16:],
            failure_modes=modes,
            failure_text_features=failure_text,
            failure_mode_mask=mask,
            success_scale=model.success_head.scale,
            success_bias=model.success_head.bias,
        )
        optimizer.zero_grad()
        total.backward()
        optimizer.step()

    step()  # warm-up
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - start)


def reward_clips_per_second(reward_model: RewardModel, batch: int, repeats: int) -> float:
    clips = np.random.default_rng(0).integers(0, 255, (batch, 8, 64, 64, 3), dtype=np.uint8)
    reward_model.reward(clips, "close the drawer")  # warm-up, caches the text feature
    start = time.perf_counter()
    for _ in range(repeats):
        reward_model.reward(clips, "close the drawer")
    return batch * repeats / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--out", type=Path, default=None, help="default: results/speed-<threads>threads.json")
    args = parser.parse_args()
    prompts = PromptConfig(tasks=TASKS)
    frozen = Adapt2RewardModel(ModelConfig(prompts=prompts))
    tuned = Adapt2RewardModel(ModelConfig(backbone=BackboneConfig(frame_trainable_blocks=2), prompts=prompts))
    results = {
        "machine": f"{platform.processor() or platform.machine()}, torch threads {torch.get_num_threads()}",
        "load_average_1min": os.getloadavg()[0],  # other jobs on the 2 cores slow every figure
        "train_steps_per_s_frozen_cached": train_steps_per_second(frozen, args.steps, cached=True),
        "train_steps_per_s_finetune_last2_blocks": train_steps_per_second(
            tuned, max(3, args.steps // 4), cached=False
        ),
        "reward_clips_per_s_batch1": reward_clips_per_second(RewardModel(frozen), 1, 20),
        "reward_clips_per_s_batch64": reward_clips_per_second(RewardModel(frozen), 64, 3),
    }
    for key, value in results.items():
        print(f"{key:45s} {value if isinstance(value, str) else f'{value:8.2f}'}")
    out = args.out or Path(f"results/speed-{torch.get_num_threads()}threads.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
