"""`resolve_device`: turn a user's `--device` into a torch device, or say clearly why it cannot be used."""

from __future__ import annotations

import torch

DEVICES = ("auto", "cpu", "cuda", "cuda:N")


def resolve_device(name: str) -> torch.device:
    """'cpu', 'cuda', 'cuda:N' or 'auto' (CUDA when available, else the CPU) -> a usable device.

    A CUDA device that is not there is a ValueError naming what was asked and what exists, rather than
    an error deep inside the first forward pass.
    """
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as e:
        raise ValueError(f"unknown device {name!r}; use one of {DEVICES}") from e
    if device.type not in ("cpu", "cuda"):
        raise ValueError(f"unsupported device {name!r}; use one of {DEVICES}")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device {name!r} asked for, but torch sees no CUDA device (a CPU build, or no GPU)"
            )
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(
                f"device {name!r} asked for, but only {torch.cuda.device_count()} CUDA devices exist"
            )
    return device
