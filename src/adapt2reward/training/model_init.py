"""The model of a run: fresh from a backbone config, or the backbone and weights of an init checkpoint."""

from __future__ import annotations

from pathlib import Path

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
    backbone: BackboneConfig | None = None,
    init: str | None = None,
    prompt_tasks: dict[str, str] | None = None,
    num_modes: int = 3,
    prompt_length: int = 4,
) -> Adapt2RewardModel:
    """A model for a run: the backbone of `init` (a checkpoint folder) with its weights, or a fresh one.

    Without `init`, `backbone` (None: the default one) is built fresh. With `init`, the backbone comes from
    the checkpoint's config; a `backbone` other than the default and the checkpoint's is an error.
    """
    prompts = PromptConfig(tasks=prompt_tasks or {}, num_modes=num_modes, prompt_length=prompt_length)
    if init is None:
        return Adapt2RewardModel(ModelConfig(backbone=backbone or BackboneConfig(), prompts=prompts))
    init_config = read_config(init).get("model", {})
    init_backbone = BackboneConfig.from_dict(init_config.get("backbone", {}))
    if backbone not in (None, BackboneConfig(), init_backbone):
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
