"""`a2r eval`: evaluate named reward models on a planning protocol, on held-out clips or on the
evaluation-only clips of the task-generalization target tasks."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from adapt2reward.baselines import checkpoint_clip_shape, checkpoint_kind, load_reward
from adapt2reward.evaluation.report import OFFLINE_NAME
from adapt2reward.paths import why_not

OFFLINE = "offline"
TARGET_CLIPS = "target-clips"


def checkpoint_identity(kind: str, path: str | Path) -> str:
    """Names a checkpoint's weights: kind, folder, and the weights file's size and modification time; an
    ensemble's names its penalty and every member's."""
    folder = Path(path).resolve()
    if kind == "ensemble":
        from adapt2reward.reward.ensemble import read_ensemble

        config = read_ensemble(path)
        members = "; ".join(checkpoint_identity(checkpoint_kind(m), m) for m in config.members)
        return f"{kind}:{folder}:penalty={config.penalty}:[{members}]"
    stamps = sorted(
        f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in folder.glob("*.safetensors")
    )
    return f"{kind}:{folder}:{','.join(stamps)}"


def planner_reward(kind: str, path: str | Path, device: str = "cpu", look: str = "robot") -> Any:
    """The planner's `ModelReward` for a checkpoint: loaded lazily (in each worker), named by its weights."""
    from adapt2reward.planning.rewards import ModelReward

    return ModelReward(
        loader=functools.partial(load_reward, str(path), device, kind=kind),
        identity=checkpoint_identity(kind, path),
        look=look,
        clip_shape=checkpoint_clip_shape(path),
    )


def run_evaluation(
    protocol: str,
    methods: Mapping[str, tuple[str, str | Path]],
    checkpoint: str | Path,
    out: str | Path,
    episodes: int | None = None,
    workers: int = 1,
    preset: str = "quick",
    progress: bool = True,
    backend: str = "local",
    device: str = "cpu",
    clips: int | None = None,
    clip_cache: str | Path | None = None,
    look: str = "robot",
) -> dict[str, Any]:
    """Run `protocol` for every method (name -> (kind, checkpoint)); write and return its summary.

    `offline` scores the held-out robot clips of `checkpoint` with every method (`OUT/offline.json`);
    `target-clips` records once (into `clip_cache`) `clips` evaluation-only clips per target task of
    task generalization, domain (robot, human) and outcome, and scores them with every method
    (`OUT/target-clips.json`, `evaluation.target_clips`); any other protocol plans in simulation with
    each reward, plus oracle and random (`OUT/PROTOCOL.json`), and resumes an interrupted run into the
    same `out`; `look` films every method's candidates in that domain's look (`planning.rewards`: "human"
    is a diagnostic). Reward models run on `device` (every worker process loads its own copy there). A method
    that trained on the clips or tasks it would be measured on is refused before any work
    (`evaluation.leakage`).
    """
    from adapt2reward.envs.appearance import check_domain

    check_domain(look, "look")
    if look != "robot" and protocol in (OFFLINE, TARGET_CLIPS):
        raise ValueError(f"look {look!r} films the planner's candidates; {protocol} scores recorded clips")
    if protocol == TARGET_CLIPS:
        from adapt2reward.evaluation.target_clips import DEFAULT_CLIPS, check_clips, evaluate_target_clips

        clips = DEFAULT_CLIPS if clips is None else clips
        check_clips(clips)
    for method, (_, path) in methods.items():
        if not Path(path).is_dir():
            raise FileNotFoundError(f"checkpoint of {method!r} ({path}) {why_not(path, 'folder')}")
    if protocol == TARGET_CLIPS:
        return evaluate_target_clips(methods, out, clips, clip_cache, device=device, progress=progress)
    from adapt2reward.evaluation.leakage import check_unseen_clips, check_unseen_tasks

    paths = {name: path for name, (_, path) in methods.items()}
    if protocol == OFFLINE:
        from adapt2reward.evaluation.heldout import compare_offline, heldout_items

        check_unseen_clips(paths, [record for _, record in heldout_items(checkpoint)])
    else:
        from adapt2reward.evaluation.protocols import get_protocol

        config = get_protocol(protocol)
        if config.unseen_robot_tasks:
            check_unseen_tasks(paths, {task for sweep in config.sweeps.values() for task in sweep.tasks})
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if protocol == OFFLINE:
        models = {name: load_reward(path, device, kind=kind) for name, (kind, path) in methods.items()}
        metrics = compare_offline(models, checkpoint, progress)
        (out / OFFLINE_NAME).write_text(json.dumps(metrics, indent=2) + "\n")
        return metrics

    from adapt2reward.evaluation.protocols import run_protocol

    rewards = {name: planner_reward(kind, path, device, look) for name, (kind, path) in methods.items()}
    return run_protocol(
        protocol,
        rewards,
        out,
        preset=preset,
        episodes=episodes,
        workers=workers,
        progress=progress,
        backend=backend,
    )
