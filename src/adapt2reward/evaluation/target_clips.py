"""Target-task clips in both domains: does a reward tell success from failure on the tasks it must
generalize to, in the robot look and in the human-like look?

The task-generalization protocol's target tasks (read from its config) are recorded once into a cache
folder, a dataset folder like the generator's (manifest + clip archives, resumable: a rerun records only
the slots not yet there): per task, domain (robot, human) and outcome, `clips` slots. A success slot is
the domain's own attempt (the noisy scripted expert, or its human-style take) and a failure slot a
near-success perturbation of it (even slots) or random exploration (odd slots); a slot's label is always
MetaWorld's success flag at the last frame, and a slot whose attempts never give its wanted outcome is
dropped (listed in `dropped.txt`). Every reward scores every clip against its task's canonical
instruction, and the result is the success-vs-failure ROC AUC per method, domain and target task, and
their mean (`OUT/target-clips.json`).

These clips are for evaluation only: no dataset is made from them. Their seeds lie in
[`SEED_BASE`, `SEED_BASE + SEED_SPAN`), apart from every other fixed seed range of the project:
planning episodes 0-19 (presets), validation episodes and candidate banks 1000+, the transfer
diagnostics' clips and the RL evaluation episodes 10000+, the planner's own robot clips (`a2r
record-planner`, a training lever) 20000+, the over-reward probes [2^31, 2^32), the old
`benchmarks/target_task_clips.py` 0-11. The generator's clip seeds are 31-bit hashes of the clip id,
which could land anywhere below 2^31, so before scoring, every clip of the datasets a method (and the
checkpoint it started from) trained on is checked: none may share a domain, task and seed with an
evaluation clip (`evaluation.leakage.check_unseen_seeds`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm import tqdm

from adapt2reward.data.clip_io import load_clip, save_clip
from adapt2reward.data.folder_settings import check_folder_settings
from adapt2reward.data.records import MANIFEST_NAME, ClipRecord, append_records, iter_manifest
from adapt2reward.evaluation.offline_metrics import success_auc
from adapt2reward.paths import why_not
from adapt2reward.tasks import get_task

if TYPE_CHECKING:
    from adapt2reward.reward.protocol import LearnedReward

TARGET_CLIPS_NAME = "target-clips.json"  # the results, in the evaluation's output folder
DEFAULT_CACHE = Path("data/target-clips")  # the recorded clips (data/ is not under version control)
CACHE_CONFIG = "target-clips-config.json"  # what the cache holds, checked on every reuse
PROTOCOL = "task-generalization"
DOMAINS = ("robot", "human")
OUTCOMES = ("success", "failure")
DEFAULT_CLIPS = 8
SEED_BASE = 30_000
ATTEMPTS = 8  # seeds one slot may try before it is dropped
SEED_SPAN = 10_000  # so at most SEED_SPAN // ATTEMPTS slots per (task, domain, outcome)
MAX_CLIPS = SEED_SPAN // ATTEMPTS


@dataclass(frozen=True)
class Slot:
    """One evaluation clip to record: what to attempt and which outcome it must end with."""

    task: str
    domain: str
    outcome: str
    index: int

    @property
    def id(self) -> str:
        return f"target-{self.domain}-{self.task}-{self.outcome}-{self.index:04d}"

    @property
    def behaviour(self) -> str:
        if self.outcome == "success":
            return "expert"
        return "near_success" if self.index % 2 == 0 else "random"

    def seed(self, attempt: int) -> int:
        """The same seeds for every (task, domain, outcome): a domain's clips share object placements."""
        return SEED_BASE + self.index * ATTEMPTS + attempt


def target_tasks(protocol: str = PROTOCOL) -> tuple[str, ...]:
    """The target tasks of a protocol (its config's sweeps), in the order it lists them."""
    from adapt2reward.evaluation.protocols import get_protocol

    config = get_protocol(protocol)
    return tuple(dict.fromkeys(task for sweep in config.sweeps.values() for task in sweep.tasks))


def plan_slots(tasks: Sequence[str], clips: int) -> list[Slot]:
    """Every slot of `clips` per task, domain and outcome, in a fixed order (grouped by task)."""
    check_clips(clips)
    return [
        Slot(task, domain, outcome, i)
        for task in tasks
        for domain in DOMAINS
        for outcome in OUTCOMES
        for i in range(clips)
    ]


def check_clips(clips: int) -> None:
    if not 1 <= clips <= MAX_CLIPS:
        raise ValueError(
            f"--clips must lie in 1-{MAX_CLIPS} (evaluation clips per target task, domain and outcome), "
            f"got {clips}"
        )


def record_slot(slot: Slot, cache: Path, num_frames: int, size: int) -> ClipRecord | None:
    """Record a slot into `cache`, trying its seeds until the simulator's label is the wanted one; None
    when no attempt gives it."""
    from adapt2reward.envs.recording import ClipSpec, record_clip

    for attempt in range(ATTEMPTS):
        seed = slot.seed(attempt)
        spec = ClipSpec(slot.task, slot.domain, slot.behaviour, "train", seed, num_frames, size)
        clip = record_clip(spec)
        if clip.success == (slot.outcome == "success"):
            break
    else:
        return None
    rel = f"clips/{slot.domain}/{slot.task}/{slot.id}.npz"
    save_clip(cache / rel, clip.frames, progress=clip.progress)
    return ClipRecord.of_recording(
        clip,
        id=slot.id,
        domain=slot.domain,  # type: ignore[arg-type]
        task=slot.task,
        instruction=get_task(slot.task).instruction,
        variant="train",
        seed=seed,
        path=rel,
        extra={"attempts": attempt + 1, "evaluation_only": True},
    )


