"""Feature caches for inference: `CachedVideoEncoder` pays for each distinct frame once,
`CachedTextEncoder` for each distinct instruction once; both bounded (`LRUCache`).

The frame encoder is nearly the whole cost of a reward (EfficientNet-Lite0: ~2.8 ms a 64 px frame on one
core in PyTorch, ~1 ms in ONNX Runtime; the temporal model ~0.5 ms a clip in ONNX Runtime), and the
same frames come back again and again: every CEM candidate starts from the same first frame, the
prefixes of a trajectory share their frames, a clip is scored against many instructions, and a rolling
clip gains one new frame per step. So per-frame features
are kept in an LRU keyed by the frame's pixels (a 128-bit BLAKE2 digest of its bytes), and clip features in
a second LRU keyed by the clip's frame digests. Only frames never seen go through the frame encoder.

Only valid while the weights are fixed: the owner clears the caches when it trains (`clear()`).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from functools import partial
from typing import Generic, TypeVar

import torch
import torch.nn.functional as F
from torch import Tensor

from adapt2reward.models import Adapt2RewardModel
from adapt2reward.models.inference_runtime import accelerate, resolve_runtime

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Frames per frame-encoder call. On the 2-core CPU the frame pass per frame is flat from ~8 to ~32 frames
# and slower beyond (activations leave the cache), see results/speed.json "frame_encoder".
FRAME_BATCH = 32
FRAME_CAPACITY = 8192  # 1280-d float32 features: ~42 MB (twice that with a look translator)
CLIP_CAPACITY = 8192  # 256-d: ~8 MB
TEXT_CAPACITY = 4096  # instructions (a server may see unboundedly many)


class LRUCache(Generic[K, V]):
    """A dict bounded to `capacity` entries that forgets the least recently used one first."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def frame_digests(frames: Tensor) -> list[bytes]:
    """One 16-byte digest per frame of a uint8 tensor (N, ...) (~10 us a 64 px frame)."""
    rows = frames.detach().cpu().contiguous().reshape(len(frames), -1).numpy()
    return [hashlib.blake2b(row.data, digest_size=16).digest() for row in rows]


