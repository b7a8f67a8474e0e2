"""Give a stage-2 checkpoint a look translator (issue #9, levers 11-13; `a2r translate-look`).

The translator, an affine map of frame features (`models.look_translator`) or a trained copy of the frame
encoder's last blocks (`models.encoder_translator`, `training.encoder_translation`), is fitted on the
checkpoint's own robot training clips (its split, its failure sources) and their copies filmed in the
human look, found in `pairs` by `extra.view_of`. Nothing else of the model changes; the new checkpoint
scores every video through the translator. No clip outside the run's robot training data enters the fit.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import torch

from adapt2reward.data.clip_bank import ClipBank
from adapt2reward.data.second_view import VIEW_OF, copies_of
from adapt2reward.models import Adapt2RewardModel, ModelConfig
from adapt2reward.models.checkpoint import CheckpointError, load_model_weights, read_config, save_model
from adapt2reward.models.look_translator import check_fit_settings
from adapt2reward.training.adapt import robot_training_items
from adapt2reward.training.config import TrainConfig
from adapt2reward.training.encoder_translation import EncoderFitConfig, fit_encoder_translator


def translate_checkpoint(
    checkpoint: str | Path,
    pairs: list[str],
    out: str | Path,
    ridge: float = 100.0,
    strength: float = 0.7,
    both_readings: bool = False,
    progress: bool = True,
    encoder: EncoderFitConfig | None = None,
) -> dict[str, Any]:
    """Fit a look translator for `checkpoint` and write the checkpoint with it to `out`; returns what
    the new config records under "look_translator". `both_readings`: the new checkpoint scores the sum
    of the raw and translated readings (lever 12), not the translated one alone (lever 11). `encoder`:
    train a copy of the frame encoder's last blocks (lever 13, seeded by the checkpoint's training seed)
    instead of fitting the affine map (`ridge` and `strength` then do not apply)."""
    if encoder is None:
        check_fit_settings(ridge, strength)  # before the clips load
    if Path(out).resolve() == Path(checkpoint).resolve():
        raise ValueError(f"out {out} is the checkpoint itself: write the translated checkpoint elsewhere")
    config = read_config(checkpoint)
    if config.get("stage") != "adapt" or "model" not in config:
        raise CheckpointError(f"{checkpoint} is not a stage-2 checkpoint (`a2r train`)")
    model_config = ModelConfig.from_dict(config["model"])
    if model_config.look_translator:
        raise CheckpointError(f"{checkpoint} already reads video through a look translator")
    readings = "both" if both_readings else "translated"
    # validates the frame encoder
    blocks = encoder.blocks if encoder else 0
    model_config = dataclasses.replace(
        model_config, look_translator=True, look_readings=readings, look_translator_blocks=blocks
    )
    model = Adapt2RewardModel(model_config).eval()
    translator = model.video.look_translator
    model.video.look_translator = None  # the source checkpoint has no translator tensors
    load_model_weights(checkpoint, model)
    model.video.look_translator = translator

    robot_bank, copy_bank, copy_index = paired_training_clips(checkpoint, pairs, model.video, progress)
    record: dict[str, Any] = {"from": str(checkpoint), "pairs": [str(p) for p in pairs], "readings": readings}
    if encoder is None:
        human = copy_bank.frame_features[copy_index]
        translator.fit(robot_bank.frame_features.flatten(0, 1), human.flatten(0, 1), ridge, strength)
        record |= {"ridge": ridge, "strength": strength}
    else:
        seed = int(config["train"].get("seed", 0))
        frame_pass = translator.paired_pass(model.video.frame_encoder)
        human = copy_bank.videos[copy_index]
        history = fit_encoder_translator(frame_pass, robot_bank.videos, human, encoder, seed, progress)
        record |= {"encoder": encoder.to_dict(), "seed": seed, "pair_error": history}
    record |= {
        "clips": len(robot_bank),
        "frames": int(robot_bank.videos.shape[0] * robot_bank.videos.shape[1]),
    }
    save_model(out, model, {**config, "model": model_config.to_dict(), "look_translator": record})
    return record


def paired_training_clips(
    checkpoint: str | Path, pairs: list[str], video: torch.nn.Module, progress: bool = True
) -> tuple[ClipBank, ClipBank, list[int]]:
    """The robot training clips of a stage-2 `checkpoint` that have a human-look copy in `pairs`, those
    copies, and for each robot clip the index of its copy; both banks loaded for `video`."""
    split, failure_items = robot_training_items(TrainConfig.from_dict(read_config(checkpoint)["train"]))
    robot_items = split.success + failure_items
    copies = copies_of(pairs, {record.id for _, record in robot_items})
    if not copies:
        raise ValueError(
            f"pairs {list(pairs)} hold no copy of a robot training clip of {checkpoint}: make them with "
            "`a2r second-view --domain robot --look human` or `a2r record-planner --look human`"
        )
    copy_of = {record.extra[VIEW_OF]: i for i, (_, record) in enumerate(copies)}  # robot id -> its copy
    copy_bank = ClipBank.load(copies, video, "human-look copy", progress)
    paired = [item for item in robot_items if item[1].id in copy_of]
    robot_bank = ClipBank.load(paired, video, "robot training", progress)
    return robot_bank, copy_bank, [copy_of[record.id] for record in robot_bank.records]
