"""Rewards from trained models: `RewardModel`, and `LearnedReward`, the interface every reward meets."""

from adapt2reward.reward.protocol import Clips, LearnedReward
from adapt2reward.reward.reward_model import RewardModel

__all__ = ["Clips", "LearnedReward", "RewardModel"]
