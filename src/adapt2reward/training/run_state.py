"""A run's full state on disk: saved at every checkpoint, restored when the run is started again."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import torch

from adapt2reward.models.checkpoint import load_train_state, save_model, save_train_state
from adapt2reward.training.config import as_read_now


def save_run(
    out: str | Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    config: dict[str, Any],
    progress: dict[str, Any],
    checkpoint_config: dict[str, Any],
) -> None:
    """Write the inference checkpoint (`model` with `checkpoint_config` as its config.json) and the training
    state (last, so it always matches a full save)."""
    save_model(out, model, checkpoint_config)
    save_train_state(
        out,
        {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "run_config": config,
            **progress,
        },
    )


def resume_run(
    out: str | Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, config: dict[str, Any]
) -> dict[str, Any] | None:
    """Restore model, optimizer and random state from `out`; None when there is nothing to resume.

    A run may be resumed with more epochs; any other change of its config is an error naming `out`. A
    run saved by an older version compares as this version reads it (`training.config.as_read_now`).
    """
    state = load_train_state(out)
    if state is None:
        return None
    saved, now = copy.deepcopy(as_read_now(state["run_config"])), copy.deepcopy(config)
    for cfg in (saved, now):
        cfg.get("train", {}).pop("epochs", None)
    if saved != now:
        raise ValueError(
            f"{out} holds a run with another config; resume it with the same config (a training stage may "
            "be given more epochs) or choose another output folder"
        )
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["torch_rng"])
    return state
