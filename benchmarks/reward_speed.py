"""Reward inference speed: the frame encoder alone vs the whole reward, dense rewards, and the Gym wrapper.

All figures in one run, on the default backbone (untrained weights: speed does not depend on them):
- the frame encoder alone and the whole reward, clips/s at batch 1, 4 and 32 clips of 8 distinct frames
  (no cache hits: fresh clips every call), and the share of the frame-encoder-only throughput the
  reward keeps at each batch;
- the same with the cache at work: 32 clips that share their first frame (CEM candidates), scored
  against 3 instructions;
- dense rewards: prefixes/s of a 120-frame trajectory;
- `LearnedRewardWrapper`: ms a step over the bare env (frames every 4 steps, whole-episode clip),
  with the feature cache (each new frame encoded once) and without it (the whole clip re-encoded at
  every frame, as before the cache).
Writes the "reward" section of results/speed.json.

    OMP_NUM_THREADS=1 python benchmarks/reward_speed.py [--runtime torch]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import torch
from speed_results import record

from adapt2reward.models import Adapt2RewardModel, ModelConfig
from adapt2reward.reward.feature_cache import FRAME_BATCH
from adapt2reward.reward.reward_model import RewardModel

RNG = np.random.default_rng(0)


def clips(n: int, t: int = 8) -> np.ndarray:
    return RNG.integers(0, 256, (n, t, 64, 64, 3), dtype=np.uint8)


def per_call(fn: Callable[[], object], seconds: float = 3.0) -> float:
    """Mean seconds per call of `fn`, repeated for about `seconds` after a warm-up call."""
    fn()
    calls, start = 0, time.perf_counter()
    while calls < 3 or time.perf_counter() - start < seconds:
        fn()
        calls += 1
    return (time.perf_counter() - start) / calls


def alone_and_reward_clips_per_s(model: RewardModel, batch: int, rounds: int = 7) -> tuple[float, float]:
    """Clips/s of the frame encoder alone (on `batch` clips' frames, in the reward's chunks of
    FRAME_BATCH) and of the whole reward, timed in alternating rounds; medians over rounds, so that
    other load on the machine hits both alike."""
    encoder = model.encoder.frame_encoder
    pixels = torch.from_numpy(clips(1, 8 * batch)[0]).permute(0, 3, 1, 2).float()

    def encode() -> None:
        with torch.no_grad():
            for start in range(0, len(pixels), FRAME_BATCH):
                encoder(pixels[start : start + FRAME_BATCH])

    alone, whole = [], []
    for _ in range(rounds):
        alone.append(batch / per_call(encode, 0.5))
        whole.append(batch / per_call(lambda: model.reward(clips(batch), "close the drawer"), 0.5))
    return float(np.median(alone)), float(np.median(whole))


def candidates_clips_per_s(model: RewardModel) -> float:
    """32 CEM-like candidates sharing their first frame, each scored for 3 instructions."""

    def score() -> None:
        batch = clips(32)
        batch[:, 0] = batch[0, 0]
        for text in ("close the drawer", "open the drawer", "press the button"):
            model.reward(batch, text)

    return 32 / per_call(score)


def dense_prefixes_per_s(model: RewardModel, frames: int = 120) -> float:
    return frames / per_call(lambda: model.dense_rewards(clips(1, frames)[0], "close the drawer"))


def wrapper_ms_per_step(model: RewardModel | None, steps: int = 200) -> float:
    """Mean ms of a wrapped (or, with model None, bare) env step over `steps` random actions."""
    from adapt2reward.envs import LearnedRewardWrapper
    from adapt2reward.envs.gym_env import make_env

    env = make_env("drawer-close", render_size=64)
    if model is not None:
        env = LearnedRewardWrapper(env, model, "close the drawer", frame_every=4)
    env.reset(seed=0)
    env.action_space.seed(0)
    start = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
    return 1000 * (time.perf_counter() - start) / steps


class Uncached(RewardModel):
    """The reward as it was before the feature cache: every clip's every frame through the encoder."""

    def video_features(self, clips: np.ndarray) -> torch.Tensor:
        self.encoder.frames.clear()
        self.encoder.clips.clear()
        return super().video_features(clips)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    torch.manual_seed(0)
    network = Adapt2RewardModel(ModelConfig())
    model = RewardModel(network)
    batches = (1, 4, 32)
    measured = {b: alone_and_reward_clips_per_s(model, b) for b in batches}
    alone, rates = ({b: m[i] for b, m in measured.items()} for i in (0, 1))
    bare = wrapper_ms_per_step(None)
    cached = wrapper_ms_per_step(model)
    uncached = wrapper_ms_per_step(Uncached(network))
    figures = {
        "torch_threads": torch.get_num_threads(),
        "frame_runtime": type(model.encoder.frame_encoder).__name__,
        "frame_encoder_only_clips_per_s": {str(b): round(r, 2) for b, r in alone.items()},
        "frame_encoder_ms_per_frame": {str(b): round(1000 / (8 * r), 3) for b, r in alone.items()},
        "reward_clips_per_s": {str(b): round(r, 2) for b, r in rates.items()},
        "reward_share_of_frame_encoder_throughput": {str(b): round(rates[b] / alone[b], 3) for b in batches},
        "cem_candidates_3_instructions_clips_per_s": round(candidates_clips_per_s(model), 2),
        "dense_reward_prefixes_per_s_120_frames": round(dense_prefixes_per_s(model), 1),
        "wrapper_ms_per_step": {
            "bare_env": round(bare, 2),
            "wrapped_cached": round(cached, 2),
            "wrapped_uncached": round(uncached, 2),
            "added_by_wrapper_cached": round(cached - bare, 2),
            "added_by_wrapper_uncached": round(uncached - bare, 2),
        },
    }
    record("reward", figures)
    for key, value in figures.items():
        print(f"{key:45s} {value}")


if __name__ == "__main__":
    main()
