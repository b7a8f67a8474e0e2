"""Leak checks: no method is measured on robot clips it trained on, nor planned on tasks it saw on a robot.

A checkpoint records how it was trained (`config.json` "train": its robot folders, tasks, variants and
held-out split), so the robot clips it trained on can be listed again from the datasets' manifests, without
loading any clip. Evaluation refuses to run when
- a method trained on any of the held-out clips it is scored on (a baseline trained with another split
  seed, fraction or variants than the checkpoint whose held-out clips are used would be), or
- a protocol about tasks unseen on the robot plans a task that a method has robot training clips of, or
- a method trained on a clip of the same domain, task and seed as an evaluation-only clip it is scored on
  (`evaluation.target_clips`; the generator's seeds are hashes, so a range apart is not proof enough).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path

from adapt2reward.data.records import MANIFEST_NAME, ClipRecord, iter_manifest
from adapt2reward.data.run_data import load_robot_split
from adapt2reward.models.checkpoint import CONFIG_FILE, read_config
from adapt2reward.reward.ensemble import is_ensemble, read_ensemble

ClipKey = tuple[str, str, int]  # (domain, task, seed)


class LeakError(ValueError):
    """A method would be measured on data it trained on."""


def trained_robot_clips(ckpt_dir: str | Path) -> list[ClipRecord]:
    """The robot clips (success and failure) a checkpoint trained on, from its saved train config; none
    for a checkpoint that trained on no robot clips (stage 1, Concept2Robot); an ensemble's members' all."""
    if is_ensemble(ckpt_dir):
        members = read_ensemble(ckpt_dir).members
        return [record for member in members for record in trained_robot_clips(member)]
    train = read_config(ckpt_dir).get("train") or {}
    if not train.get("robot"):
        return []
    split = load_robot_split(
        train["robot"],
        train.get("tasks") or (),
        train.get("robot_variants") or ("train",),
        train.get("heldout_fraction", 0.2),
        train.get("split_seed", 0),
    )
    return [record for _, record in split.success + split.failure]


def check_unseen_clips(methods: Mapping[str, str | Path], heldout: Iterable[ClipRecord]) -> None:
    """Raise LeakError naming the method and clips when a method trained on a held-out clip."""
    ids = {record.id for record in heldout}
    for name, path in methods.items():
        seen = sorted(ids & {record.id for record in trained_robot_clips(path)})
        if seen:
            raise LeakError(
                f"{name!r} ({path}) trained on {len(seen)} of the held-out clips it would be scored on "
                f"(e.g. {seen[:3]}): train it with the held-out split of the evaluated checkpoint "
                "(same robot variants, heldout_fraction and split_seed)"
            )


def check_unseen_tasks(methods: Mapping[str, str | Path], tasks: Iterable[str]) -> None:
    """Raise LeakError when a method has robot training clips of any of `tasks`."""
    targets = set(tasks)
    for name, path in methods.items():
        seen = sorted(targets & {record.task for record in trained_robot_clips(path)})
        if seen:
            raise LeakError(
                f"{name!r} ({path}) trained on robot clips of {seen}, which this protocol plans as tasks "
                "never seen on the robot"
            )


def trained_clip_keys(ckpt_dir: str | Path) -> set[ClipKey]:
    """(domain, task, seed) of every clip in the dataset folders a checkpoint trained on, and those of the
    checkpoints it started from (`init`, e.g. stage 1): whole folders, held-out clips included (a
    superset); a folder that is gone is skipped. An ensemble's are its members' all."""
    if is_ensemble(ckpt_dir):
        return set().union(*(trained_clip_keys(member) for member in read_ensemble(ckpt_dir).members))
    keys: set[ClipKey] = set()
    seen: set[Path] = set()
    path: Path | None = Path(ckpt_dir)
    while path is not None and path.resolve() not in seen and (path / CONFIG_FILE).is_file():
        seen.add(path.resolve())
        train = read_config(path).get("train") or {}
        for name in ("human", "robot", "data"):
            for folder in train.get(name) or ():
                manifest = Path(folder) / MANIFEST_NAME
                if manifest.is_file():
                    stat = manifest.stat()
                    keys |= _manifest_keys(str(folder), stat.st_mtime_ns, stat.st_size)
        path = Path(train["init"]) if train.get("init") else None
    return keys


@functools.lru_cache(maxsize=32)
def _manifest_keys(folder: str, mtime_ns: int, size: int) -> frozenset[ClipKey]:
    """A dataset's clip keys, read once per version of its manifest (methods share their datasets)."""
    return frozenset((r.domain, r.task, r.seed) for r in iter_manifest(folder))


def check_unseen_seeds(methods: Mapping[str, str | Path], clips: Iterable[ClipKey]) -> None:
    """Raise LeakError when a method trained on a clip of the same domain, task and seed as one of `clips`
    (the same seed places the objects and draws the look alike)."""
    wanted = set(clips)
    for name, path in methods.items():
        shared = sorted(wanted & trained_clip_keys(path))
        if shared:
            raise LeakError(
                f"{name!r} ({path}) trained on clips with the domain, task and seed of {len(shared)} "
                f"evaluation clips (e.g. {shared[:3]}): record the evaluation clips with other seeds"
            )