class CachedVideoEncoder:
    """uint8 video (B, T, 3, S, S) -> normalised clip features (B, D) of `model`, with frame and clip caches.

    runtime: what runs the frame encoder and the temporal model (`models.inference_runtime.RUNTIMES`):
        "auto" takes ONNX Runtime on the CPU (features at cosine > 0.99999, several times faster than
        PyTorch here), PyTorch elsewhere; compiled at first use from the weights then, dropped by `clear()`.
    Counters `frames_encoded` and `frames_seen` tell how much the caches saved. Thread-safe: one lock
    around each call (the server scores from a worker thread).
    """

    def __init__(
        self,
        model: Adapt2RewardModel,
        runtime: str = "auto",
        frame_capacity: int = FRAME_CAPACITY,
        clip_capacity: int = CLIP_CAPACITY,
    ) -> None:
        self.model = model
        resolve_runtime(model.video.frame_encoder, runtime)  # a bad name fails here, not later
        self.runtime = runtime
        self._compiled: tuple[Callable[[Tensor], Tensor], Callable[[Tensor], Tensor]] | None = None
        self.frames: LRUCache[bytes, Tensor] = LRUCache(frame_capacity)
        self.clips: LRUCache[bytes, Tensor] = LRUCache(clip_capacity)
        self.frames_seen = self.frames_encoded = 0
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        # a copy or a pickle starts with empty caches: a lock does not pickle, and features are cheap
        state = dict(self.__dict__, _lock=None, _compiled=None)
        state["frames"] = LRUCache(self.frames.capacity)
        state["clips"] = LRUCache(self.clips.capacity)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _lock=threading.Lock())

    def clear(self) -> None:
        """Forget every cached feature and the compiled modules (call when the weights change)."""
        with self._lock:
            self.frames.clear()
            self.clips.clear()
            self._compiled = None

    def _modules(self) -> tuple[Callable[[Tensor], Tensor], Callable[[Tensor], Tensor]]:
        """(frame input pass, clip reader of its inputs) run by `runtime`, resolved at first use, when the
        model sits on its final device ("auto" is PyTorch off the CPU); snapshots, since `clear()` drops
        them."""
        if self._compiled is None:
            video = self.model.video
            temporal = accelerate(video.temporal, self.runtime, snapshot=True)
            self._compiled = (
                accelerate(video.frame_input_pass(), self.runtime, snapshot=True),
                temporal if video.look_translator is None else partial(video.read_inputs, temporal=temporal),
            )
        return self._compiled

    @property
    def frame_encoder(self) -> Callable[[Tensor], Tensor]:
        """float pixels on the 0-255 scale (N, 3, S, S) -> `VideoEncoder.frame_input_pass` inputs (N, F, or
        2F with a look translator), run by `runtime`."""
        return self._modules()[0]

    @torch.no_grad()
    def frame_features(self, frames: Tensor) -> Tensor:
        """Per-frame features (N, F) of uint8 frames (N, 3, S, S), encoding each unseen frame once."""
        with self._lock:
            inputs = self._frame_inputs(frames, frame_digests(frames))
        return inputs[:, : self.model.video.feature_dim]

    @torch.no_grad()
    def clips_of_frames(self, frames: Tensor, index: Tensor) -> Tensor:
        """Normalised features (B, D) of the clips `frames[index]`, uint8 frames (N, 3, S, S) gathered by an
        index (B, T) (the prefixes of a trajectory); each distinct frame encoded, and translated, once."""
        with self._lock:
            inputs = self._frame_inputs(frames, frame_digests(frames))
        return self._read(inputs[index])

    @torch.no_grad()
    def __call__(self, video: Tensor) -> Tensor:
        """Normalised clip features (B, D) of a uint8 video tensor (B, T, 3, S, S)."""
        b, t = video.shape[:2]
        frames = video.reshape(b * t, *video.shape[2:])
        digests = frame_digests(frames)
        keys = [b"".join(digests[i * t : (i + 1) * t]) for i in range(b)]
        with self._lock:
            found = [self.clips.get(k) for k in keys]
            todo = [i for i, f in enumerate(found) if f is None]
            if todo:
                rows = [i * t + j for i in todo for j in range(t)]
                inputs = self._frame_inputs(frames[rows], [digests[r] for r in rows])
                clip = self._read(inputs.view(len(todo), t, -1))
                for i, feature in zip(todo, clip, strict=True):
                    found[i] = feature
                    self.clips.put(keys[i], feature)
        return torch.stack(found)  # type: ignore[arg-type]

    def _read(self, inputs: Tensor) -> Tensor:
        return F.normalize(self._modules()[1](inputs.to(self.model.device)), dim=-1)

    def _frame_inputs(self, frames: Tensor, digests: list[bytes]) -> Tensor:
        """`VideoEncoder.frame_input_pass` inputs (N, F or 2F) of frames (N, 3, S, S): cached per distinct
        frame, so a translated frame is translated once, not once per clip that holds it."""
        self.frames_seen += len(digests)
        known: dict[bytes, Tensor] = {}
        missing: dict[bytes, int] = {}  # digest -> first row holding that frame
        for i, d in enumerate(digests):
            if d in known or d in missing:
                continue
            feature = self.frames.get(d)
            if feature is None:
                missing[d] = i
            else:
                known[d] = feature
        if missing:
            index = torch.tensor(list(missing.values()))
            device = self.model.device
            new = torch.cat(
                [
                    self.frame_encoder(frames[index[s : s + FRAME_BATCH]].to(device).float())
                    for s in range(0, len(index), FRAME_BATCH)
                ]
            )
            self.frames_encoded += len(index)
            for d, feature in zip(missing, new, strict=True):
                known[d] = feature
                self.frames.put(d, feature)
        return torch.stack([known[d] for d in digests])


class CachedTextEncoder:
    """Instructions -> normalised text features (n, D) of `model`, each distinct string encoded once."""

    def __init__(self, model: Adapt2RewardModel, capacity: int = TEXT_CAPACITY) -> None:
        self.model = model
        self.texts: LRUCache[str, Tensor] = LRUCache(capacity)

    def clear(self) -> None:
        self.texts.clear()

    @torch.no_grad()
    def __call__(self, instructions: Sequence[str]) -> Tensor:
        found = {t: self.texts.get(t) for t in instructions}
        missing = sorted(t for t, feature in found.items() if feature is None)
        if missing:
            for text, feature in zip(missing, self.model.encode_text(missing), strict=True):
                self.texts.put(text, feature)
                found[text] = feature
        return torch.stack([found[t] for t in instructions])  # type: ignore[misc]
