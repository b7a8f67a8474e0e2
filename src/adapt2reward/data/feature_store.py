"""Per-frame features of a frozen frame encoder, stored with the dataset and shared by every run.

Every training run, baseline and ablation that starts from the same frozen frame encoder sees the same
per-frame features, so they are computed once per dataset and kept in
`DATASET/features/<encoder-digest>.pt` (a dict clip id -> (T, F) tensor). The digest covers the encoder's
weights and the clip shape, so features of a different or fine-tuned encoder never mix. A dataset folder
that cannot be written to is simply not cached.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import torch


def encoder_digest(frame_encoder: torch.nn.Module, num_frames: int, image_size: int) -> str:
    """A short digest of the encoder's weights and the clip shape it is fed."""
    h = hashlib.sha1(f"{type(frame_encoder).__name__}/{num_frames}/{image_size}".encode())
    for name, tensor in sorted(frame_encoder.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


class FeatureStore:
    """The cached features of one dataset folder for one encoder digest."""

    def __init__(self, dataset_dir: Path, digest: str) -> None:
        self.path = Path(dataset_dir) / "features" / f"{digest}.pt"
        self.features: dict[str, torch.Tensor] = (
            torch.load(self.path, weights_only=True) if self.path.is_file() else {}
        )
        self.dirty = False

    def get(self, clip_id: str) -> torch.Tensor | None:
        return self.features.get(clip_id)

    def put(self, clip_id: str, features: torch.Tensor) -> None:
        self.features[clip_id] = features.detach().clone()
        self.dirty = True

    def save(self) -> None:
        """Write the store atomically; warn (and keep going) when the dataset folder is read-only."""
        if not self.dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            torch.save(self.features, tmp)
            os.replace(tmp, self.path)
            self.dirty = False
        except OSError as e:
            warnings.warn(f"frame features not cached in {self.path.parent}: {e}", stacklevel=2)
