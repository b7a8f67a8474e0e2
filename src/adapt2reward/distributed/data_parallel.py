"""Data-parallel training under `torchrun` (torch.distributed: gloo on CPU, NCCL on GPU).

Every process draws the same global batch (same seeds), encodes its contiguous share of the clips, and
gathers the features of all processes with an autograd-aware all-gather, so each computes the loss of
the *whole* batch, exactly as one process would. Gradients are then summed over processes and divided
by their number, which is what `DistributedDataParallel` does: the gather's backward already sums each
clip's gradient from every copy of the loss, so the average equals the single-process gradient.

This is done by hand rather than by wrapping the model in `DistributedDataParallel`, because a training
step calls several encoders of the model (video, text, failure prompts) rather than one `forward`.
With dropout off, a run on N processes equals a run on one process up to floating point; with dropout,
each process draws its own masks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist


def is_main_process() -> bool:
    """Whether this is the main process of a `torchrun` job, or no such job runs (before joining one)."""
    return int(os.environ.get("RANK", "0")) == 0


@dataclass(frozen=True)
class DataParallel:
    """This process's place in the job: `rank` of `world` processes (1 process: no communication)."""

    rank: int = 0
    world: int = 1

    @classmethod
    def from_env(cls) -> DataParallel:
        """Join the process group that `torchrun` describes in the environment, if any."""
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world <= 1:
            return cls()
        if not dist.is_initialized():
            dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        return cls(rank=dist.get_rank(), world=dist.get_world_size())

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def check_divides(self, **batch_sizes: int) -> None:
        for name, size in batch_sizes.items():
            if size % self.world:
                raise ValueError(f"{name}={size} must be divisible by the number of processes ({self.world})")

    def shard(self, indices: np.ndarray) -> np.ndarray:
        """This process's contiguous share of a batch's indices."""
        n = len(indices) // self.world
        return indices[self.rank * n : (self.rank + 1) * n]

    def gather(self, features: torch.Tensor) -> torch.Tensor:
        """Concatenate every process's features in rank order, keeping gradients to the local share."""
        if self.world == 1:
            return features
        from torch.distributed.nn.functional import all_gather

        return torch.cat(all_gather(features.contiguous()))

    def average_gradients(self, parameters: list[torch.nn.Parameter]) -> None:
        if self.world == 1:
            return
        for p in parameters:
            if p.grad is None:
                p.grad = torch.zeros_like(p)
            dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
            p.grad /= self.world

    def close(self) -> None:
        if self.world > 1 and dist.is_initialized():
            dist.destroy_process_group()
