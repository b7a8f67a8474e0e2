"""`LearnedReward`: the one interface every reward model meets (`RewardModel`, the baselines' rewards).

Evaluation, planning and serving call these methods and nothing else. `reward` is the one method a
reward must write; a class that subclasses `LearnedReward` inherits the rest, derived from `reward`
(`RewardModel` writes its own, sharing one encoding of the clips).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import torch

from adapt2reward.data.transforms import frame_indices

Clips = np.ndarray | torch.Tensor


class LearnedReward(Protocol):
    """Scores uint8 clips (B, T, H, W, 3) against instructions; higher is more like the instruction done."""

    def reward(self, clips: Clips, instructions: str | Sequence[str]) -> torch.Tensor:
        """Reward (B,) of each clip for its instruction (one string applies to every clip)."""
        ...

    def scores(self, clips: Clips, instructions: str | Sequence[str]) -> tuple[torch.Tensor, ...]:
        """(reward,), or (reward, success probability) for a model with a success head; each (B,)."""
        return (self.reward(clips, instructions),)

    def score_matrix(self, clips: Clips, instructions: Sequence[str]) -> torch.Tensor:
        """Rewards (B, n) of every clip against every instruction (for retrieval)."""
        return torch.stack(
            [torch.as_tensor(self.reward(clips, [text] * len(clips))) for text in instructions], dim=1
        )

    def describe(self) -> dict[str, Any]:
        """What the reward is and reads (kind, frames, frame size), as JSON values (the server's /health)."""
        return {"kind": type(self).__name__}

    def dense_rewards(self, trajectory: Clips, instruction: str, min_frames: int = 1) -> torch.Tensor:
        """Reward (N,) of every prefix `trajectory[: t + 1]` of N frames (N, H, W, 3); each prefix is
        resampled to N frames, and prefixes shorter than `min_frames` get the first longer one's reward."""
        frames = np.asarray(trajectory)
        n = len(frames)
        lengths = np.maximum(np.arange(1, n + 1), min(min_frames, n))
        prefixes = np.stack([frames[frame_indices(k, n)] for k in lengths])
        return torch.as_tensor(self.reward(prefixes, [instruction] * n))
