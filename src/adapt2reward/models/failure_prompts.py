"""Learnable failure prompts P[T, k]: L_p vectors per (training task T, failure mode k)."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class FailurePrompts(nn.Module):
    """Parameters `prompts` (num_tasks, K_max, L_p, H) and a per-task mode mask.

    Task T uses modes 0..K_T-1 (`mode_mask[T]`, saved in the state dict); K_T defaults to K_max and can be
    lowered from data (e.g. by silhouette) with `set_num_modes`. Prompts start at `init` (L_p, H), e.g. the
    word embeddings of "failed to", plus N(0, init_std) noise, so the modes of a task differ.
    """

    def __init__(
        self,
        num_tasks: int,
        num_modes: int,
        prompt_length: int,
        dim: int,
        init: Tensor | None = None,
        init_std: float = 0.02,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if num_tasks < 1 or num_modes < 1 or prompt_length < 1:
            raise ValueError(
                f"num_tasks={num_tasks}, num_modes={num_modes}, prompt_length={prompt_length}: "
                "all must be >= 1"
            )
        shape = (num_tasks, num_modes, prompt_length, dim)
        noise = torch.randn(shape, generator=torch.Generator().manual_seed(seed)) * init_std
        base = torch.zeros(prompt_length, dim)
        if init is not None:
            base = init.detach().float().reshape(prompt_length, dim)
        self.prompts = nn.Parameter(base + noise)
        self.register_buffer("mode_mask", torch.ones(num_tasks, num_modes, dtype=torch.bool))

    @property
    def num_tasks(self) -> int:
        return self.prompts.shape[0]

    @property
    def max_modes(self) -> int:
        return self.prompts.shape[1]

    def num_modes(self, task: int) -> int:
        return int(self.mode_mask[task].sum())

    def set_num_modes(self, task: int, k: int) -> None:
        """Let `task` use modes 0..k-1 (1 <= k <= K_max)."""
        if not 1 <= k <= self.max_modes:
            raise ValueError(f"k={k}: must be in 1..{self.max_modes}")
        self.mode_mask[task] = torch.arange(self.max_modes, device=self.mode_mask.device) < k

    def forward(self, task: Tensor | int, mode: Tensor | int) -> Tensor:
        """Prompt vectors (..., L_p, H) for task index/indices and mode index/indices (broadcast)."""
        return self.prompts[task, mode]
