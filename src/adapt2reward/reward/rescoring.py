"""A trained checkpoint read with another scoring (`reward.scoring`), written as a checkpoint of its own.

`reference_scoring` builds relative scoring's reference set (lever 2) from what a stage-2 checkpoint
trained on: its robot and human tasks and their opposites. `rescore_checkpoint` writes a copy of the
checkpoint whose config.json records a scoring, so that every tool that loads checkpoints (planning,
RL, the server, the benchmarks) reads the reward that way without a flag of its own, and a planning
run tells the two readings apart by their folders.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from adapt2reward.models.checkpoint import CONFIG_FILE, STATE_FILE, CheckpointError, read_config, save_config
from adapt2reward.reward.scoring import SCORINGS, ScoringConfig
from adapt2reward.tasks import TASK_NAMES, get_task

SKIPPED = {CONFIG_FILE, STATE_FILE, ".done"}  # the copy is for inference: no optimiser state


def reference_scoring(config: dict[str, Any], where: str = "checkpoint") -> ScoringConfig:
    """Relative scoring against every task a stage-2 checkpoint's config trained on (robot tasks, human
    tasks, or every known task where it names none) and their opposites."""
    if config.get("stage") != "adapt":
        raise CheckpointError(
            f"{where} is not of stage 2 (stage {config.get('stage')!r}): relative scoring needs a stage-2 "
            "checkpoint (`a2r train`), whose training tasks are the reference set"
        )
    train = config["train"]
    tasks = [*train["tasks"], *(train.get("human_tasks") or TASK_NAMES)]
    tasks += [get_task(t).opposite for t in tasks if get_task(t).opposite]
    tasks = list(dict.fromkeys(tasks))
    return ScoringConfig(
        "relative",
        reference={t: get_task(t).instructions[0] for t in tasks},
        phrasings={t: tuple(get_task(t).instructions) for t in tasks},
    )


def rescore_checkpoint(checkpoint: str | Path, out: str | Path, kind: str) -> Path:
    """Write `out`: `checkpoint`'s weights (hard-linked where the file system allows, else copied) and its
    config with the scoring `kind` ("relative": `reference_scoring`; "cosine": the paper's)."""
    checkpoint, out = Path(checkpoint), Path(out)
    if kind not in SCORINGS:
        raise ValueError(f"unknown scoring {kind!r}; known: {list(SCORINGS)}")
    config = read_config(checkpoint)
    if config.get("stage") != "adapt" or "model" not in config:
        raise CheckpointError(
            f"{checkpoint} is not an Adapt2Reward stage-2 checkpoint (`a2r train`, `a2r translate-look`): "
            "only those record a scoring"
        )
    if out.resolve() == checkpoint.resolve():
        raise ValueError(f"--out {out} is the checkpoint itself: write the rescored copy to another folder")
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty: name a new folder for the rescored checkpoint")
    scoring = (
        reference_scoring(config, f"{checkpoint}/config.json") if kind == "relative" else ScoringConfig()
    )
    out.mkdir(parents=True, exist_ok=True)
    for file in sorted(checkpoint.iterdir()):
        if file.is_file() and file.name not in SKIPPED:
            _link_or_copy(file, out / file.name)
    config.pop("format_version", None)
    save_config(out, {**config, "scoring": scoring.to_dict(), "rescored_from": str(checkpoint)})
    return out


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(source, target)
