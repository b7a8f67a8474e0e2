"""The concrete look of one clip: camera pose, colours, hidden arm, lights and distractor shapes.

`make_look` turns (domain, variant, seed) into a `Look`; `SceneStyler` applies a look to a MetaWorld
model, restoring the model's own colours and lights first, so one model can serve many clips.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

import numpy as np

from adapt2reward.envs.gl import mujoco
from adapt2reward.envs.variants import VariantConfig

DOMAINS = ("robot", "human")

# Bodies holding the Sawyer arm's link geoms; the hand (`right_hand`, `hand`) and finger pads stay visible.
ARM_BODIES = frozenset(
    {
        "controller_box",
        "pedestal_feet",
        "torso",
        "pedestal",
        "right_arm_base_link",
        "right_l0",
        "right_l1",
        "right_l2",
        "right_l3",
        "right_l4",
        "right_l5",
        "right_l6",
        "right_l1_2",
        "right_l2_2",
        "right_l4_2",
        "head",
        "screen",
    }
)
HAND_BODIES = frozenset({"right_hand", "hand", "rightclaw", "rightpad", "leftclaw", "leftpad"})
TABLE_BODIES = frozenset({"tablelink", "RetainingWall"})
SKIP_BODIES = frozenset({"mocap"})

# Skin tones (sRGB 0-1) the human domain's end effector takes, jittered per clip.
SKIN_TONES = (
    (0.96, 0.80, 0.69),
    (0.89, 0.67, 0.53),
    (0.78, 0.57, 0.42),
    (0.55, 0.38, 0.26),
    (0.37, 0.25, 0.17),
)
# Table colours of the human domain; under the scene's lights they look paler than their values.
HUMAN_TABLES = ((0.62, 0.62, 0.60), (0.50, 0.55, 0.62), (0.68, 0.62, 0.50), (0.45, 0.50, 0.45))
HUMAN_FLOORS = ((0.35, 0.30, 0.28), (0.55, 0.52, 0.48), (0.25, 0.28, 0.35), (0.62, 0.58, 0.50))

# Free-camera poses: (lookat xyz, azimuth deg, elevation deg, distance m).
# Azimuth 0 looks along +x; the arm bends out on the +x side, so the robot view comes from -x
# and the human view (arm hidden) from +x.
ROBOT_CAMERA = ((0.0, 0.72, 0.06), 30.0, -28.0, 1.15)
HUMAN_CAMERA = ((0.0, 0.72, 0.04), 150.0, -38.0, 1.0)

TABLE_TOP_Z = 0.0
DISTRACTOR_AREA = ((-0.38, 0.42), (0.38, 0.92))  # (x, y) low and high corners on the table top
DISTRACTOR_CLEARANCE = 0.2  # from the hand start, the task objects and the goal, in metres
MAX_LIGHTS = 8  # light changes are drawn for this many lights; a model uses the first `nlight`


@dataclass(frozen=True)
class CameraPose:
    """A MuJoCo free camera: it looks at `lookat` from `distance` metres, azimuth and elevation in degrees."""

    lookat: tuple[float, float, float]
    azimuth: float
    elevation: float
    distance: float


@dataclass(frozen=True)
class Distractor:
    """A coloured shape drawn on the table; it is visual only and never touches the physics."""

    geom_type: int
    pos: tuple[float, float, float]
    size: tuple[float, float, float]
    rgba: tuple[float, float, float, float]


@dataclass(frozen=True)
class Look:
    """Everything visual about one clip; None fields keep the model's own colours or lights."""

    camera: CameraPose
    hide_arm: bool = False
    hand_rgb: tuple[float, float, float] | None = None
    table_rgb: tuple[float, float, float] | None = None
    floor_rgb: tuple[float, float, float] | None = None
    object_hue_shift: float | None = None
    light_scale: tuple[float, ...] | None = None
    light_dir_jitter: tuple[tuple[float, float, float], ...] | None = None
    headlight_rgb: tuple[float, float, float] | None = None
    distractors: tuple[Distractor, ...] = ()


