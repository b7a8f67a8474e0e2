"""Look augmentation: copies of training clips with another colour cast and a slightly moved camera.

The robot clips of a training run come from one look; the planner is judged in new colours and from a
moved camera. Each augmented copy changes a whole clip the same way in every frame (a look does not
change within a clip): a hue rotation about the grey axis, saturation, brightness and contrast, then a
zoom, rotation and shift of the picture. A copy's draw depends only on (seed, clip id, copy), so the
copies, and the frame features cached for them, are the same in every run.
"""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from dataclasses import asdict, dataclass
from functools import cached_property

import numpy as np
import torch
import torch.nn.functional as F

from adapt2reward.json_config import JsonConfig, check


@dataclass(frozen=True)
class LookAugmentation(JsonConfig):
    """Augmented copies of training clips (`copies` = 0: none, the paper's method).

    copies: augmented copies of each clip of the `domains` listed, beside the clip itself.
    hue: largest hue rotation, degrees. saturation, contrast: largest relative change (0.4: x0.6-x1.4).
    brightness: largest shift, as a share of the pixel range. zoom: largest zoom-in (0.2: up to 1.2x).
    rotate: largest picture rotation, degrees. shift: largest shift, as a share of the picture's side.
    seed: the draws' seed.
    """

    copies: int = 0
    domains: tuple[str, ...] = ("robot",)
    hue: float = 180.0
    saturation: float = 0.4
    brightness: float = 0.15
    contrast: float = 0.3
    zoom: float = 0.2
    rotate: float = 10.0
    shift: float = 0.08
    seed: int = 0

    def __post_init__(self) -> None:
        check(self.copies >= 0, self, "copies", "must be >= 0")
        check(set(self.domains) <= {"robot", "human"}, self, "domains", "must be robot or human")
        check(0.0 <= self.hue <= 180.0, self, "hue", "must lie in [0, 180] degrees")
        for name in ("saturation", "contrast"):
            check(0.0 <= getattr(self, name) < 1.0, self, name, "must lie in [0, 1)")
        check(0.0 <= self.brightness <= 0.5, self, "brightness", "must lie in [0, 0.5]")
        check(0.0 <= self.zoom <= 1.0, self, "zoom", "must lie in [0, 1]")
        check(0.0 <= self.rotate <= 45.0, self, "rotate", "must lie in [0, 45] degrees")
        check(0.0 <= self.shift <= 0.25, self, "shift", "must lie in [0, 0.25]")

    @cached_property
    def digest(self) -> str:
        """What makes a copy's pixels: every field but `copies` and `domains` (more copies add copies)."""
        draw = {k: v for k, v in asdict(self).items() if k not in ("copies", "domains")}
        return hashlib.sha1(json.dumps(draw, sort_keys=True).encode()).hexdigest()[:10]

    def key(self, clip_id: str, copy: int) -> str:
        """The name a copy's features are cached under."""
        return f"{clip_id}~look{copy}-{self.digest}"

    def apply(self, video: torch.Tensor, clip_id: str, copy: int) -> torch.Tensor:
        """Copy `copy` (1-based) of one clip: uint8 (T, 3, S, S) in, uint8 (T, 3, S, S) out."""
        u = np.random.default_rng([self.seed, zlib.crc32(clip_id.encode()), copy]).uniform(-1.0, 1.0, size=8)
        x = video.float() / 255.0
        x = _rotate_hue(x, math.radians(self.hue * u[0]))
        grey = x.mean(dim=1, keepdim=True)
        x = grey + (1.0 + self.saturation * u[1]) * (x - grey)
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        x = mean + (1.0 + self.contrast * u[2]) * (x - mean)
        x = (x + self.brightness * u[3]).clamp(0.0, 1.0)
        x = _move_camera(
            x,
            1.0 + self.zoom * abs(u[4]),
            math.radians(self.rotate * u[5]),
            self.shift * u[6],
            self.shift * u[7],
        )
        return (x * 255.0).round().clamp(0, 255).to(torch.uint8)


def _rotate_hue(x: torch.Tensor, angle: float) -> torch.Tensor:
    """Rotate RGB vectors (T, 3, S, S) by `angle` about the grey axis (1, 1, 1)."""
    c, s = math.cos(angle), math.sin(angle)
    k = (1.0 - c) / 3.0
    r = math.sqrt(1.0 / 3.0) * s
    m = torch.tensor([[c + k, k - r, k + r], [k + r, c + k, k - r], [k - r, k + r, c + k]], dtype=x.dtype)
    return torch.einsum("ij,tjhw->tihw", m, x)


def _move_camera(x: torch.Tensor, zoom: float, angle: float, dx: float, dy: float) -> torch.Tensor:
    """Zoom in, rotate and shift the pictures (T, 3, S, S); the border's pixels fill what comes in."""
    c, s = math.cos(angle) / zoom, math.sin(angle) / zoom
    theta = torch.tensor([[c, -s, 2.0 * dx], [s, c, 2.0 * dy]], dtype=x.dtype).expand(len(x), 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