def record_target_clips(
    cache: str | Path,
    tasks: Sequence[str],
    clips: int = DEFAULT_CLIPS,
    num_frames: int = 8,
    size: int = 64,
    progress: bool = True,
) -> list[ClipRecord]:
    """The records of every slot of `tasks` (dropped ones excepted), recording into `cache` only the
    slots it lacks; a larger `clips` later records only the new slots."""
    from adapt2reward.data.generate import DROPPED_NAME, finished_ids

    slots = plan_slots(tasks, clips)
    cache = Path(cache)
    if cache.exists() and not cache.is_dir():
        raise NotADirectoryError(f"target-clip cache {cache} {why_not(cache, 'folder')}")
    cache.mkdir(parents=True, exist_ok=True)
    settings = {"num_frames": num_frames, "size": size, "seed_base": SEED_BASE, "attempts": ATTEMPTS}
    check_folder_settings(cache, settings, CACHE_CONFIG, "target clips")
    done = finished_ids(cache)
    pending = [slot for slot in slots if slot.id not in done]
    for slot in tqdm(pending, desc="recording target clips", unit="clip", disable=not progress):
        record = record_slot(slot, cache, num_frames, size)
        if record is None:
            with (cache / DROPPED_NAME).open("a") as f:
                f.write(slot.id + "\n")
        else:
            append_records(cache, [record])
    by_id = {r.id: r for r in iter_manifest(cache)} if (cache / MANIFEST_NAME).is_file() else {}
    return [by_id[slot.id] for slot in slots if slot.id in by_id]


def score_target_clips(
    models: Mapping[str, LearnedReward | Callable[[], LearnedReward]],
    cache: str | Path,
    records: Sequence[ClipRecord],
    progress: bool = True,
) -> dict[str, Any]:
    """Success-vs-failure ROC AUC of every model per domain and task (and `mean` over the tasks with both
    outcomes), each clip scored against its task's canonical instruction; also every clip's score. A
    model may be given as a function that loads it: models are then loaded one at a time."""
    from adapt2reward.evaluation.heldout import paired_scores

    if not records:
        raise ValueError(f"{cache} holds none of the target clips asked for (every slot was dropped)")
    tasks = list(dict.fromkeys(r.task for r in records))
    clips = np.stack([load_clip(cache, r) for r in records])
    texts = [get_task(r.task).instruction for r in records]
    labels = np.array([r.success for r in records], dtype=bool)
    groups = {
        (domain, task): np.flatnonzero([r.domain == domain and r.task == task for r in records])
        for domain in DOMAINS
        for task in tasks
    }
    auc: dict[str, dict[str, dict[str, float | None]]] = {}
    scores: dict[str, list[float]] = {}
    for name, model in models.items():
        if callable(model) and not hasattr(model, "reward"):
            model = model()
        rewards = paired_scores(model, clips, texts, progress)[0]
        scores[name] = [round(float(v), 6) for v in rewards]
        auc[name] = {}
        for domain in DOMAINS:
            row = {t: success_auc(rewards[groups[domain, t]], labels[groups[domain, t]]) for t in tasks}
            defined = [v for v in row.values() if v is not None]
            auc[name][domain] = {**row, "mean": float(np.mean(defined)) if defined else None}
        del model
    counts = {
        domain: {
            t: {
                outcome: int((labels[groups[domain, t]] == (outcome == "success")).sum())
                for outcome in OUTCOMES
            }
            for t in tasks
        }
        for domain in DOMAINS
    }
    seeds = [r.seed for r in records]
    return {
        "tasks": tasks,
        "domains": list(DOMAINS),
        "clips": counts,
        "seeds": [min(seeds), max(seeds)],
        "auc": auc,
        "clip_ids": [r.id for r in records],
        "clip_success": labels.tolist(),
        "clip_behaviour": [r.behaviour for r in records],
        "scores": scores,
    }


def evaluate_target_clips(
    methods: Mapping[str, tuple[str, str | Path]],
    out: str | Path,
    clips: int = DEFAULT_CLIPS,
    cache: str | Path | None = None,
    protocol: str = PROTOCOL,
    device: str = "cpu",
    progress: bool = True,
) -> dict[str, Any]:
    """Record (or reuse) the target clips of `protocol`, score them with every method (name -> (kind,
    checkpoint), loaded one at a time) and write `OUT/target-clips.json`. Refuses, before any scoring, a
    method that trained on robot clips of a target task or on a clip with an evaluation clip's domain,
    task and seed."""
    from adapt2reward.baselines import load_reward
    from adapt2reward.evaluation.leakage import check_unseen_seeds, check_unseen_tasks

    tasks = target_tasks(protocol)
    paths = {name: path for name, (_, path) in methods.items()}
    check_unseen_tasks(paths, tasks)
    cache = Path(cache) if cache is not None else DEFAULT_CACHE
    records = record_target_clips(cache, tasks, clips, progress=progress)
    check_unseen_seeds(paths, [(r.domain, r.task, r.seed) for r in records])
    loaders = {
        name: functools.partial(load_reward, path, device, kind=kind)
        for name, (kind, path) in methods.items()
    }
    result = {
        "protocol": protocol,
        "clips_per_group": clips,
        "cache": str(cache),
        **score_target_clips(loaders, cache, records, progress),
    }
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / TARGET_CLIPS_NAME).write_text(json.dumps(result, indent=2) + "\n")
    return result
