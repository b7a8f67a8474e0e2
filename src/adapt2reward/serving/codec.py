"""The /score wire format: parse and validate a request body, encode clips on the client side.

A request is JSON: `{"clips": [clip, ...], "instructions": [str, ...] | str}`, one instruction per clip
(or one for all). A clip is uint8 RGB frames of shape (T, H, W, 3), sent either as
`{"shape": [T, H, W, 3], "data": "<base64 of the raw C-order bytes>"}` (compact; `encode_clip` makes it)
or as nested lists of integers 0..255. Clips of a request may differ in length and size: each is
resampled to the model's frame count and resized to its image size, as `RewardModel.reward` does.

The base64 form costs about a millisecond a 64x64 8-frame clip to decode; nested lists cost 20-30 times
more (JSON builds a Python int per pixel), so clients that care about latency send `encode_clip`'s form.
Everything a request may hold is bounded by `Limits` before the model sees it, instructions included
(their length is checked here, before any tokenizer runs), and a body that cannot be parsed at all
(malformed, a number too long to convert, nesting too deep) is refused with 400.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from adapt2reward.data.transforms import to_video_tensor


class RequestError(Exception):
    """A request the server refuses: HTTP `status` and a `reason` for the client."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Limits:
    """What one request may hold: clips, frames per clip, frame side in pixels, characters an instruction.

    The model reads only an instruction's first `max_text_tokens` tokens (32 by default); 1,000 characters
    leave room for any sensible wording while keeping the tokenizer's work per request small.
    """

    max_clips: int = 32
    max_frames: int = 512
    max_side: int = 512
    max_instruction_chars: int = 1000


@dataclass(frozen=True)
class ParsedRequest:
    video: torch.Tensor  # uint8 (n, num_frames, size, size, 3), ready for `RewardModel`
    instructions: list[str]


def encode_clip(clip: np.ndarray) -> dict[str, Any]:
    """A uint8 (T, H, W, 3) clip as the compact base64 form of the wire format."""
    clip = np.ascontiguousarray(clip)
    if clip.dtype != np.uint8 or clip.ndim != 4 or clip.shape[-1] != 3:
        raise ValueError(f"a clip must be uint8 (T, H, W, 3), got {clip.dtype} {clip.shape}")
    return {"shape": list(clip.shape), "data": base64.b64encode(clip.tobytes()).decode("ascii")}


def _check_shape(shape: Any, index: int, limits: Limits) -> tuple[int, ...]:
    if (
        not isinstance(shape, list | tuple)
        or len(shape) != 4
        or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in shape)
        or shape[3] != 3
    ):
        raise RequestError(
            422, f"clip {index}: shape must be [T, H, W, 3] of positive integers, got {shape!r}"
        )
    if shape[0] > limits.max_frames or max(shape[1:3]) > limits.max_side:
        raise RequestError(
            413,
            f"clip {index}: shape {list(shape)} exceeds the limits of {limits.max_frames} frames "
            f"and {limits.max_side} pixels a side",
        )
    return tuple(shape)


def _decode_clip(item: Any, index: int, limits: Limits) -> np.ndarray:
    if isinstance(item, dict):
        if set(item) != {"shape", "data"} or not isinstance(item["data"], str):
            raise RequestError(
                422, f"clip {index}: an encoded clip is {{'shape': [T, H, W, 3], 'data': base64}}"
            )
        shape = _check_shape(item["shape"], index, limits)
        try:
            raw = binascii.a2b_base64(item["data"], strict_mode=True)
        except (binascii.Error, ValueError):
            raise RequestError(422, f"clip {index}: 'data' is not valid base64") from None
        if len(raw) != math.prod(shape):
            raise RequestError(422, f"clip {index}: {len(raw)} bytes do not fill shape {list(shape)}")
        return np.frombuffer(raw, np.uint8).reshape(shape).copy()
    if isinstance(item, list):
        try:
            clip = np.asarray(item)
        except ValueError:
            raise RequestError(422, f"clip {index}: nested lists are ragged, not (T, H, W, 3)") from None
        _check_shape(list(clip.shape), index, limits)
        if clip.dtype.kind not in "iu" or clip.min() < 0 or clip.max() > 255:
            raise RequestError(422, f"clip {index}: pixels must be integers in 0..255")
        return clip.astype(np.uint8)
    kind = type(item).__name__
    raise RequestError(422, f"clip {index}: expected an encoded clip object or nested lists, got {kind}")


def _instructions(value: Any, n: int, limits: Limits) -> list[str]:
    if isinstance(value, str):
        value = [value] * n
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise RequestError(422, "'instructions' must be a string or a list of strings")
    if len(value) != n:
        raise RequestError(422, f"got {len(value)} instructions for {n} clips")
    for i, text in enumerate(value):
        if len(text) > limits.max_instruction_chars:
            raise RequestError(
                413,
                f"instruction {i} has {len(text)} characters, over the limit of "
                f"{limits.max_instruction_chars} characters an instruction",
            )
        if not text.strip():
            raise RequestError(422, "every instruction must be non-empty")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate escape: the tokenizer would fail the whole batch
            raise RequestError(422, f"instruction {i} is not valid Unicode text") from None
    return value


def parse_request(body: bytes, num_frames: int, image_size: int, limits: Limits) -> ParsedRequest:
    """Decode and validate a /score body into the model's input; raises `RequestError` with a reason."""
    try:
        payload = json.loads(body)
    except RecursionError:
        raise RequestError(400, "body is not valid JSON: it is nested too deeply") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RequestError(400, f"body is not valid JSON: {e}") from None
    except ValueError:  # an integer longer than Python converts (4,300 digits)
        raise RequestError(400, "body is not valid JSON: it holds a number too long to convert") from None
    if not isinstance(payload, dict) or set(payload) != {"clips", "instructions"}:
        raise RequestError(422, "body must be a JSON object with exactly the keys 'clips' and 'instructions'")
    clips = payload["clips"]
    if not isinstance(clips, list) or not clips:
        raise RequestError(422, "'clips' must be a non-empty list")
    if len(clips) > limits.max_clips:
        raise RequestError(413, f"{len(clips)} clips exceed the limit of {limits.max_clips} per request")
    instructions = _instructions(payload["instructions"], len(clips), limits)
    videos = [
        _model_layout(_decode_clip(item, i, limits), num_frames, image_size) for i, item in enumerate(clips)
    ]
    return ParsedRequest(videos[0][None] if len(videos) == 1 else torch.stack(videos), instructions)


def _model_layout(clip: np.ndarray, num_frames: int, image_size: int) -> torch.Tensor:
    """A (T, H, W, 3) clip as (num_frames, image_size, image_size, 3), resampled and resized like
    `RewardModel` does; a clip of that shape already (the usual case) is used as it is, without a copy."""
    if clip.shape == (num_frames, image_size, image_size, 3):
        return torch.from_numpy(clip)
    return to_video_tensor(clip[None], num_frames, image_size)[0].permute(0, 2, 3, 1).contiguous()
