"""Training losses, one module each: CDC, VLC, fVLC, BCE, and their weighted sum."""

from adapt2reward.losses.bce import SuccessBCELoss
from adapt2reward.losses.cdc import CrossDomainContrastiveLoss
from adapt2reward.losses.combined import Adapt2RewardLoss, LossConfig
from adapt2reward.losses.fvlc import FailureVideoLanguageLoss
from adapt2reward.losses.vlc import VideoLanguageContrastiveLoss

__all__ = [
    "Adapt2RewardLoss",
    "CrossDomainContrastiveLoss",
    "FailureVideoLanguageLoss",
    "LossConfig",
    "SuccessBCELoss",
    "VideoLanguageContrastiveLoss",
]
