"""The optimisation loop the trained baselines share: AdamW steps in the training loop every run shares
(`training.loop`: resume, loss log, checkpoints, stop, progress bar)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from adapt2reward.baselines.config import BaselineConfig
from adapt2reward.baselines.reward import BaselineReward
from adapt2reward.models import Adapt2RewardModel
from adapt2reward.training.device import Autocast
from adapt2reward.training.loop import TrainLoop
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
    return out, rng, build_model(None, config.init).to(device)


def fit(
    baseline: BaselineReward,
    loss_fn: StepLoss,
    parameters: Iterable[torch.nn.Parameter],
    config: BaselineConfig,
    rng: np.random.Generator,
    progress: bool = True,
    autocast: Autocast = contextlib.nullcontext,
    stop_after: int | None = None,
    on_finish: Callable[[], None] | None = None,
) -> None:
    """Run (or resume) `config.steps` AdamW steps of `loss_fn() -> (total, named parts)` on `baseline`,
    which `rng` draws the batches of, into `config.out`; log rows to `out/losses.csv`.

    After the last step the baseline goes to eval mode, `on_finish` completes it (e.g. DVD's demos) and
    the final checkpoint is saved; a rerun over a finished baseline does nothing. `autocast`: the context
    the loss is computed in (bf16 on a GPU, see `training.device`). `stop_after`: see `TrainLoop`.
    """
    optimizer = torch.optim.AdamW(list(parameters), lr=config.lr, weight_decay=config.weight_decay)
    run_config = baseline.checkpoint_config(config.to_dict())

    def finish() -> None:
        baseline.eval()
        if on_finish is not None:
            on_finish()

    loop = TrainLoop(
        config.out,
        baseline,
        optimizer,
        run_config,
        steps=config.steps,
        save_every=config.save_every,
        desc=baseline.kind,
        state=lambda: {"rng": rng.bit_generator.state},
        checkpoint_config=run_config,
        on_finish=finish,
        progress=progress,
        stop_after=stop_after,
    )
    saved = loop.resume()
    if saved is not None:
        rng.bit_generator.state = saved["rng"]
    baseline.train()
    for _ in loop.steps():
        with autocast():
            total, parts = loss_fn()
        optimizer.zero_grad(set_to_none=True)
        total.backward()
        optimizer.step()
        loop.log({"total": total.item()} | {name: value.item() for name, value in parts.items()})
