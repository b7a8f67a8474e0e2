"""Checkpoints: `model.safetensors` + `config.json` for inference, `train_state.pt` for resuming.

Every file is written to a temporary name and renamed into place, so an interrupted save leaves the
previous checkpoint intact. `train_state.pt` holds everything a resumed run needs (model and optimizer
state, step, epoch, random states, pseudo-labels), so resuming never mixes files of two saves.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from adapt2reward.json_config import read_json
from adapt2reward.paths import why_not

MODEL_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
STATE_FILE = "train_state.pt"
FORMAT_VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint folder is missing files or does not fit the model it is loaded into."""


def replace_atomically(path: Path, write) -> None:
    """`write(tmp)` a sibling file, then move it over `path`: a crash never leaves a half-written file."""
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def save_model(ckpt_dir: str | Path, model: torch.nn.Module, config: dict[str, Any]) -> None:
    """Write the model's tensors and the JSON config that rebuilds it."""
    ckpt_dir = Path(ckpt_dir)
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    replace_atomically(ckpt_dir / MODEL_FILE, lambda p: save_file(tensors, str(p)))
    save_config(ckpt_dir, config)


def save_config(ckpt_dir: str | Path, config: dict[str, Any]) -> None:
    """Write `config.json` (with the format version) into an existing checkpoint folder."""
    payload = {"format_version": FORMAT_VERSION, **config}
    replace_atomically(
        Path(ckpt_dir) / CONFIG_FILE, lambda p: p.write_text(json.dumps(payload, indent=2) + "\n")
    )


def read_config(ckpt_dir: str | Path) -> dict[str, Any]:
    if not Path(ckpt_dir).is_dir():
        raise CheckpointError(f"checkpoint folder {ckpt_dir} {why_not(ckpt_dir, 'folder')}")
    if not (Path(ckpt_dir) / CONFIG_FILE).is_file():
        raise CheckpointError(f"{ckpt_dir} is not a checkpoint: it has no {CONFIG_FILE}")
    try:
        return read_json(Path(ckpt_dir) / CONFIG_FILE, "checkpoint config")
    except ValueError as e:
        raise CheckpointError(str(e)) from e


def load_model_weights(ckpt_dir: str | Path, model: torch.nn.Module, strict: bool = True) -> None:
    """Load `model.safetensors` into `model`; missing, extra or misshapen tensors raise CheckpointError."""
    path = Path(ckpt_dir) / MODEL_FILE
    load_state_checked(model, read_tensors(ckpt_dir), str(path), strict=strict)


def read_tensors(ckpt_dir: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of `model.safetensors`; a missing or damaged file raises CheckpointError naming it."""
    path = Path(ckpt_dir) / MODEL_FILE
    if not path.is_file():
        raise CheckpointError(f"{ckpt_dir} has no {MODEL_FILE}")
    try:
        return load_file(str(path))
    except Exception as e:  # safetensors raises its own error type for damaged files
        raise CheckpointError(f"{path} could not be read: {e}") from e


def load_state_checked(
    model: torch.nn.Module, tensors: dict[str, torch.Tensor], where: str, strict: bool
) -> None:
    """`load_state_dict` with an error that names the tensors that are missing, extra or of the wrong shape.

    A checkpoint made for another backbone fails here: its tensors differ in names and shapes.
    """
    own = model.state_dict()
    wrong = [
        f"{k} {tuple(v.shape)} != {tuple(own[k].shape)}"
        for k, v in tensors.items()
        if k in own and v.shape != own[k].shape
    ]
    missing = sorted(own.keys() - tensors.keys()) if strict else []
    unexpected = sorted(tensors.keys() - own.keys()) if strict else []
    if wrong or missing or unexpected:
        raise CheckpointError(
            f"{where} does not fit this model (is it from another backbone?): {len(wrong)} tensors of the "
            f"wrong shape {wrong[:3]}, {len(missing)} missing {missing[:3]}, {len(unexpected)} unexpected "
            f"{unexpected[:3]}"
        )
    model.load_state_dict(tensors, strict=False)


def save_train_state(ckpt_dir: str | Path, state: dict[str, Any]) -> None:
    ckpt_dir = Path(ckpt_dir)
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    replace_atomically(ckpt_dir / STATE_FILE, lambda p: torch.save(state, p))


def load_train_state(ckpt_dir: str | Path) -> dict[str, Any] | None:
    """The saved training state, or None when the folder holds no run to resume."""
    path = Path(ckpt_dir) / STATE_FILE
    if not path.is_file():
        return None
    return torch.load(path, weights_only=False, map_location="cpu")  # the run may resume on another device
