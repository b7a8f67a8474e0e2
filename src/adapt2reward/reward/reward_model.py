"""`RewardModel`: score `(video, instruction)` pairs with a trained checkpoint, without gradients.

The reward is the cosine similarity of the clip's and the instruction's features (the paper's reward),
or a relative score against reference instructions when the checkpoint or caller says so
(`adapt2reward.reward.scoring`). `success_probability` passes the cosine through the learned success
head. `dense_rewards` scores every prefix of a trajectory, for planning and RL. Every distinct frame
is encoded once and reused by every clip, prefix and instruction that holds it
(`CachedVideoEncoder`); instruction features are cached too.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from adapt2reward.data.transforms import frame_indices, to_video_tensor
from adapt2reward.models import Adapt2RewardModel, ModelConfig
from adapt2reward.models.checkpoint import CheckpointError, load_model_weights, read_config
from adapt2reward.reward.ensemble import ENSEMBLE_KEY
from adapt2reward.reward.feature_cache import CachedTextEncoder, CachedVideoEncoder
from adapt2reward.reward.protocol import Clips
from adapt2reward.reward.scoring import Scorer, ScoringConfig


class RewardModel:
    """A trained Adapt2Reward model behind a reward API (CPU by default; `device` to move it).

    runtime: what runs the video tower, "auto" (ONNX Runtime on the CPU), "torch", "onnxruntime" or
        "openvino" (see `adapt2reward.models.inference_runtime`).
    scoring: how the reward is read from the features; the paper's cosine when None.
    """

    def __init__(
        self,
        model: Adapt2RewardModel,
        device: str | torch.device = "cpu",
        runtime: str = "auto",
        scoring: ScoringConfig | None = None,
    ) -> None:
        self.model = model.to(device).eval()
        self.device = torch.device(device)
        backbone = model.config.backbone
        self.num_frames, self.image_size = backbone.num_frames, backbone.image_size
        self.encoder = CachedVideoEncoder(self.model, runtime)
        self.text_features = CachedTextEncoder(self.model)  # instructions -> normalised features (n, D)
        self.scoring = scoring or ScoringConfig()
        self.scorer = Scorer(self.scoring, self.text_features, float(self.model.logit_scale().detach()))

    @classmethod
    def load(
        cls,
        ckpt_dir: str | Path,
        device: str | torch.device = "cpu",
        runtime: str = "auto",
        scoring: ScoringConfig | None = None,
    ) -> RewardModel:
        """Load a checkpoint folder written by `a2r pretrain` or `a2r train`.

        The reward is scored as `scoring` says, else as the checkpoint's config.json records under
        "scoring", else by the paper's cosine.
        """
        config = read_config(ckpt_dir)
        if ENSEMBLE_KEY in config:
            raise CheckpointError(
                f"{ckpt_dir} is a reward ensemble (`a2r ensemble`), not one model: `a2r eval` and "
                "`a2r bench` score it, or load it with adapt2reward.baselines.load_reward"
            )
        if "model" not in config:
            raise CheckpointError(
                f"{ckpt_dir}/config.json has no 'model' section: not an adapt2reward checkpoint"
            )
        try:
            model_config = ModelConfig.from_dict(config["model"])
        except (TypeError, ValueError) as e:
            raise CheckpointError(f"{ckpt_dir}/config.json holds an invalid model config: {e}") from e
        scoring = scoring or scoring_from_config(config, f"{ckpt_dir}/config.json")
        model = Adapt2RewardModel(model_config)
        load_model_weights(ckpt_dir, model)
        return cls(model, device, runtime, scoring)

    def save_pretrained(
        self,
        out: str | Path,
        checkpoint: str | Path | None = None,
        bench: str | Path | None = None,
        bench_method: str | None = None,
    ) -> Path:
        """Write the Hugging Face layout with a model card (see `adapt2reward.reward.pretrained`)."""
        from adapt2reward.reward.pretrained import save_pretrained

        return save_pretrained(self, out, checkpoint, bench, bench_method)

    @classmethod
    def from_pretrained(cls, folder: str | Path, device: str | torch.device = "cpu") -> RewardModel:
        """Load a folder written by `save_pretrained`; needs no training config."""
        from adapt2reward.reward.pretrained import from_pretrained

        return from_pretrained(folder, device)

    # Inputs -------------------------------------------------------------------------------------------
    def video_features(self, clips: Clips) -> torch.Tensor:
        """Normalised features (B, D) of uint8 clips (B, T, H, W, 3)."""
        return self.encoder(to_video_tensor(clips, self.num_frames, self.image_size))

    # Scores -------------------------------------------------------------------------------------------
    @torch.no_grad()
    def scores(self, clips: Clips, instructions: str | Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """(reward, success probability), each (B,), from one encoding of the clips."""
        video = self.video_features(clips)
        instructions = check_instructions(instructions, len(video))
        reward = self.scorer(video, instructions)
        text = self.text_features(instructions)
        return reward.cpu(), torch.sigmoid(self.model.success_logit(video, text)).cpu()

    def reward(self, clips: Clips, instructions: str | Sequence[str]) -> torch.Tensor:
        """Reward (B,) of each clip (B, T, H, W, 3) uint8 with its instruction (cosine by default)."""
        return self.scores(clips, instructions)[0]

    def success_probability(self, clips: Clips, instructions: str | Sequence[str]) -> torch.Tensor:
        """Probability (B,) that each clip shows its instruction done, from the learned success head."""
        return self.scores(clips, instructions)[1]

    @torch.no_grad()
    def score_matrix(self, clips: Clips, instructions: Sequence[str]) -> torch.Tensor:
        """Rewards (B, n) of every clip against every instruction (for retrieval)."""
        video = self.video_features(clips)
        return self.scorer.matrix(video, check_instructions(instructions, len(instructions))).cpu()

    @torch.no_grad()
    def dense_rewards(self, trajectory: Clips, instruction: str, min_frames: int = 1) -> torch.Tensor:
        """Reward (N,) of every prefix `trajectory[: t + 1]` of a trajectory of N frames (N, H, W, 3).

        Each prefix is resampled to the model's frame count. Every frame is encoded once by the frame
        encoder (frames seen before not at all); only the temporal model runs per prefix. Prefixes
        shorter than `min_frames` get the reward of the first longer one.
        """
        if trajectory.ndim != 4:
            raise ValueError(f"a trajectory must have shape (N, H, W, 3), got {tuple(trajectory.shape)}")
        frames = to_video_tensor(trajectory[:, None], 1, self.image_size)[:, 0]  # (N, 3, S, S)
        n = frames.shape[0]
        lengths = np.maximum(np.arange(1, n + 1), min(min_frames, n))
        index = torch.from_numpy(np.stack([frame_indices(k, self.num_frames) for k in lengths]))
        video = self.encoder.clips_of_frames(frames, index)
        return self.scorer(video, check_instructions(instruction, n)).cpu()

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "adapt2reward",
            "num_frames": self.num_frames,
            "image_size": self.image_size,
            "tasks": self.model.task_names,
        }


def scoring_from_config(config: dict[str, Any], where: str) -> ScoringConfig | None:
    """The "scoring" section of a checkpoint's config (None when it has none: the paper's cosine)."""
    if "scoring" not in config:
        return None
    try:
        return ScoringConfig.from_dict(config["scoring"])
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{where}: invalid 'scoring' section: {e}") from e


def check_instructions(instructions: str | Sequence[str], n: int) -> list[str]:
    """`n` instructions as a list (one string is repeated); an empty one or a wrong count is a ValueError."""
    if isinstance(instructions, str):
        instructions = [instructions] * n
    instructions = list(instructions)
    if len(instructions) != n:
        raise ValueError(f"got {len(instructions)} instructions for {n} clips")
    for i, text in enumerate(instructions):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"instruction {i} is empty: every clip needs a non-empty instruction")
    return instructions
