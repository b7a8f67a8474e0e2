"""Seeding a run: torch's global generator and the numpy generator the loop draws batches with."""

from __future__ import annotations

import numpy as np
import torch


def seed_everything(seed: int) -> np.random.Generator:
    """Seed torch's global generator; the numpy generator returned draws the run's batches."""
    torch.manual_seed(seed)
    return np.random.default_rng(seed)
