"""The skeleton every training loop shares (stage 1, stage 2, the baselines): resume, the loss log, saves,
stopping and the progress bar. The caller keeps its step readable in its own module:

    loop = TrainLoop(out, model, optimizer, run_config, steps=..., epochs=..., state=...)
    saved = loop.resume()        # None for a fresh run, else the saved state to restore the caller's part of
    for epoch in loop.steps():   # the steps still to run
        ...                      # one optimisation step
        loop.log({"total": loss.item()})

A rerun over a finished run runs no step and writes nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from adapt2reward.models.checkpoint import CONFIG_FILE
from adapt2reward.training.loss_log import LossLog
from adapt2reward.training.run_state import resume_run, save_run


class TrainLoop:
    """A run in `out` of `epochs` epochs of `steps` steps each, or with `epochs` None of `steps` steps in all
    (its log then has no epoch column).

    `model`: the module trained, saved whole as `model.safetensors` and in `train_state.pt`. `run_config`:
    what the run is, stored with its state and compared on resume. `checkpoint_config`: the contents of
    `config.json` (default: the model's config and `run_config`, a stage checkpoint). `state()`: the
    caller's own part of the state (random generators, sampler) at a save. `on_epoch_end` runs after each
    epoch's last step, `on_finish` after the last epoch's, both before the save that follows them. A
    checkpoint is saved every `save_every` steps and at every epoch end; `stop_after` ends the run after
    that many steps in all, as an interruption would (for tests). Only the main process (`is_main`) logs
    and saves.
    """

    def __init__(
        self,
        out: str | Path,
        model: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        run_config: dict[str, Any],
        *,
        steps: int,
        epochs: int | None = None,
        save_every: int = 50,
        desc: str,
        state: Callable[[], dict[str, Any]],
        checkpoint_config: dict[str, Any] | None = None,
        on_epoch_end: Callable[[], None] | None = None,
        on_finish: Callable[[], None] | None = None,
        progress: bool = True,
        stop_after: int | None = None,
        is_main: bool = True,
    ) -> None:
        self.out, self.model, self.optimizer, self.run_config = Path(out), model, optimizer, run_config
        self.checkpoint_config = checkpoint_config or {"model": model.config.to_dict(), **run_config}
        self.steps_per_epoch, self.epochs, self.save_every = steps, epochs, save_every
        self.desc, self.state, self.progress, self.stop_after = desc, state, progress, stop_after
        self.on_epoch_end, self.on_finish, self.is_main = on_epoch_end, on_finish, is_main
        self.epoch, self.step_in_epoch, self.global_step = 0, 0, 0
        self.resumed = False
        self.log_file: LossLog | None = None
        self.last: dict[str, Any] = {}  # the last row logged
        self._values: dict[str, float] | None = None

    def resume(self) -> dict[str, Any] | None:
        """Restore model, optimizer, torch's random state and the position from `out`; returns the saved
        state (the caller restores its own part from it), or None for a fresh run.

        A folder with a checkpoint but no training state (a baseline trained before runs could resume) is
        refused rather than trained over.
        """
        saved = resume_run(self.out, self.model, self.optimizer, self.run_config)
        if saved is None and (self.out / CONFIG_FILE).exists():
            raise ValueError(
                f"{self.out} holds a checkpoint but no training state to resume from; choose another "
                "output folder"
            )
        if saved is not None:
            self.epoch, self.step_in_epoch = saved["epoch"], saved["step_in_epoch"]
            self.global_step = saved["global_step"]
        self.resumed = True
        if self.is_main:
            resume_step = self.global_step if saved is not None else None
            self.log_file = LossLog(self.out / "losses.csv", resume_step)
        return saved

    def steps(self) -> Iterator[int]:
        """Yield the epoch (from 0) of each step still to run; after each: log, then save or stop if due."""
        if not self.resumed:
            raise RuntimeError("TrainLoop.resume() must come before steps(): it decides where the run starts")
        epochs = self.epochs or 1
        if self.epoch >= epochs and self.progress and self.is_main:
            finished = f"{self.out} holds a finished run ({self.global_step} steps): nothing to do"
            tqdm.write(finished, sys.stderr)
        while self.epoch < epochs:
            desc = self.desc if self.epochs is None else f"{self.desc} epoch {self.epoch + 1}/{epochs}"
            total, initial = self.steps_per_epoch, self.step_in_epoch
            with tqdm(total=total, initial=initial, desc=desc, disable=not self.progress) as bar:
                while self.step_in_epoch < self.steps_per_epoch:
                    self._values = None
                    yield self.epoch
                    self.step_in_epoch += 1
                    self.global_step += 1
                    if self._values is not None:
                        self._write_row(bar)
                    bar.update()
                    if self.global_step % self.save_every == 0:
                        self.save()
                    if self.stop_after is not None and self.global_step >= self.stop_after:
                        self.save()
                        return
            if self.on_epoch_end is not None:
                self.on_epoch_end()
            if self.epoch + 1 == epochs and self.on_finish is not None:
                self.on_finish()
            self.epoch, self.step_in_epoch = self.epoch + 1, 0
            self.save()

    def log(self, values: dict[str, float]) -> None:
        """The values the current step logs (losses); written with its step number when the step ends."""
        self._values = values

    def _write_row(self, bar: tqdm) -> None:
        row: dict[str, Any] = {"step": self.global_step}
        if self.epochs is not None:
            row["epoch"] = self.epoch + 1
        self.last = row | self._values
        if self.log_file is not None:
            self.log_file.write(self.last)
        bar.set_postfix({k: f"{v:.3f}" for k, v in self._values.items()})

    def save(self) -> None:
        """Write the checkpoint and the training state (atomically, the state last)."""
        if not self.is_main:
            return
        position = {"epoch": self.epoch, "step_in_epoch": self.step_in_epoch, "global_step": self.global_step}
        save_run(
            self.out,
            self.model,
            self.optimizer,
            self.run_config,
            position | self.state(),
            self.checkpoint_config,
        )
