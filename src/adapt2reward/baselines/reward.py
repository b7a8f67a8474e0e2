"""What every trained baseline shares: the backbone, the reward inputs, instruction -> task, save / load."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

import torch
from torch import Tensor, nn

from adapt2reward.data.transforms import to_video_tensor
from adapt2reward.models import Adapt2RewardModel, ModelConfig
from adapt2reward.models.checkpoint import CheckpointError, load_model_weights, read_config, save_model
from adapt2reward.reward.feature_cache import CachedTextEncoder, CachedVideoEncoder
from adapt2reward.reward.protocol import Clips, LearnedReward
from adapt2reward.reward.reward_model import check_instructions

KIND_KEY = "baseline"  # config.json key naming a baseline checkpoint's kind


class TaskMatcher:
    """Instruction -> task index: an exact match among the known instructions, else the task of the
    nearest known instruction by cosine similarity of the text tower's features."""

    def __init__(self, task_instructions: dict[str, list[str]], model: Adapt2RewardModel) -> None:
        self.known = [(text, i) for i, texts in enumerate(task_instructions.values()) for text in texts]
        self.exact = {text: i for text, i in self.known}
        self.model = model
        self._known_features: Tensor | None = None

    @torch.no_grad()
    def __call__(self, instructions: Sequence[str]) -> Tensor:
        """Task indices (B,) long of instructions."""
        unknown = sorted({t for t in instructions if t not in self.exact})
        nearest: dict[str, int] = {}
        if unknown:
            if self._known_features is None:
                self._known_features = self.model.encode_text([text for text, _ in self.known])
            best = (self.model.encode_text(unknown) @ self._known_features.T).argmax(-1).tolist()
            nearest = {text: self.known[j][1] for text, j in zip(unknown, best, strict=True)}
        lookup = self.exact | nearest
        return torch.tensor([lookup[t] for t in instructions])


class BaselineReward(nn.Module, LearnedReward):
    """A baseline reward built on the stage-1 backbone; its `reward` gives the rest of `LearnedReward`.

    Subclasses set `kind`, take `(model, **spec)` in `__init__` and return that `spec` (JSON values) from
    `spec()`; tensors (heads, demo features) live in the state dict, so `save` / `load` round-trip exactly.
    """

    kind: ClassVar[str]

    def __init__(self, model: Adapt2RewardModel) -> None:
        super().__init__()
        self.backbone = model
        backbone = model.config.backbone
        self.num_frames, self.image_size = backbone.num_frames, backbone.image_size
        self.encoder = CachedVideoEncoder(model)
        self.text_features = CachedTextEncoder(model)

    def train(self, mode: bool = True) -> Self:
        """Switch mode; the feature caches are cleared, since training may change the weights."""
        self.encoder.clear()
        self.text_features.clear()
        return super().train(mode)

    @property
    def device(self) -> torch.device:
        return self.backbone.device

    def spec(self) -> dict[str, Any]:
        raise NotImplementedError

    def reward(self, clips: Clips, instructions: str | Sequence[str]) -> Tensor:
        """Reward (B,) float32 of each uint8 clip (B, T, H, W, 3) for its instruction."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "num_frames": self.num_frames, "image_size": self.image_size}

    # Inputs -------------------------------------------------------------------------------------------
    def video(self, clips: Clips) -> Tensor:
        """uint8 clips (B, T, H, W, 3) -> the backbone's video tensor (B, T', 3, S, S); bad input raises."""
        return to_video_tensor(clips, self.num_frames, self.image_size)

    @staticmethod
    def instructions(instructions: str | Sequence[str], n: int) -> list[str]:
        """One non-empty instruction per clip (a single string is repeated)."""
        return check_instructions(instructions, n)

    def clip_features(self, video: Tensor) -> Tensor:
        """Normalised clip features (B, D) of a uint8 video tensor; each distinct frame is encoded once."""
        return self.encoder(video).to(self.device)

    # Checkpoints --------------------------------------------------------------------------------------
    def save(self, ckpt_dir: str | Path, train_config: dict[str, Any] | None = None) -> None:
        """`model.safetensors` (backbone and baseline tensors) + `config.json` (`checkpoint_config`)."""
        save_model(ckpt_dir, self, self.checkpoint_config(train_config))

    def checkpoint_config(self, train_config: dict[str, Any] | None = None) -> dict[str, Any]:
        """What `config.json` holds: kind, model config, spec and the training config if any."""
        config = {KIND_KEY: self.kind, "model": self.backbone.config.to_dict(), "spec": self.spec()}
        return config | ({"train": train_config} if train_config else {})

    @classmethod
    def load(cls, ckpt_dir: str | Path, device: str | torch.device = "cpu") -> Self:
        """Load a checkpoint folder written by `save` (in eval mode, on `device`)."""
        config = read_config(ckpt_dir)
        found = config.get(KIND_KEY)
        if found != cls.kind:
            held = f"a {found!r} baseline" if found else f"no baseline (config.json has no {KIND_KEY!r} key)"
            raise CheckpointError(f"{ckpt_dir} holds {held}, not a {cls.kind!r} baseline")
        try:
            model = Adapt2RewardModel(ModelConfig.from_dict(config["model"]))
            baseline = cls(model, **config["spec"])
        except (KeyError, TypeError, ValueError) as e:
            raise CheckpointError(f"{ckpt_dir}/config.json holds an invalid {cls.kind} config: {e}") from e
        load_model_weights(ckpt_dir, baseline)
        return baseline.to(device).eval()
