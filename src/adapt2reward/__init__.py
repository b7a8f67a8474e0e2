"""adapt2reward: a language-conditioned reward for robots, adapted from a video-language model."""

import os

# MuJoCo renders on the CPU through OSMesa here; set before anything imports mujoco (GLFW needs a display).
os.environ.setdefault("MUJOCO_GL", "osmesa")

__version__ = "0.1.0"

__all__ = ["RewardModel", "__version__"]


def __getattr__(name: str):
    # Imported lazily so that `import adapt2reward` (and the data engine) does not pay for torch models.
    if name == "RewardModel":
        from adapt2reward.reward.reward_model import RewardModel

        return RewardModel
    raise AttributeError(name)
