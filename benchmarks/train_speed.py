"""Training steps per second of the default backbone, on this machine's CPU.

Prints the figures and writes the "training" section of `results/speed.json`. Training speed is measured
with the frame encoder frozen and its features cached (the default) and, for comparison, with the last
EfficientNet blocks fine-tuned on raw frames. Reward inference speed: `benchmarks/reward_speed.py`.

    OMP_NUM_THREADS=1 python benchmarks/train_speed.py [--steps 20]
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
from speed_results import record

from adapt2reward.losses.combined import Adapt2RewardLoss
from adapt2reward.models import Adapt2RewardModel, BackboneConfig, ModelConfig, PromptConfig

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    prompts = PromptConfig(tasks=TASKS)
    frozen = Adapt2RewardModel(ModelConfig(prompts=prompts))
    tuned = Adapt2RewardModel(ModelConfig(backbone=BackboneConfig(frame_trainable_blocks=2), prompts=prompts))
    results = {
        "torch_threads": torch.get_num_threads(),
        "train_steps_per_s_frozen_cached": train_steps_per_second(frozen, args.steps, cached=True),
        "train_steps_per_s_finetune_last2_blocks": train_steps_per_second(
            tuned, max(3, args.steps // 4), cached=False
        ),
    }
    record("training", {k: round(v, 3) for k, v in results.items()})
    for key, value in results.items():
        print(f"{key:45s} {value:8.2f}")


if __name__ == "__main__":
    main()
