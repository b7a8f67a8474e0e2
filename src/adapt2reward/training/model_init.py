"""The model of a run: fresh from a backbone config, or the backbone and weights of an init checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from adapt2reward.models import Adapt2RewardModel, BackboneConfig, ModelConfig, PromptConfig
from adapt2reward.models.checkpoint import (
    MODEL_FILE,
    CheckpointError,
    load_state_checked,
    read_config,
    read_tensors,
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
