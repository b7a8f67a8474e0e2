"""Video tower: frames (B, T, 3, H, W) -> per-frame features (B, T, F) -> clip feature (B, D)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from adapt2reward.models.freezing import FrozenEvalMixin
from adapt2reward.models.inference_runtime import accelerate
from adapt2reward.models.look_translator import LookTranslator, PairedReadings


class VideoEncoder(FrozenEvalMixin):
    """A per-frame encoder followed by a temporal model.

    When the frame encoder is fully frozen (`frame_encoder_frozen`), a training loop may compute
    `encode_frames` once per clip, cache the (T, F) features and train with `forward_from_frame_features`;
    `forward(frames)` equals `read(encode_frames(frames))` (unless the look translator works on pixels).

    `look_translator` (None unless the model has one, see `models.look_translator` and
    `models.encoder_translator`): every video the tower reads is read as robot video and each frame also
    read in the human look (`frame_input_pass`, `read_inputs`).
    """

    def __init__(
        self, frame_encoder: nn.Module, temporal: nn.Module, image_size: int, max_frames: int
    ) -> None:
        super().__init__()
        self.frame_encoder = frame_encoder
        self.temporal = temporal
        self.image_size = image_size
        self.max_frames = max_frames
        self.look_translator: PairedReadings | None = None

    @property
    def feature_dim(self) -> int:
        return self.frame_encoder.feature_dim

    @property
    def frame_encoder_frozen(self) -> bool:
        return not any(p.requires_grad for p in self.frame_encoder.parameters())

    def frozen_frame_pass(self) -> nn.Module:
        """The frame encoder for a pass of frozen weights, in the fast CPU runtime when there is one
        (same features, several times faster: results/speed.json "frame_encoder")."""
        return accelerate(self.frame_encoder)

    def check_frames(self, frames: Tensor) -> None:
        """Raise ValueError unless frames are a uint8/float tensor (B, T<=max_frames, 3, size, size)."""
        if not isinstance(frames, Tensor):
            raise ValueError(f"frames must be a torch.Tensor, got {type(frames).__name__}")
        if not (frames.dtype == torch.uint8 or frames.dtype.is_floating_point):
            raise ValueError(f"frames must be uint8 or floating point (0-255 scale), got {frames.dtype}")
        s = self.image_size
        if frames.dim() != 5 or frames.shape[2] != 3 or tuple(frames.shape[3:]) != (s, s):
            raise ValueError(f"frames must have shape (B, T, 3, {s}, {s}), got {tuple(frames.shape)}")
        if not 0 < frames.shape[1] <= self.max_frames or frames.shape[0] == 0:
            raise ValueError(
                f"frames must hold B>0 clips of 1..{self.max_frames} frames, got shape {tuple(frames.shape)}"
            )

    def encode_frames(self, frames: Tensor) -> Tensor:
        """uint8 or float (0-255) frames (B, T, 3, H, W) -> per-frame features (B, T, F)."""
        return self._per_frame(self.frame_encoder, frames)

    def _per_frame(self, frame_pass: nn.Module, frames: Tensor) -> Tensor:
        """`frame_pass` over every frame of checked frames (B, T, 3, H, W) -> (B, T, ...)."""
        self.check_frames(frames)
        b, t = frames.shape[:2]
        return frame_pass(frames.flatten(0, 1).float()).view(b, t, -1)

    def forward_from_frame_features(self, feats: Tensor) -> Tensor:
        """Per-frame features (B, T, F) -> clip features (B, D), not normalised."""
        t_ok = feats.dim() == 3 and 0 < feats.shape[1] <= self.max_frames
        if not t_ok or feats.shape[-1] != self.feature_dim:
            raise ValueError(
                f"frame features must have shape (B, 1..{self.max_frames}, {self.feature_dim}), "
                f"got {tuple(feats.shape)}"
            )
        return self.temporal(feats)

    def read(self, feats: Tensor, temporal: Callable[[Tensor], Tensor] | None = None) -> Tensor:
        """Per-frame features (B, T, F) -> clip features (B, D), not normalised, by `temporal` (default:
        `forward_from_frame_features`) through the look translator when the tower has one. A translator
        inside the frame encoder needs the pixels (`forward`)."""
        if self.look_translator is None:
            return self.read_inputs(feats, temporal)
        if not isinstance(self.look_translator, LookTranslator):
            raise ValueError(
                "this model translates the look inside its frame encoder: score its video from pixels "
                "(encode_video), not from frame features"
            )
        return self.read_inputs(self.look_translator.pair(feats), temporal)

    def frame_input_pass(self) -> nn.Module:
        """A module: float pixels (N, 3, S, S) on the 0-255 scale -> what `read_inputs` takes per frame,
        the features (N, F), or with a look translator each frame's features beside their translation
        (N, 2F). Frame by frame, so an inference cache holds it per distinct frame."""
        if self.look_translator is None:
            return self.frame_encoder
        return self.look_translator.paired_pass(self.frame_encoder)

    def read_inputs(self, inputs: Tensor, temporal: Callable[[Tensor], Tensor] | None = None) -> Tensor:
        """Per-frame inputs (B, T, F or 2F) of `frame_input_pass` -> clip features (B, D), not normalised."""
        temporal = self.forward_from_frame_features if temporal is None else temporal
        if self.look_translator is None:
            return temporal(inputs)
        return self.look_translator.read_pairs(inputs, temporal)

    def forward(self, frames: Tensor) -> Tensor:
        return self.read_inputs(self._per_frame(self.frame_input_pass(), frames))
