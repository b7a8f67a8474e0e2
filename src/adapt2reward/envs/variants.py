"""Visual variants: named configurations of how a scene looks (colours, viewpoint, distractors, light).

A variant is data, not a code path: `get_variant("colors+viewpoint")` merges the presets it names, and
the sweep helpers return variants whose names `get_variant` parses back ("viewpoint@az15_el10",
"distractors@3"). Which colours, where the distractors sit, and so on, are drawn from the clip seed
(see `appearance.make_look`), so a (variant, seed) pair always looks the same.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class VariantConfig:
    """How a clip's look departs from the default (`train`) look.

    recolor: new table, floor and object colours, with the wood and floor textures removed.
    azimuth, elevation: camera offsets in degrees; distance: camera distance offset in metres.
    azimuth_spread: a further azimuth offset drawn per clip, uniform in +-spread degrees (180: the scene
        filmed from anywhere around the table, as people film; the human stand-in's "any-view").
    num_distractors: coloured shapes placed on the table away from the task objects.
    relight: light directions and strengths changed.
    """

    name: str = "train"
    recolor: bool = False
    azimuth: float = 0.0
    elevation: float = 0.0
    distance: float = 0.0
    azimuth_spread: float = 0.0
    num_distractors: int = 0
    relight: bool = False

    def __post_init__(self) -> None:
        if self.num_distractors < 0:
            raise ValueError(f"num_distractors must be >= 0, got {self.num_distractors}")
        if not -60.0 <= self.elevation <= 45.0:
            raise ValueError(f"elevation offset must lie in [-60, 45] degrees, got {self.elevation}")
        if not 0.0 <= self.azimuth_spread <= 180.0:
            raise ValueError(f"azimuth_spread must lie in [0, 180] degrees, got {self.azimuth_spread}")


PRESETS: dict[str, VariantConfig] = {
    "train": VariantConfig("train"),
    "colors": VariantConfig("colors", recolor=True),
    "viewpoint": VariantConfig("viewpoint", azimuth=-40.0, elevation=-12.0, distance=0.1),
    "distractors": VariantConfig("distractors", num_distractors=3),
    "lighting": VariantConfig("lighting", relight=True),
    "any-view": VariantConfig("any-view", azimuth_spread=180.0),
}

_VIEWPOINT = re.compile(r"viewpoint@az(-?\d+(?:\.\d+)?)_el(-?\d+(?:\.\d+)?)")
_DISTRACTORS = re.compile(r"distractors@(\d+)")


def _format_number(x: float) -> str:
    return f"{x:g}"


def _parse_part(part: str) -> VariantConfig | None:
    if part in PRESETS:
        return PRESETS[part]
    if m := _VIEWPOINT.fullmatch(part):
        return VariantConfig(part, azimuth=float(m[1]), elevation=float(m[2]))
    if m := _DISTRACTORS.fullmatch(part):
        return VariantConfig(part, num_distractors=int(m[1]))
    return None


def _merge(name: str, parts: Sequence[VariantConfig]) -> VariantConfig:
    return VariantConfig(
        name=name,
        recolor=any(p.recolor for p in parts),
        azimuth=sum(p.azimuth for p in parts),
        elevation=sum(p.elevation for p in parts),
        distance=sum(p.distance for p in parts),
        azimuth_spread=max(p.azimuth_spread for p in parts),
        num_distractors=max(p.num_distractors for p in parts),
        relight=any(p.relight for p in parts),
    )


def get_variant(name: str) -> VariantConfig:
    """Parse a variant name: presets and sweep points joined by '+', e.g. 'colors+distractors@2'."""
    parts = name.split("+")
    configs = [_parse_part(p) for p in parts]
    unknown = [p for p, c in zip(parts, configs, strict=True) if c is None]
    if unknown:
        raise ValueError(
            f"unknown variant part(s) {unknown} in {name!r}; known presets: {', '.join(PRESETS)}, "
            "or 'viewpoint@az<deg>_el<deg>', 'distractors@<n>', joined by '+'"
        )
    return configs[0] if len(configs) == 1 else _merge(name, configs)


def viewpoint_sweep(azimuths: Sequence[float], elevations: Sequence[float] = (0.0,)) -> list[VariantConfig]:
    """One variant per (azimuth, elevation) offset pair, named 'viewpoint@az<a>_el<e>'."""
    return [
        get_variant(f"viewpoint@az{_format_number(a)}_el{_format_number(e)}")
        for a in azimuths
        for e in elevations
    ]


def distractor_sweep(max_distractors: int) -> list[VariantConfig]:
    """Variants with 0..max_distractors distractors, named 'distractors@<n>'."""
    return [get_variant(f"distractors@{n}") for n in range(max_distractors + 1)]
