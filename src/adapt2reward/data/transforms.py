"""Turn uint8 clips (B, T, H, W, 3) of any length and size into the model's video tensor layout."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F


def frame_indices(length: int, num_frames: int) -> np.ndarray:
    """`num_frames` evenly spaced indices into a sequence of `length` frames, first and last included."""
    return np.linspace(0, length - 1, num_frames).round().astype(int)


def to_video_tensor(clips: Any, num_frames: int, size: int) -> torch.Tensor:
    """uint8 clips (B, T, H, W, 3) -> uint8 tensor (B, num_frames, 3, size, size).

    Clips with another frame count are resampled evenly in time; other sizes are centre-cropped to a
    square and resized. Wrong dtypes and shapes raise ValueError saying what was given.
    """
    if isinstance(clips, np.ndarray):
        clips = torch.from_numpy(np.ascontiguousarray(clips))
    if not isinstance(clips, torch.Tensor):
        raise ValueError(f"clips must be a uint8 numpy array or tensor, got {type(clips).__name__}")
    if clips.dtype != torch.uint8:
        raise ValueError(f"clips must be uint8 pixels in 0..255, got dtype {clips.dtype}")
    if clips.ndim != 5 or clips.shape[-1] != 3:
        raise ValueError(f"clips must have shape (B, T, H, W, 3), got {tuple(clips.shape)}")
    if clips.shape[0] == 0 or clips.shape[1] == 0:
        raise ValueError(f"clips must hold at least one clip of one frame, got {tuple(clips.shape)}")
    if clips.shape[1] != num_frames:
        clips = clips[:, torch.from_numpy(frame_indices(clips.shape[1], num_frames))]
    video = clips.permute(0, 1, 4, 2, 3)  # (B, T, 3, H, W)
    h, w = video.shape[-2:]
    if (h, w) != (size, size):
        side = min(h, w)
        top, left = (h - side) // 2, (w - side) // 2
        video = video[..., top : top + side, left : left + side]
        b, t = video.shape[:2]
        resized = F.interpolate(
            video.reshape(b * t, 3, side, side).float(), size=(size, size), mode="bilinear", antialias=True
        )
        video = resized.round().clamp(0, 255).to(torch.uint8).reshape(b, t, 3, size, size)
    return video.contiguous()
