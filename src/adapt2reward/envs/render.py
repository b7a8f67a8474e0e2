"""Offscreen rendering: one GL context per process, one MuJoCo render context at a time.

A second live GL context rendered garbage under OSMesa, so the process keeps a single one; the MuJoCo
render context (`MjrContext`: meshes, textures, offscreen framebuffer) is rebuilt (~0.3 s) only when the
model, or the render detail, changes: record clips grouped by task. Shadows, reflections, skybox and haze
are switched off before every render (59 ms -> 14 ms per 64x64 robot frame). The free camera is upright
by construction.

Render detail (`A2R_RENDER_DETAIL`, read at every frame, or the `detail` argument):
- `low` (default): the Sawyer's meshes decimated to 10% of their faces, a coarser floor grid and built-in
  cylinders and spheres with fewer slices (`render_model.low_poly_model`), drawn from a copy of the model
  while the scene is still read from the physics model and data. Measured in one run
  (benchmarks/render.py, CPU ms per 64 px frame): robot 9.7 -> 3.1, human look 4.8 -> 1.6; mean absolute
  pixel difference to `full` 0.79 / 255 (robot) and 0.13 (human). Frames above LOW_DETAIL_MAX_SIZE use
  the full meshes.
- `full`: the model's own meshes, pixel-identical to the `mujoco.Renderer` used before.

Measured and left as they were: lights (1 instead of 4 saves nothing: the cost is per triangle, not per
light), 4x MSAA (off halves the time but aliases every edge, 1.8-2.8 / 255), `LP_NUM_THREADS` (no change),
scene update and readback (~0.06 ms together).
"""

from __future__ import annotations

import atexit
import importlib
import os
from dataclasses import dataclass

import numpy as np

from adapt2reward.envs.appearance import CameraPose, Distractor
from adapt2reward.envs.gl import mujoco
from adapt2reward.envs.render_model import low_poly_model

DETAIL_ENV = "A2R_RENDER_DETAIL"
DETAILS = ("low", "full")
DEFAULT_DETAIL = "low"
MAX_GEOM = 10000
GL_SIZE = 64  # the GL context's own buffer; frames are drawn into MuJoCo's offscreen framebuffer
LOW_DETAIL_MAX_SIZE = 128  # larger frames get the full meshes: at 256 px the decimated facets show

_OFF_FLAGS = (
    mujoco.mjtRndFlag.mjRND_SHADOW,
    mujoco.mjtRndFlag.mjRND_REFLECTION,
    mujoco.mjtRndFlag.mjRND_SKYBOX,
    mujoco.mjtRndFlag.mjRND_HAZE,
)


def _scene_option() -> mujoco.MjvOption:
    option = mujoco.MjvOption()
    option.sitegroup[:] = 0  # goal markers and other sites would give the answer away
    return option


_OPTION = _scene_option()


def render_detail(detail: str | None = None) -> str:
    """`detail` if given, else `$A2R_RENDER_DETAIL`, else 'low'; checked against DETAILS."""
    detail = detail or os.environ.get(DETAIL_ENV) or DEFAULT_DETAIL
    if detail not in DETAILS:
        raise ValueError(f"unknown render detail {detail!r}; known: {', '.join(DETAILS)}")
    return detail


@dataclass
class _RenderContext:
    """The MuJoCo render context of one (model, detail) and the scene drawn with it."""

    model: mujoco.MjModel
    detail: str
    mjr: mujoco.MjrContext
    scene: mujoco.MjvScene


_gl: mujoco.GLContext | None = None
_context: _RenderContext | None = None


def _new_gl_context() -> mujoco.GLContext:
    """A GL context of the backend `$MUJOCO_GL` names now: `mujoco.GLContext` was fixed when mujoco was
    imported, which is GLFW (failing without a display) if a script imported mujoco before this package."""
    backend = os.environ.get("MUJOCO_GL", "").lower()
    if backend in ("osmesa", "egl"):
        return importlib.import_module(f"mujoco.{backend}").GLContext(GL_SIZE, GL_SIZE)
    return mujoco.GLContext(GL_SIZE, GL_SIZE)


