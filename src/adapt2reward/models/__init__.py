"""Video-language models: towers, failure prompts and the two-tower Adapt2Reward model."""

from adapt2reward.models.adapt2reward import Adapt2RewardModel, SuccessHead, build_towers
from adapt2reward.models.config import BackboneConfig, ModelConfig, PromptConfig
from adapt2reward.models.failure_prompts import FailurePrompts
from adapt2reward.models.video_encoder import VideoEncoder

__all__ = [
    "Adapt2RewardModel",
    "BackboneConfig",
    "FailurePrompts",
    "ModelConfig",
    "PromptConfig",
    "SuccessHead",
    "VideoEncoder",
    "build_towers",
]
