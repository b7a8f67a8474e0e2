"""The simulation layer: MetaWorld tasks, visual variants and domains, behaviours, and clip recording."""

import os

os.environ.setdefault("MUJOCO_GL", "osmesa")  # before mujoco is imported: headless CPU rendering

from adapt2reward.envs.recording import ClipSpec, RecordedClip, record_clip  # noqa: E402
from adapt2reward.envs.simulator import SimState, StepResult, TaskEnv  # noqa: E402
from adapt2reward.envs.tasks import SIM_TASKS, SimTask, sim_task  # noqa: E402
from adapt2reward.envs.variants import (  # noqa: E402
    PRESETS,
    VariantConfig,
    distractor_sweep,
    get_variant,
    viewpoint_sweep,
)

__all__ = [
    "PRESETS",
    "SIM_TASKS",
    "ClipSpec",
    "RecordedClip",
    "SimState",
    "SimTask",
    "StepResult",
    "TaskEnv",
    "VariantConfig",
    "distractor_sweep",
    "get_variant",
    "record_clip",
    "sim_task",
    "viewpoint_sweep",
]
