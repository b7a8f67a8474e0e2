"""MuJoCo, imported with a headless GL backend unless the caller chose one.

MuJoCo fixes `mujoco.GLContext` from `$MUJOCO_GL` when it is first imported, and gymnasium's MuJoCo
renderer reads the variable when it first renders; their default, GLFW, needs a display. The envs modules
import mujoco from here, so the variable is set (to OSMesa: rendering on the CPU) right before mujoco is
first imported, and only by code that simulates, not by `import adapt2reward`.
"""

import os

os.environ.setdefault("MUJOCO_GL", "osmesa")

import mujoco  # noqa: E402

__all__ = ["mujoco"]
