"""adapt2reward: a language-conditioned reward for robots, adapted from a video-language model."""

__version__ = "0.1.0"

__all__ = ["RewardModel", "__version__"]


def __getattr__(name: str):
    # Imported lazily so that `import adapt2reward` (and the data engine) does not pay for torch models.
    if name == "RewardModel":
        from adapt2reward.reward.reward_model import RewardModel

        return RewardModel
    raise AttributeError(name)