def _rgb(rng: np.random.Generator, low: float = 0.1, high: float = 0.95) -> tuple[float, float, float]:
    return tuple(float(x) for x in rng.uniform(low, high, 3))


def _jitter(rng: np.random.Generator, rgb: tuple[float, ...], amount: float) -> tuple[float, float, float]:
    return tuple(float(x) for x in np.clip(np.asarray(rgb) + rng.uniform(-amount, amount, 3), 0.0, 1.0))


def _camera(domain: str, variant: VariantConfig, rng: np.random.Generator) -> CameraPose:
    lookat, az, el, dist = ROBOT_CAMERA if domain == "robot" else HUMAN_CAMERA
    if domain == "human":  # a person films from a slightly different spot every time
        az, el, dist = az + rng.uniform(-10, 10), el + rng.uniform(-6, 6), dist + rng.uniform(-0.06, 0.06)
    if variant.azimuth_spread:  # drawn only here, so the looks of every other variant stay as they were
        az += rng.uniform(-variant.azimuth_spread, variant.azimuth_spread)
    return CameraPose(lookat, az + variant.azimuth, el + variant.elevation, dist + variant.distance)


def _distractors(n: int, avoid: np.ndarray, rng: np.random.Generator) -> tuple[Distractor, ...]:
    placed: list[Distractor] = []
    points = [p[:2] for p in avoid]
    low, high = np.array(DISTRACTOR_AREA[0]), np.array(DISTRACTOR_AREA[1])
    types = (mujoco.mjtGeom.mjGEOM_BOX, mujoco.mjtGeom.mjGEOM_SPHERE, mujoco.mjtGeom.mjGEOM_CYLINDER)
    for _ in range(200 * max(n, 1)):
        if len(placed) == n:
            break
        xy = rng.uniform(low, high)
        if points and min(np.linalg.norm(xy - p) for p in points) < DISTRACTOR_CLEARANCE:
            continue
        geom_type = int(types[rng.integers(len(types))])
        r = float(rng.uniform(0.02, 0.035))
        h = float(rng.uniform(0.02, 0.05)) if geom_type != mujoco.mjtGeom.mjGEOM_SPHERE else r
        hue = rng.uniform()
        rgb = colorsys.hsv_to_rgb(hue, rng.uniform(0.6, 1.0), rng.uniform(0.6, 1.0))
        pos = (float(xy[0]), float(xy[1]), TABLE_TOP_Z + h)
        placed.append(Distractor(geom_type, pos, (r, r, h), (*rgb, 1.0)))
        points.append(xy)
    return tuple(placed)


def check_domain(value: str, name: str = "domain") -> None:
    """Raise a ValueError naming `name` unless `value` is one of `DOMAINS` (a domain, or a look)."""
    if value not in DOMAINS:
        raise ValueError(f"unknown {name} {value!r}; known domains: {', '.join(DOMAINS)}")


def make_look(domain: str, variant: VariantConfig, seed: int, avoid: np.ndarray) -> Look:
    """The look of a clip, drawn deterministically from (domain, variant, seed).

    `avoid` holds (k, 3) points (task objects, goal, hand start) that distractors keep clear of.
    """
    check_domain(domain)
    rng = np.random.default_rng([seed, DOMAINS.index(domain), *variant.name.encode()])
    camera = _camera(domain, variant, rng)
    hand = table = floor = None
    if domain == "human":
        hand = _jitter(rng, SKIN_TONES[rng.integers(len(SKIN_TONES))], 0.04)
        table = _jitter(rng, HUMAN_TABLES[rng.integers(len(HUMAN_TABLES))], 0.05)
        floor = _jitter(rng, HUMAN_FLOORS[rng.integers(len(HUMAN_FLOORS))], 0.05)
    hue_shift = None
    if variant.recolor:
        table, floor, hue_shift = _rgb(rng, 0.2, 0.9), _rgb(rng, 0.1, 0.7), float(rng.uniform(0.15, 0.85))
    scale = jitter = headlight = None
    if variant.relight:
        headlight = tuple(float(v) for v in rng.uniform(0.15, 0.35) * rng.uniform(0.7, 1.3, 3))
        scale = tuple(float(s) for s in rng.uniform(0.4, 2.0, MAX_LIGHTS))
        jitter = tuple(tuple(float(v) for v in rng.uniform(-0.5, 0.5, 3)) for _ in range(MAX_LIGHTS))
    distractors = _distractors(variant.num_distractors, np.asarray(avoid), rng)
    return Look(
        camera, domain == "human", hand, table, floor, hue_shift, scale, jitter, headlight, distractors
    )


