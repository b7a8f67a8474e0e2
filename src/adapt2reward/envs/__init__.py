"""The simulation layer: MetaWorld tasks, visual variants and domains, behaviours, clip recording, and a
Gymnasium wrapper that rewards with a learned video reward."""

from adapt2reward.envs.recording import ClipSpec, RecordedClip, record_clip
from adapt2reward.envs.reward_wrapper import LearnedRewardWrapper
from adapt2reward.envs.simulator import SimState, StepResult, TaskEnv
from adapt2reward.envs.tasks import SIM_TASKS, SimTask, sim_task
from adapt2reward.envs.variants import (
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
    "LearnedRewardWrapper",
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
