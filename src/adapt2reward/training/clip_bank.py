"""`ClipBank`: the clips of a training split held in memory, with cached features of a frozen frame encoder.

Small-image clips are cheap to hold (8 x 64 x 64 x 3 bytes each), and loading them once removes file
I/O from the training loop. When the frame encoder is frozen its per-frame features never change, so
they are computed once (and kept on disk beside the checkpoint, for resumes) and the training loop runs
only the temporal model and the text tower.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from adapt2reward.data.clip_io import load_clip
from adapt2reward.data.records import ClipRecord
from adapt2reward.data.transforms import to_video_tensor


class ClipBank:
    """Clips (N, T, 3, S, S) uint8 and their records; `encode(model, idx)` gives clip features (n, D)."""

    def __init__(
        self,
        items: Sequence[tuple[Path, ClipRecord]],
        num_frames: int,
        size: int,
        progress: bool = True,
        desc: str = "loading clips",
    ) -> None:
        self.records = [record for _, record in items]
        videos = [
            to_video_tensor(load_clip(root, record)[None], num_frames, size)[0]
            for root, record in tqdm(items, desc=desc, unit="clip", disable=not progress or not items)
        ]
        self.videos = (
            torch.stack(videos) if videos else torch.zeros(0, num_frames, 3, size, size, dtype=torch.uint8)
        )
        self.frame_features: torch.Tensor | None = None

    @classmethod
    def load(
        cls,
        items: Sequence[tuple[Path, ClipRecord]],
        video_encoder: torch.nn.Module,
        cache_dir: Path | None,
        name: str,
        progress: bool = True,
    ) -> ClipBank:
        """Load clips at the video encoder's frame count and size; with a frozen frame encoder, also cache
        their frame features (kept in `cache_dir/<name>_frame_features.pt` when a folder is given)."""
        bank = cls(
            items, video_encoder.max_frames, video_encoder.image_size, progress, desc=f"loading {name} clips"
        )
        if video_encoder.frame_encoder_frozen and len(bank):
            cache_file = cache_dir / f"{name}_frame_features.pt" if cache_dir is not None else None
            bank.cache_frame_features(video_encoder, cache_file, progress=progress)
        return bank

    def __len__(self) -> int:
        return len(self.records)

    def key(self) -> str:
        """A digest of the clip ids, to tell whether cached features belong to this bank."""
        return hashlib.sha1("\n".join(r.id for r in self.records).encode()).hexdigest()

    @torch.no_grad()
    def cache_frame_features(
        self,
        video_encoder: torch.nn.Module,
        cache_file: Path | None = None,
        batch_size: int = 64,
        progress: bool = True,
    ) -> None:
        """Compute (or read back) per-frame features of a frozen frame encoder for every clip."""
        if cache_file is not None and cache_file.exists():
            cached = torch.load(cache_file, weights_only=True)
            if cached.get("key") == self.key() and cached["features"].shape[0] == len(self):
                self.frame_features = cached["features"]
                return
        was_training = video_encoder.training
        video_encoder.eval()
        chunks = [
            video_encoder.encode_frames(self.videos[i : i + batch_size])
            for i in tqdm(
                range(0, len(self), batch_size),
                desc="caching frame features",
                unit="batch",
                disable=not progress,
            )
        ]
        video_encoder.train(was_training)
        self.frame_features = torch.cat(chunks) if chunks else None
        if cache_file is not None and self.frame_features is not None:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_file.with_name(cache_file.name + ".tmp")
            torch.save({"key": self.key(), "features": self.frame_features}, tmp)
            tmp.replace(cache_file)

    def encode(self, video_encoder: torch.nn.Module, idx: np.ndarray | Sequence[int]) -> torch.Tensor:
        """Clip features (n, D) of the clips at `idx`, from cached frame features when there are some."""
        idx = torch.as_tensor(np.asarray(idx, dtype=np.int64))
        if self.frame_features is not None:
            return video_encoder.forward_from_frame_features(self.frame_features[idx])
        return video_encoder(self.videos[idx])
