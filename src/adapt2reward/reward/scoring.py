"""How a reward is read from clip and instruction features: the paper's cosine, or a relative score.

`cosine` (the paper): r(v, i) = cos(v, t_i).

`relative`: the instruction competes with a reference set of other instructions (the known tasks'
texts, opposites included), r(v, i) = log softmax_j (s * cos(v, t_j)) at j = i, over j in {i} and the
reference, with s the model's learned logit scale (the temperature its contrastive losses trained).
A clip of a familiar robot motion scores high against every instruction about the same object under
the cosine; relatively, it scores high only for the instruction it matches better than the others
(turning a faucet *on* no longer rewards "turn the faucet off"). Reference texts of the scored
instruction's own task (the same words, or a known phrasing of that task) are left out, so a
paraphrase does not compete with itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor

from adapt2reward.json_config import JsonConfig, check, fail

SCORINGS = ("cosine", "relative")


@dataclass(frozen=True)
class ScoringConfig(JsonConfig):
    """kind: "cosine" (the paper's reward) or "relative" (see the module docstring).

    reference: task name -> its instruction, the texts a scored instruction competes with ("relative").
    phrasings: task name -> other known phrasings of it, to tell which reference entry is the scored
        instruction's own task.
    """

    kind: str = "cosine"
    reference: Mapping[str, str] = field(default_factory=dict)
    phrasings: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check(self.kind in SCORINGS, self, "kind", f"must be one of {SCORINGS}")
        if self.kind == "relative" and not self.reference:
            fail(self, "relative scoring needs a reference set of instructions (task -> text)")
        empty = [task for task, text in self.reference.items() if not str(text).strip()]
        check(not empty, self, "reference", f"has empty instructions for {empty}")

    def competitors(self, instruction: str) -> list[str]:
        """The reference texts `instruction` competes with: every entry but its own task's."""
        own = {
            task
            for task, text in self.reference.items()
            if text == instruction or instruction in self.phrasings.get(task, ())
        }
        return [text for task, text in self.reference.items() if task not in own]


class Scorer:
    """Rewards from normalised features under a `ScoringConfig`.

    encode_text: instructions -> normalised text features (n, D), e.g. a cached text tower.
    logit_scale: the model's learned scale s (only "relative" uses it).
    """

    def __init__(
        self, config: ScoringConfig, encode_text: Callable[[list[str]], Tensor], logit_scale: float
    ) -> None:
        self.config, self.encode_text, self.logit_scale = config, encode_text, float(logit_scale)

    def __call__(self, video: Tensor, instructions: Sequence[str]) -> Tensor:
        """Reward (B,) of each clip's features (B, D) with its instruction."""
        text = self.encode_text(list(instructions))
        cosine = (video * text).sum(-1)
        if self.config.kind == "cosine":
            return cosine
        rewards = torch.empty_like(cosine)
        groups: dict[str, list[int]] = {}
        for row, instruction in enumerate(instructions):
            groups.setdefault(instruction, []).append(row)
        for instruction, rows in groups.items():
            rewards[rows] = self._relative(video[rows], cosine[rows], instruction)
        return rewards

    def matrix(self, video: Tensor, instructions: Sequence[str]) -> Tensor:
        """Rewards (B, n) of every clip's features (B, D) against every instruction."""
        if self.config.kind == "cosine":
            return video @ self.encode_text(list(instructions)).T
        return torch.stack([self(video, [text] * len(video)) for text in instructions], dim=1)

    def _relative(self, video: Tensor, cosine: Tensor, instruction: str) -> Tensor:
        others = self.config.competitors(instruction)
        if not others:
            return torch.zeros_like(cosine)  # nothing to compete with: every clip ties
        logits = self.logit_scale * torch.cat([cosine[:, None], video @ self.encode_text(others).T], dim=1)
        return torch.log_softmax(logits, dim=1)[:, 0]
