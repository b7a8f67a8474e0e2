"""The simulation layer: MetaWorld tasks, visual variants and domains, behaviours, and clip recording."""

import os

os.environ.setdefault("MUJOCO_GL", "osmesa")  # before mujoco is imported: headless CPU rendering

from adapt2reward.envs.rollout import ClipSpec, RecordedClip, record_clip  # noqa: E402
from adapt2reward.envs.simulator import SimState, StepResult, TaskEnv  # noqa: E402
from adapt2reward.envs.tasks import TASK_NAMES, TaskSpec, get_task  # noqa: E402
from adapt2reward.envs.variants import (  # noqa: E402
    PRESETS,
    VariantConfig,
    distractor_sweep,
    get_variant,
    viewpoint_sweep,
)

__all__ = [
    "PRESETS",
    "TASK_NAMES",
    "ClipSpec",
    "RecordedClip",
    "SimState",
    "StepResult",
    "TaskEnv",
    "TaskSpec",
    "VariantConfig",
    "distractor_sweep",
    "get_task",
    "get_variant",
    "record_clip",
    "viewpoint_sweep",
]
