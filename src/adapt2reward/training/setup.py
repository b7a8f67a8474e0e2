"""Building the model of a run, and saving / resuming a run's full state."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import torch

from adapt2reward.models import Adapt2RewardModel, BackboneConfig, ModelConfig, PromptConfig
from adapt2reward.models.checkpoint import (
    MODEL_FILE,
    CheckpointError,
    load_state_checked,
    load_train_state,
    read_config,
    read_tensors,
    save_model,
    save_train_state,
)

# Tensors a stage-2 model has and a stage-1 checkpoint lacks: they start fresh.
STAGE_TWO_ONLY = ("prompts.",)


def build_model(
    backbone: dict[str, Any],
    init: str | None = None,
    prompt_tasks: dict[str, str] | None = None,
    num_modes: int = 3,
    prompt_length: int = 4,
) -> Adapt2RewardModel:
    """A model for a run: the backbone of `init` (a checkpoint folder) with its weights, or a fresh one.

    With `init`, the backbone comes from the checkpoint's config; a different `backbone` is an error.
    """
    prompts = PromptConfig(tasks=prompt_tasks or {}, num_modes=num_modes, prompt_length=prompt_length)
    if init is None:
        return Adapt2RewardModel(ModelConfig(backbone=BackboneConfig.from_dict(backbone), prompts=prompts))
    init_config = read_config(init).get("model", {})
    init_backbone = BackboneConfig.from_dict(init_config.get("backbone", {}))
    if backbone and BackboneConfig.from_dict(backbone) != init_backbone:
        raise ValueError(f"backbone {backbone} differs from the backbone of the init checkpoint {init}")
    model = Adapt2RewardModel(ModelConfig(backbone=init_backbone, prompts=prompts))
    path = Path(init) / MODEL_FILE
    tensors = {k: v for k, v in read_tensors(init).items() if not k.startswith(STAGE_TWO_ONLY)}
    own_stage_two = {k for k in model.state_dict() if k.startswith(STAGE_TWO_ONLY)}
    load_state_checked(model, tensors, str(path), strict=False)
    missing = sorted(model.state_dict().keys() - tensors.keys() - own_stage_two)
    if missing:
        raise CheckpointError(f"init checkpoint {path} lacks tensors of this backbone: {missing[:5]}")
    return model


def trainable_parameters(model: torch.nn.Module) -> list[torch.nn.Parameter]:
    return [p for p in model.parameters() if p.requires_grad]


def save_run(
    out: str | Path,
    model: Adapt2RewardModel,
    optimizer: torch.optim.Optimizer,
    config: dict[str, Any],
    progress: dict[str, Any],
) -> None:
    """Write the inference checkpoint and the training state (last, so it always matches a full save)."""
    save_model(out, model, {"model": model.config.to_dict(), **config})
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
    out: str | Path, model: Adapt2RewardModel, optimizer: torch.optim.Optimizer, config: dict[str, Any]
) -> dict[str, Any] | None:
    """Restore model, optimizer and random state from `out`; None when there is nothing to resume.

    A run may be resumed with more epochs; any other change of its config is an error.
    """
    state = load_train_state(out)
    if state is None:
        return None
    saved, now = copy.deepcopy(state["run_config"]), copy.deepcopy(config)
    for cfg in (saved, now):
        cfg.get("train", {}).pop("epochs", None)
    if saved != now:
        raise ValueError(
            f"{out} holds a run with another config; resume it with the same config (more epochs are "
            "allowed) or choose another output folder"
        )
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["torch_rng"])
    return state


def seed_everything(seed: int) -> np.random.Generator:
    torch.manual_seed(seed)
    return np.random.default_rng(seed)
