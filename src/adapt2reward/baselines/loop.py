"""The optimisation loop the trained baselines share: AdamW steps, a progress bar and a loss CSV."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import torch
from torch import Tensor
from tqdm import tqdm

from adapt2reward.baselines.config import BaselineConfig
from adapt2reward.models import Adapt2RewardModel
from adapt2reward.training.device import Autocast
from adapt2reward.training.loss_log import LossLog
from adapt2reward.training.model_init import build_model
from adapt2reward.training.seeding import seed_everything

StepLoss = Callable[[], tuple[Tensor, dict[str, Tensor]]]


def start_run(
    config: BaselineConfig, device: torch.device | str = "cpu"
) -> tuple[Path, np.random.Generator, Adapt2RewardModel]:
    """(output folder, seeded generator, the stage-1 model of `config.init` on `device`)."""
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = seed_everything(config.seed)
    return out, rng, build_model({}, config.init).to(device)


def fit(
    loss_fn: StepLoss,
    parameters: Iterable[torch.nn.Parameter],
    config: BaselineConfig,
    desc: str,
    progress: bool = True,
    autocast: Autocast = contextlib.nullcontext,
) -> None:
    """Run `config.steps` AdamW steps on `loss_fn() -> (total, named parts)`; log rows to `out/losses.csv`.

    `autocast`: the context the loss is computed in (bf16 on a GPU, see `training.device`)."""
    optimizer = torch.optim.AdamW(list(parameters), lr=config.lr, weight_decay=config.weight_decay)
    log = LossLog(Path(config.out) / "losses.csv")
    bar = tqdm(range(1, config.steps + 1), desc=desc, disable=not progress)
    for step in bar:
        with autocast():
            total, parts = loss_fn()
        optimizer.zero_grad(set_to_none=True)
        total.backward()
        optimizer.step()
        row = {"step": step, "total": total.item()} | {name: value.item() for name, value in parts.items()}
        log.write(row)
        bar.set_postfix({k: f"{v:.3f}" for k, v in row.items() if k != "step"})