def _render_context(model: mujoco.MjModel, detail: str) -> _RenderContext:
    """The process's render context for `model` at `detail`, with the GL context current."""
    global _gl, _context
    if _gl is None:
        _gl = _new_gl_context()
    _gl.make_current()
    if _context is None or _context.model is not model or _context.detail != detail:
        if _context is not None:
            _context.mjr.free()
        drawn = low_poly_model(model) if detail == "low" else model
        mjr = mujoco.MjrContext(drawn, mujoco.mjtFontScale.mjFONTSCALE_150.value)
        _context = _RenderContext(model, detail, mjr, mujoco.MjvScene(model, maxgeom=MAX_GEOM))
    mujoco.mjr_setBuffer(mujoco.mjtFramebuffer.mjFB_OFFSCREEN.value, _context.mjr)
    return _context


@atexit.register
def close_renderer() -> None:
    """Free the render context and the GL context (the next frame makes new ones)."""
    global _gl, _context
    if _context is not None and _gl is not None:
        _gl.make_current()
        _context.mjr.free()
    if _gl is not None:
        _gl.free()
    _gl = _context = None


def _free_camera(pose: CameraPose) -> mujoco.MjvCamera:
    camera = mujoco.MjvCamera()
    camera.type = mujoco.mjtCamera.mjCAMERA_FREE
    camera.lookat[:] = pose.lookat
    camera.azimuth, camera.elevation, camera.distance = pose.azimuth, pose.elevation, pose.distance
    return camera


def _add_distractors(scene: mujoco.MjvScene, distractors: tuple[Distractor, ...]) -> None:
    if scene.ngeom + len(distractors) > scene.maxgeom:
        raise RuntimeError(f"scene is full ({scene.maxgeom} geoms) for {len(distractors)} distractors")
    for d in distractors:
        mujoco.mjv_initGeom(
            scene.geoms[scene.ngeom],
            d.geom_type,
            np.asarray(d.size),
            np.asarray(d.pos),
            np.eye(3).ravel(),
            np.asarray(d.rgba, dtype=np.float32),
        )
        scene.ngeom += 1


def render_frame(
    model: mujoco.MjModel,
    data: mujoco.MjData,
    camera: CameraPose,
    distractors: tuple[Distractor, ...] = (),
    size: int = 64,
    detail: str | None = None,
    option: mujoco.MjvOption | None = None,
) -> np.ndarray:
    """Render the current state as a uint8 (size, size, 3) image, upright.

    detail: 'low' or 'full' (see the module); None reads `$A2R_RENDER_DETAIL` (default 'low'). Frames
        larger than LOW_DETAIL_MAX_SIZE are drawn at 'full'.
    option: what to draw; None draws every geom group and no sites.
    """
    buffer = model.vis.global_
    if size > min(buffer.offwidth, buffer.offheight):
        raise ValueError(f"size {size} exceeds the offscreen buffer {buffer.offwidth}x{buffer.offheight}")
    detail = render_detail(detail)
    context = _render_context(model, "full" if size > LOW_DETAIL_MAX_SIZE else detail)
    scene = context.scene
    mujoco.mjv_updateScene(
        model, data, option or _OPTION, None, _free_camera(camera), mujoco.mjtCatBit.mjCAT_ALL.value, scene
    )
    for flag in _OFF_FLAGS:
        scene.flags[flag] = 0
    _add_distractors(scene, distractors)
    rect = mujoco.MjrRect(0, 0, size, size)
    image = np.empty((size, size, 3), dtype=np.uint8)
    mujoco.mjr_render(rect, scene, context.mjr)
    mujoco.mjr_readPixels(image, None, rect, context.mjr)
    return np.ascontiguousarray(image[::-1])
