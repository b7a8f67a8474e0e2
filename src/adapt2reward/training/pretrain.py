"""Stage 1: video-language pre-training on human video-text pairs (stands in for the paper's Singularity).

Symmetric video-text contrastive learning (the VLC loss of one domain): each batch draws clips spread
evenly over tasks, every task present gets one of its clips' instructions, and clips and texts are
matched in both directions. Readable top to bottom like `adapt.train`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from tqdm import tqdm

from adapt2reward.data.batching import balanced_draw, group_by_task
from adapt2reward.data.clip_bank import ClipBank
from adapt2reward.data.dataset import ClipDataset
from adapt2reward.data.ssv2_import import SSV2Spec, ssv2_folder
from adapt2reward.data.task_texts import task_text_columns
from adapt2reward.losses.vlc import VideoLanguageContrastiveLoss
from adapt2reward.training.config import PretrainConfig
from adapt2reward.training.device import training_device
from adapt2reward.training.loss_log import LossLog
from adapt2reward.training.model_init import build_model, trainable_parameters
from adapt2reward.training.run_state import resume_run, save_run
from adapt2reward.training.seeding import seed_everything


def human_clips(config: PretrainConfig, progress: bool = True) -> ClipDataset:
    """The human video-text pairs: human-domain clips of `data` folders and/or an SS-V2 split (its
    chosen classes imported once into a cache folder, then read as a dataset folder)."""
    folders = list(config.data)
    if config.ssv2_labels and config.ssv2_videos:
        spec = SSV2Spec(config.ssv2_labels, config.ssv2_videos, config.ssv2_classes)
        folders.append(str(ssv2_folder(spec, progress=progress)))
    dataset = ClipDataset(folders, domain="human")
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
    criterion = VideoLanguageContrastiveLoss()
    optimizer = torch.optim.AdamW(trainable_parameters(model), lr=config.lr, weight_decay=config.weight_decay)
    run_config = {"stage": "pretrain", "train": config.to_dict(), "tasks": sorted(groups)}

    state = resume_run(out, model, optimizer, run_config)
    if state is None:
        epoch, step_in_epoch, global_step = 0, 0, 0
    else:
        epoch, step_in_epoch, global_step = state["epoch"], state["step_in_epoch"], state["global_step"]
        rng.bit_generator.state = state["rng"]
    log = LossLog(out / "losses.csv", resume_step=global_step if state else None)

    def save() -> None:
        progress_state = {"epoch": epoch, "step_in_epoch": step_in_epoch, "global_step": global_step}
        save_run(out, model, optimizer, run_config, progress_state | {"rng": rng.bit_generator.state})

    model.train()
    last: dict[str, Any] = {}
    while epoch < config.epochs:
        bar = tqdm(
            total=steps_per_epoch,
            initial=step_in_epoch,
            desc=f"pretrain epoch {epoch + 1}/{config.epochs}",
            disable=not progress,
        )
        while step_in_epoch < steps_per_epoch:
            idx = balanced_draw(groups, config.batch_size, rng)
            _, texts, labels = task_text_columns([bank.records[i] for i in idx], rng)
            with autocast():  # bf16 forward on a GPU, a no-op on the CPU
                video = F.normalize(bank.encode(model.video, idx), dim=-1)
                labels = torch.from_numpy(labels).to(device)
                loss = criterion(video, labels, model.encode_text(texts), model.logit_scale())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

            step_in_epoch += 1
            global_step += 1
            last = {"step": global_step, "epoch": epoch + 1, "vlc": loss.item()}
            log.write(last)
            bar.set_postfix(vlc=f"{last['vlc']:.3f}")
            bar.update()
            if global_step % config.save_every == 0:
                save()
            if stop_after is not None and global_step >= stop_after:
                bar.close()
                save()
                return last
        bar.close()
        epoch, step_in_epoch = epoch + 1, 0
        save()
    return last
