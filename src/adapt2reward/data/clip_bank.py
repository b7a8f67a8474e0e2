"""`ClipBank`: the clips of a training split held in memory, with cached features of a frozen frame encoder.

Small-image clips are cheap to hold (8 x 64 x 64 x 3 bytes each), and loading them once removes file
I/O from the training loop. When the frame encoder is frozen its per-frame features never change, so
they are computed once (and kept with the dataset, see `feature_store`) and the training loop runs
only the temporal model and the text tower.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from adapt2reward.data.clip_io import load_clip
from adapt2reward.data.feature_store import FeatureStore, encoder_digest
from adapt2reward.data.look_augmentation import LookAugmentation
from adapt2reward.data.records import ClipRecord
from adapt2reward.data.transforms import to_video_tensor


class ClipBank:
    """Clips (N, T, 3, S, S) uint8 and their records; `encode(model, idx)` gives clip features (n, D).

    With a `LookAugmentation` of `copies` > 0, each clip of its domains is followed by that many augmented
    copies, each an entry of its own (the same record, so the same task and label) whose frame features
    are cached under `keys[i]`.
    """

    def __init__(
        self,
        items: Sequence[tuple[Path, ClipRecord]],
        num_frames: int,
        size: int,
        progress: bool = True,
        desc: str = "loading clips",
        augment: LookAugmentation | None = None,
    ) -> None:
        self.records: list[ClipRecord] = []
        self.roots: list[Path] = []
        self.keys: list[str] = []
        videos = []
        for root, record in tqdm(items, desc=desc, unit="clip", disable=not progress or not items):
            video = to_video_tensor(load_clip(root, record)[None], num_frames, size)[0]
            copies = augment.copies if augment is not None and record.domain in augment.domains else 0
            for copy in range(copies + 1):
                videos.append(augment.apply(video, record.id, copy) if copy else video)
                self.keys.append(augment.key(record.id, copy) if copy else record.id)
                self.records.append(record)
                self.roots.append(Path(root))
        self.videos = (
            torch.stack(videos) if videos else torch.zeros(0, num_frames, 3, size, size, dtype=torch.uint8)
        )
        self.frame_features: torch.Tensor | None = None

    @classmethod
    def load(
        cls,
        items: Sequence[tuple[Path, ClipRecord]],
        video_encoder: torch.nn.Module,
        name: str,
        progress: bool = True,
        augment: LookAugmentation | None = None,
    ) -> ClipBank:
        """Load clips at the video encoder's frame count and size (with `augment`'s copies); with a frozen
        frame encoder, also attach their per-frame features (from each dataset's feature store, computed
        where missing)."""
        bank = cls(
            items,
            video_encoder.max_frames,
            video_encoder.image_size,
            progress,
            desc=f"loading {name} clips",
            augment=augment,
        )
        if video_encoder.frame_encoder_frozen and len(bank):
            bank.attach_frame_features(video_encoder, progress=progress)
        return bank

    def __len__(self) -> int:
        return len(self.records)

    @torch.no_grad()
    def attach_frame_features(
        self,
        video_encoder: torch.nn.Module,
        batch_size: int = 4,  # clips: 32 frames a frame pass, where it is fastest per frame on the CPU
        progress: bool = True,
    ) -> None:
        """Per-frame features of every clip, read from the datasets' feature stores or computed and stored."""
        digest = encoder_digest(
            video_encoder.frame_encoder, video_encoder.max_frames, video_encoder.image_size
        )
        roots = self.roots
        stores = {root: FeatureStore(root, digest) for root in sorted(set(roots))}
        cached = [stores[root].get(key) for root, key in zip(roots, self.keys, strict=True)]
        missing = [i for i, f in enumerate(cached) if f is None]
        was_training = video_encoder.training
        video_encoder.eval()
        frame_pass = video_encoder.frozen_frame_pass() if missing else None
        for start in tqdm(
            range(0, len(missing), batch_size),
            desc="caching frame features",
            unit="batch",
            disable=not progress,
        ):
            idx = missing[start : start + batch_size]
            frames = self.videos[idx]
            pixels = frames.flatten(0, 1).to(_device(video_encoder)).float()
            encoded = frame_pass(pixels).view(*frames.shape[:2], -1).cpu()
            for i, features in zip(idx, encoded, strict=True):
                cached[i] = features
                stores[roots[i]].put(self.keys[i], features)
        video_encoder.train(was_training)
        for store in stores.values():
            store.save()
        self.frame_features = torch.stack(cached)

    def encode(
        self,
        video_encoder: torch.nn.Module,
        idx: np.ndarray | Sequence[int],
        time: np.ndarray | None = None,
    ) -> torch.Tensor:
        """Clip features (n, D) of the clips at `idx`, from cached frame features when there are some.

        time: (n, T) frame indices that reorder or repeat each clip's frames first (a rewound clip, a
        prefix resampled to T frames); None keeps the clips as they are.
        """
        idx = torch.as_tensor(np.asarray(idx, dtype=np.int64))
        device = _device(video_encoder)
        clips = self.frame_features[idx] if self.frame_features is not None else self.videos[idx]
        if time is not None:
            clips = clips[torch.arange(len(idx))[:, None], torch.as_tensor(time, dtype=torch.long)]
        if self.frame_features is not None:
            return video_encoder.forward_from_frame_features(clips.to(device))
        return video_encoder(clips.to(device))


def _device(module: torch.nn.Module) -> torch.device:
    """Where a module's weights live: the bank's clips stay on the CPU and go there a batch at a time."""
    return next(module.parameters()).device
