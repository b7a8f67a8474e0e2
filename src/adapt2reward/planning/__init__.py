"""Planning with a reward function: CEM over end-effector waypoint plans in the simulator."""

from adapt2reward.planning.cem import CEMConfig, CEMResult, cem
from adapt2reward.planning.episode import EpisodeResult, PlannerConfig, run_episode
from adapt2reward.planning.plan import PlanSpace, p_control
from adapt2reward.planning.rewards import ModelReward, OracleReward, RandomReward, RewardFunction

__all__ = [
    "CEMConfig",
    "CEMResult",
    "EpisodeResult",
    "ModelReward",
    "OracleReward",
    "PlanSpace",
    "PlannerConfig",
    "RandomReward",
    "RewardFunction",
    "cem",
    "p_control",
    "run_episode",
]
