"""Stage 1: video-language pre-training on human video-text pairs (stands in for the paper's Singularity).

Symmetric video-text contrastive learning (the VLC loss of one domain): each batch draws clips spread
evenly over tasks, every task present gets one of its clips' instructions, and clips and texts are
matched in both directions. With `view_weight` > 0, each drawn clip filmed from a second camera
(`data.second_view`) must also match its other view (`losses.view`). Readable top to bottom like
`adapt.train`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from adapt2reward.data.batching import balanced_draw, group_by_task
from adapt2reward.data.clip_bank import ClipBank
from adapt2reward.data.dataset import ClipDataset
from adapt2reward.data.second_view import view_pairs, view_partners
from adapt2reward.data.ssv2_import import SSV2Spec, ssv2_folder
from adapt2reward.data.task_texts import task_text_columns
from adapt2reward.losses.view import ViewConsistencyLoss
from adapt2reward.losses.vlc import VideoLanguageContrastiveLoss
from adapt2reward.training.config import PretrainConfig
from adapt2reward.training.device import training_device
from adapt2reward.training.loop import TrainLoop
from adapt2reward.training.model_init import build_model, trainable_parameters
from adapt2reward.training.seeding import seed_everything


def human_clips(config: PretrainConfig, progress: bool = True) -> ClipDataset:
    """The human video-text pairs: human-domain successes of `data` folders and/or an SS-V2 split (its
    chosen classes imported once into a cache folder, then read as a dataset folder). A failed attempt
    does not show its text, so it is no pair."""
    folders = list(config.data)
    if config.ssv2_labels and config.ssv2_videos:
        spec = SSV2Spec(config.ssv2_labels, config.ssv2_videos, config.ssv2_classes)
        folders.append(str(ssv2_folder(spec, progress=progress)))
    dataset = ClipDataset(folders, domain="human", success=True)
    if len(dataset) == 0:
        raise ValueError(f"no human-domain clips found in {list(config.data)}")
    if len(dataset.tasks()) < 2:
        raise ValueError("contrastive pre-training needs clips of at least two tasks")
    return dataset


def pretrain(
    config: PretrainConfig, progress: bool = True, stop_after: int | None = None, device: str = "cpu"
) -> dict[str, Any]:
    """Run (or resume) stage 1 into `config.out` on `device` (see `training.device`); returns the last
    losses."""
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = seed_everything(config.seed)
    device, autocast = training_device(device)

    dataset = human_clips(config, progress)
    model = build_model(config.backbone).to(device)
    bank = ClipBank.load(dataset.items, model.video, "human", progress)
    groups = group_by_task(bank.records)
    steps_per_epoch = config.steps_per_epoch or math.ceil(len(bank) / config.batch_size)
    criterion, view_criterion = VideoLanguageContrastiveLoss(), ViewConsistencyLoss()
    partners = view_partners(bank.records) if config.view_weight > 0 else {}
    if config.view_weight > 0 and not partners:
        raise ValueError(
            f"view_weight={config.view_weight} needs clips filmed twice in `data` {list(config.data)}: "
            "add a folder made by `a2r second-view`"
        )
    optimizer = torch.optim.AdamW(trainable_parameters(model), lr=config.lr, weight_decay=config.weight_decay)
    run_config = {"stage": "pretrain", "train": config.to_dict(), "tasks": sorted(groups)}
    loop = TrainLoop(
        out,
        model,
        optimizer,
        run_config,
        steps=steps_per_epoch,
        epochs=config.epochs,
        save_every=config.save_every,
        desc="pretrain",
        state=lambda: {"rng": rng.bit_generator.state},
        progress=progress,
        stop_after=stop_after,
    )
    state = loop.resume()
    if state is not None:
        rng.bit_generator.state = state["rng"]

    model.train()
    for _ in loop.steps():
        idx = balanced_draw(groups, config.batch_size, rng)
        _, texts, labels = task_text_columns([bank.records[i] for i in idx], rng)
        rows, other_views = view_pairs(idx, partners)
        with autocast():  # bf16 forward on a GPU, a no-op on the CPU
            features = F.normalize(bank.encode(model.video, np.concatenate([idx, other_views])), dim=-1)
            video = features[: len(idx)]
            labels = torch.from_numpy(labels).to(device)
            losses = {"vlc": criterion(video, labels, model.encode_text(texts), model.logit_scale())}
            if len(rows) > 1:
                losses["view"] = view_criterion(video[rows], features[len(idx) :], model.logit_scale())
            loss = losses["vlc"] + config.view_weight * losses.get("view", 0.0)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loop.log({name: value.item() for name, value in losses.items()})
    return loop.last
