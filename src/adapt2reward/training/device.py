"""`training_device`: where a training run's model lives, and its mixed precision.

On a GPU the forward passes run under bf16 autocast (the losses' softmaxes and reductions stay in fp32,
as autocast keeps them; bf16 has fp32's range, so no loss scaling is needed); on the CPU nothing changes,
so CPU runs stay bit-identical to before. No GPU was available where this was written: the CUDA path is
exercised by no test here.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from contextlib import AbstractContextManager

import torch

from adapt2reward.models.device import resolve_device

Autocast = Callable[[], AbstractContextManager]


def training_device(name: str, processes: int = 1) -> tuple[torch.device, Autocast]:
    """(device, autocast context factory) for `--device name`; a device that is not there is an error.

    Data-parallel runs under `torchrun` (several processes) train on the CPU only.
    """
    device = resolve_device(name)
    if device.type == "cuda" and processes > 1:
        raise ValueError("data-parallel training under torchrun runs on the CPU; on a GPU train one process")
    if device.type != "cuda":
        return device, contextlib.nullcontext
    return device, functools.partial(torch.autocast, device_type="cuda", dtype=torch.bfloat16)
