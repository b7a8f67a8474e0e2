"""A reward ensemble: several trained rewards read as one, pessimistic where they disagree.

    r(v, i) = mean_m r_m(v, i) - penalty * std_m r_m(v, i)

over the members m (population std). A planner searches for what its reward likes, so it finds the
errors of one model; members trained with other seeds err in partly other places, their mean is harder
to fool, and a penalty on their spread keeps the search away from clips they disagree on (the remedy of
reward-model ensembles against over-optimisation). The success probability, where every member has a
success head, is the members' mean. An ensemble folder holds only `config.json`; its "ensemble" entry
(`EnsembleConfig`) names the members' checkpoint folders, which the loader of the evaluation floor reads.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from adapt2reward.json_config import JsonConfig, check, fail
from adapt2reward.models.checkpoint import CONFIG_FILE, read_config, replace_atomically
from adapt2reward.reward.protocol import Clips, LearnedReward

ENSEMBLE_KEY = "ensemble"  # config.json key of an ensemble folder


@dataclass(frozen=True)
class EnsembleConfig(JsonConfig):
    """members: checkpoint folders (two or more, distinct; relative paths from where the tools run, as a
    checkpoint's `init`); penalty: how many of the members' std to subtract from their mean (>= 0)."""

    members: tuple[str, ...]
    penalty: float = 0.0

    def __post_init__(self) -> None:
        check(len(self.members) >= 2, self, "members", "must name at least two checkpoint folders")
        repeated = sorted({m for m in self.members if self.members.count(m) > 1})
        check(not repeated, self, "members", f"name {repeated} more than once")
        check(self.penalty >= 0, self, "penalty", "must be >= 0")
        nested = [m for m in self.members if is_ensemble(m)]
        if nested:
            fail(self, f"members {nested} are ensembles themselves; name their members instead")


def is_ensemble(path: str | Path) -> bool:
    """Whether a folder is an ensemble's (False for one without a config.json: its loader says why)."""
    return (Path(path) / CONFIG_FILE).is_file() and ENSEMBLE_KEY in read_config(path)


def read_ensemble(path: str | Path) -> EnsembleConfig:
    """The `EnsembleConfig` of an ensemble folder (CheckpointError if it is no checkpoint)."""
    return EnsembleConfig.from_dict(read_config(path)[ENSEMBLE_KEY])


def save_ensemble(out: str | Path, config: EnsembleConfig) -> Path:
    """Write an ensemble folder; every member must be a readable checkpoint folder."""
    for member in config.members:
        read_config(member)  # names the member that is missing or not a checkpoint
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    payload = json.dumps({ENSEMBLE_KEY: config.to_dict()}, indent=2) + "\n"
    replace_atomically(out / CONFIG_FILE, lambda p: p.write_text(payload))
    return out


class EnsembleReward(LearnedReward):
    """The members' rewards combined as in the module docstring; each member scores every clip once."""

    def __init__(self, members: Sequence[LearnedReward], penalty: float = 0.0) -> None:
        if len(members) < 2:
            raise ValueError(f"an ensemble needs at least two members, got {len(members)}")
        if penalty < 0:
            raise ValueError(f"penalty must be >= 0, got {penalty}")
        self.members, self.penalty = list(members), penalty

    @property
    def image_size(self) -> int:
        """The largest frame size a member reads (the planner must film at least that)."""
        return max(getattr(member, "image_size", 0) for member in self.members)

    @property
    def num_frames(self) -> int:
        """The most frames a member reads (each member resamples clips to its own count)."""
        return max(getattr(member, "num_frames", 0) for member in self.members)

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "ensemble",
            "penalty": self.penalty,
            "num_frames": self.num_frames,
            "image_size": self.image_size,
            "members": [member.describe() for member in self.members],
        }

    @torch.no_grad()
    def scores(self, clips: Clips, instructions: str | Sequence[str]) -> tuple[torch.Tensor, ...]:
        """(reward,), or (reward, mean success probability) when every member has a success head."""
        outputs = [member.scores(clips, instructions) for member in self.members]
        rewards = torch.stack([torch.as_tensor(out[0]).float().cpu() for out in outputs])
        reward = rewards.mean(0) - self.penalty * rewards.std(0, correction=0)
        if all(len(out) > 1 for out in outputs):
            return reward, torch.stack([torch.as_tensor(out[1]).float().cpu() for out in outputs]).mean(0)
        return (reward,)

    def reward(self, clips: Clips, instructions: str | Sequence[str]) -> torch.Tensor:
        """Reward (B,) of each clip for its instruction."""
        return self.scores(clips, instructions)[0]