def _shift_hue(rgba: np.ndarray, shift: float) -> np.ndarray:
    h, s, v = colorsys.rgb_to_hsv(*rgba[:3])
    return np.array([*colorsys.hsv_to_rgb((h + shift) % 1.0, max(s, 0.35), v), rgba[3]], dtype=np.float32)


class SceneStyler:
    """Applies `Look`s to one MetaWorld model; keeps the model's own colours and lights to restore."""

    def __init__(self, model: mujoco.MjModel) -> None:
        self.model = model
        bodies = [model.body(model.geom_bodyid[g]).name for g in range(model.ngeom)]
        visible = [g for g in range(model.ngeom) if model.geom_rgba[g, 3] > 0 and model.geom_group[g] <= 2]
        self.arm = np.array([g for g in visible if bodies[g] in ARM_BODIES], dtype=int)
        self.hand = np.array([g for g in visible if bodies[g] in HAND_BODIES], dtype=int)
        self.table = np.array([g for g in visible if bodies[g] in TABLE_BODIES], dtype=int)
        self.floor = np.array([g for g in visible if bodies[g] == "world"], dtype=int)
        known = ARM_BODIES | HAND_BODIES | TABLE_BODIES | SKIP_BODIES | {"world"}
        self.objects = np.array([g for g in visible if bodies[g] not in known], dtype=int)
        self._saved = {
            name: getattr(model, name).copy()
            for name in ("geom_rgba", "geom_matid", "light_diffuse", "light_ambient", "light_dir")
        }
        self._headlight = model.vis.headlight.diffuse.copy()

    def restore(self) -> None:
        for name, value in self._saved.items():
            getattr(self.model, name)[:] = value
        self.model.vis.headlight.diffuse[:] = self._headlight

    def _paint(self, geoms: np.ndarray, rgb: tuple[float, float, float]) -> None:
        if len(geoms):
            self.model.geom_matid[geoms] = -1
            self.model.geom_rgba[geoms] = (*rgb, 1.0)

    def apply(self, look: Look) -> None:
        """Restore the model's own look, then apply `look` (everything but camera and distractors)."""
        m = self.model
        self.restore()
        if look.headlight_rgb is not None:
            m.vis.headlight.diffuse[:] = look.headlight_rgb
        if look.hide_arm:
            m.geom_rgba[self.arm, 3] = 0.0  # transparent geoms leave the scene, which also renders faster
        if look.hand_rgb is not None:
            self._paint(self.hand, look.hand_rgb)
        if look.table_rgb is not None:
            self._paint(self.table, look.table_rgb)
        if look.floor_rgb is not None:
            self._paint(self.floor, look.floor_rgb)
        if look.object_hue_shift is not None:
            for g in self.objects:
                mat = m.geom_matid[g]
                rgba = m.mat_rgba[mat] if mat >= 0 else m.geom_rgba[g]
                m.geom_rgba[g] = _shift_hue(rgba, look.object_hue_shift)
                m.geom_matid[g] = -1
        if look.light_scale is not None:
            scale = np.array(look.light_scale[: m.nlight])[:, None]
            m.light_diffuse[:] = np.clip(m.light_diffuse * scale, 0, 1)
            m.light_ambient[:] = 0.1
        if look.light_dir_jitter is not None:
            d = m.light_dir + np.array(look.light_dir_jitter[: m.nlight])
            m.light_dir[:] = d / np.linalg.norm(d, axis=1, keepdims=True)
