"""Evaluation protocols: named JSON configs in `configs/eval/` (the package's `evaluation/configs/`), run
by `run_protocol`.

A protocol holds one or more sweeps; a sweep is a table whose columns are variants (pooled over its
tasks) or tasks (pooled over its variants). A preset (`configs/eval/presets.json`: quick, full, ...)
sets the episodes per (task, variant) and the planner; one may name another as its `base` and give only
what differs. Every method plans the same episodes (same seeds, so the same object placements and
looks), and `oracle` and `random` are always among the methods.

Output: `OUT/PROTOCOL.json` with, per method, sweep and column (plus `average`, the mean of the
columns' rates): `success_rate` (MetaWorld's success flag raised during the episode),
`final_success_rate` (raised at its last step), `successes`, `episodes`, `seeds`; and
`OUT/PROTOCOL.episodes.jsonl`, one `EpisodeRecord` per line (candidate scores and reward curves for the
report's plots), written as episodes finish.

An interrupted run resumes: `OUT/PROTOCOL.run.json` records the preset's planner and each method's
`identity`, and a rerun into the same folder keeps the finished episodes of every method whose identity
and planner are unchanged (methods without an identity are always rerun). Episode seeds are run in
rounds (seed 0 of every cell and method, then seed 1, ...), and `PROTOCOL.json` is rewritten each time a
round completes, so a run that is stopped or still going has a summary of the rounds it finished
(`episodes_per_cell` of `planned_episodes_per_cell`, the seeds in `episode_seeds`) that `a2r report` reads.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from adapt2reward.envs.variants import get_variant
from adapt2reward.evaluation.episodes import EpisodeJob, EpisodeRecord, run_jobs
from adapt2reward.json_config import ConfigError, check, from_dict, load_config, read_json
from adapt2reward.planning.episode import PlannerConfig
from adapt2reward.planning.rewards import OracleReward, RandomReward, RewardFunction, check_clip_shape
from adapt2reward.planning.timing import PARTS
from adapt2reward.tasks import get_task

# Package data, so an installed wheel finds them; the repository's configs/eval links here for users.
CONFIG_DIR = Path(files("adapt2reward.evaluation") / "configs")
PROTOCOL_NAMES = ("env-generalization", "task-generalization", "robustness")
PRESETS_FILE = "presets.json"


@dataclass(frozen=True)
class Sweep:
    """One results table: columns `by` variant (pooled over `tasks`) or by task (pooled over `variants`)."""

    by: str
    tasks: tuple[str, ...]
    variants: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.by not in ("variant", "task"):
            raise ValueError(f"a sweep's 'by' must be 'variant' or 'task', got {self.by!r}")
        if not self.tasks or not self.variants:
            raise ValueError("a sweep needs at least one task and one variant")
        for task in self.tasks:
            get_task(task)
        for variant in self.variants:
            get_variant(variant)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.variants if self.by == "variant" else self.tasks

    def cells(self, column: str) -> list[tuple[str, str]]:
        """The (task, variant) pairs pooled in a column."""
        if self.by == "variant":
            return [(task, column) for task in self.tasks]
        return [(column, variant) for variant in self.variants]


@dataclass(frozen=True)
class ProtocolConfig:
    """unseen_robot_tasks: the protocol plans tasks no method may have robot training clips of."""

    name: str
    description: str = ""
    sweeps: dict[str, Sweep] = field(default_factory=dict)
    unseen_robot_tasks: bool = False

    def __post_init__(self) -> None:
        check(bool(self.sweeps), self, "sweeps", "a protocol needs at least one sweep")


@dataclass(frozen=True)
class Preset:
    """episodes: per (task, variant) pair, with seeds seed .. seed+episodes-1."""

    name: str
    episodes: int
    seed: int
    planner: PlannerConfig

    def __post_init__(self) -> None:
        check(self.episodes >= 1, self, "episodes", "must be >= 1")


def get_protocol(name: str | Path) -> ProtocolConfig:
    """A protocol by name (`configs/eval/NAME.json`) or from a JSON file path."""
    path = Path(name)
    if path.suffix != ".json":
        if str(name) not in PROTOCOL_NAMES:
            known = ", ".join(PROTOCOL_NAMES)
            raise ValueError(f"unknown protocol {name!r}; known: {known}, or a path to a .json file")
        path = CONFIG_DIR / f"{name}.json"
    return load_config(ProtocolConfig, path, {"name": path.stem})


def read_presets(presets_file: str | Path = CONFIG_DIR / PRESETS_FILE) -> dict[str, dict[str, Any]]:
    """Every preset of the file as plain values. A preset may name another as its `base` and give only
    what differs: its keys replace the base's, key by key inside `planner` (e.g. only `planner.size`)."""
    raw = read_json(presets_file, "evaluation presets")

    def resolve(name: str, seen: tuple[str, ...]) -> dict[str, Any]:
        entry = dict(raw[name])
        base = entry.pop("base", None)
        if base is None:
            return entry
        if base not in raw or base in seen:
            why = "is not a preset" if base not in raw else "makes a cycle"
            raise ValueError(f"{presets_file}: preset {name!r}: its base {base!r} {why}")
        merged = resolve(base, (*seen, base))
        planner = {**merged.get("planner", {}), **entry.pop("planner", {})}
        return {**merged, **entry, "planner": planner}

    return {name: resolve(name, (name,)) for name in raw}


def get_preset(name: str, presets_file: str | Path = CONFIG_DIR / PRESETS_FILE) -> Preset:
    """A named preset (quick, full, ...) from the presets file."""
    presets = read_presets(presets_file)
    if name not in presets:
        raise ValueError(f"unknown preset {name!r}; known: {', '.join(presets)}")
    return _preset(name, presets[name], presets_file)


def _preset(name: str, values: dict[str, Any], presets_file: str | Path) -> Preset:
    try:
        return from_dict(Preset, {**values, "name": name})
    except ConfigError as e:
        raise e.in_file(presets_file) from None


def presets_filming_hint(frames: int, size: int, presets_file: str | Path = CONFIG_DIR / PRESETS_FILE) -> str:
    """Which presets film clips of at least `frames` frames of `size` px, as the clip-shape refusal's hint."""
    planners = {n: _preset(n, v, presets_file).planner for n, v in read_presets(presets_file).items()}
    fitting = [n for n, p in planners.items() if p.num_frames >= frames and p.size >= size]
    if fitting:
        return f"presets that do: {', '.join(fitting)}"
    return (
        f"no preset does: add one to {presets_file} with a 'base' preset and planner.num_frames {frames}, "
        f"planner.size {size}"
    )


def with_reference_methods(methods: Mapping[str, RewardFunction]) -> dict[str, RewardFunction]:
    """`methods` plus `oracle` and `random` (unless given under those names)."""
    return {"oracle": OracleReward(), "random": RandomReward(), **methods}


def plan_jobs(protocol: ProtocolConfig, methods: list[str], episodes: int, seed: int) -> list[EpisodeJob]:
    """Every episode a protocol needs, each (task, variant, seed, method) once (`run_jobs` decides the
    order they run in)."""
    cells = {
        cell for sweep in protocol.sweeps.values() for column in sweep.columns for cell in sweep.cells(column)
    }
    return [
        EpisodeJob(method, task, variant, seed + i)
        for task, variant in sorted(cells)
        for i in range(episodes)
        for method in methods
    ]


def _run_identity(preset: Preset, methods: Mapping[str, RewardFunction]) -> dict[str, Any]:
    return {
        "planner": json.loads(json.dumps(asdict(preset.planner))),
        "methods": {name: getattr(fn, "identity", None) for name, fn in methods.items()},
    }


def finished_records(
    episodes_file: Path, run_file: Path, identity: Mapping[str, Any], jobs: list[EpisodeJob]
) -> list[EpisodeRecord]:
    """The episodes of an earlier run into the same folder that this run would repeat exactly.

    Nothing is kept when the planner differs; otherwise a method's episodes are kept when its identity is
    known and unchanged. A torn last line (a run killed while writing) is dropped. Episodes of methods
    this run does not name are dropped with a warning that names them (the file is rewritten without them).
    """
    if not episodes_file.is_file():
        return []
    rows = []
    for line in episodes_file.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    seen = {row["method"] for row in rows if isinstance(row, dict) and "method" in row}
    unnamed = sorted(seen - set(identity["methods"]))
    if unnamed:
        warnings.warn(
            f"{episodes_file} holds episodes of methods this run does not name, and they are dropped from "
            f"it: {', '.join(unnamed)}; name every method again to keep them",
            stacklevel=3,
        )
    if not run_file.is_file():
        return []
    before = json.loads(run_file.read_text())
    if before.get("planner") != identity["planner"]:
        return []
    same = {
        name
        for name, ident in identity["methods"].items()
        if ident is not None and before.get("methods", {}).get(name) == ident
    }
    wanted = {(j.method, j.task, j.variant, j.seed) for j in jobs if j.method in same}
    kept: dict[tuple[str, str, str, int], EpisodeRecord] = {}
    for row in rows:
        try:
            record = EpisodeRecord(**row)
        except TypeError:
            continue
        key = (record.method, record.task, record.variant, record.seed)
        if key in wanted:
            kept[key] = record
    return list(kept.values())


def _rate(records: list[EpisodeRecord]) -> dict[str, Any]:
    successes = sum(r.success for r in records)
    finals = sum(r.final_success for r in records)
    return {
        "success_rate": successes / len(records) if records else None,
        "final_success_rate": finals / len(records) if records else None,
        "successes": successes,
        "episodes": len(records),
        "seeds": sorted({r.seed for r in records}),
    }


def summarize(protocol: ProtocolConfig, methods: list[str], records: list[EpisodeRecord]) -> dict[str, Any]:
    """Success rates per method, sweep and column, plus each sweep's `average` over its columns."""
    by_cell: dict[tuple[str, str, str], list[EpisodeRecord]] = {}
    for r in records:
        by_cell.setdefault((r.method, r.task, r.variant), []).append(r)
    results: dict[str, Any] = {}
    for method in methods:
        results[method] = {}
        for name, sweep in protocol.sweeps.items():
            columns = {
                column: [r for cell in sweep.cells(column) for r in by_cell.get((method, *cell), [])]
                for column in sweep.columns
            }
            table = {column: _rate(rs) for column, rs in columns.items()}
            rates = [c["success_rate"] for c in table.values() if c["success_rate"] is not None]
            pooled = _rate([r for rs in columns.values() for r in rs])
            table["average"] = {**pooled, "success_rate": float(np.mean(rates)) if rates else None}
            results[method][name] = table
    return results


def _mean_per_method(records: list[EpisodeRecord], methods: list[str], field: str) -> dict[str, float]:
    values = {m: [getattr(r, field) for r in records if r.method == m] for m in methods}
    return {m: round(float(np.mean(v)), 3) for m, v in values.items() if v}


def _mean_cpu_split(records: list[EpisodeRecord], methods: list[str]) -> dict[str, dict[str, float]]:
    """Mean CPU seconds per episode of each part (simulate, render, reward, plan), per method."""
    split = {}
    for m in methods:
        rows = [r.cpu_split for r in records if r.method == m and r.cpu_split]
        if rows:
            split[m] = {
                part: round(float(np.mean([row.get(part, 0.0) for row in rows])), 3) for part in PARTS
            }
    return split


def run_protocol(
    protocol: str | Path | ProtocolConfig,
    methods: Mapping[str, RewardFunction],
    out_dir: str | Path,
    preset: str | Preset = "quick",
    episodes: int | None = None,
    workers: int = 1,
    progress: bool = True,
    backend: str = "local",
) -> dict[str, Any]:
    """Run a protocol for every method (plus oracle and random); write and return `PROTOCOL.json`.

    Episodes run in `workers` processes on this machine, or as tasks on a Ray cluster (`backend="ray"`).
    Finished episodes of an earlier, interrupted run into `out_dir` are kept (see the module docstring).
    """
    config = protocol if isinstance(protocol, ProtocolConfig) else get_protocol(protocol)
    chosen = preset if isinstance(preset, Preset) else get_preset(preset)
    n = chosen.episodes if episodes is None else episodes
    if n < 1:
        raise ValueError(f"episodes must be >= 1, got {n}")
    for name, fn in methods.items():
        check_clip_shape(fn, chosen.planner.num_frames, chosen.planner.size, repr(name), presets_filming_hint)
    all_methods = with_reference_methods(methods)
    names = list(all_methods)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    jobs = plan_jobs(config, names, n, chosen.seed)
    episodes_file, run_file = out_dir / f"{config.name}.episodes.jsonl", out_dir / f"{config.name}.run.json"
    identity = _run_identity(chosen, all_methods)
    records = finished_records(episodes_file, run_file, identity, jobs)
    done = {(r.method, r.task, r.variant, r.seed) for r in records}
    todo = [j for j in jobs if (j.method, j.task, j.variant, j.seed) not in done]
    if records and progress:
        print(
            f"resuming {config.name}: {len(records)} of {len(jobs)} episodes already done in {out_dir}",
            file=sys.stderr,
        )
    run_file.write_text(json.dumps(identity, indent=2) + "\n")
    summary_file = out_dir / f"{config.name}.json"
    rounds = finished_rounds(jobs, records)

    def write_summary() -> dict[str, Any]:
        seeds = [chosen.seed + i for i in range(rounds)]
        kept = [r for r in records if chosen.seed <= r.seed < chosen.seed + rounds]
        summary = {
            "protocol": config.name,
            "description": config.description,
            "preset": chosen.name,
            "episodes_per_cell": rounds,
            "planned_episodes_per_cell": n,
            "episode_seeds": seeds,
            "planner": asdict(chosen.planner),
            "sweeps": {name: {"by": s.by, "columns": list(s.columns)} for name, s in config.sweeps.items()},
            "results": summarize(config, names, kept),
            "seconds_per_episode": _mean_per_method(kept, names, "seconds"),
            "cpu_seconds_per_episode": _mean_per_method(kept, names, "cpu_seconds"),
            "cpu_split_per_episode": _mean_cpu_split(kept, names),
            "wall_seconds": round(time.perf_counter() - started, 1),
            "workers": workers,
        }
        summary_file.write_text(json.dumps(summary, indent=2) + "\n")
        return summary

    with episodes_file.open("w") as f:
        for record in records:
            f.write(json.dumps(record.to_dict()) + "\n")
        f.flush()
        for record in run_jobs(todo, all_methods, chosen.planner, workers, progress, backend):
            records.append(record)
            f.write(json.dumps(record.to_dict()) + "\n")
            f.flush()
            if record.seed == chosen.seed + rounds:  # only an episode of the open round can close it
                finished = finished_rounds(jobs, records)
                if finished > rounds:
                    rounds = finished
                    write_summary()
    return write_summary()


def finished_rounds(jobs: list[EpisodeJob], records: list[EpisodeRecord]) -> int:
    """How many leading episode seeds every job of `jobs` has a record for (rounds run in seed order)."""
    done = {(r.method, r.task, r.variant, r.seed) for r in records}
    by_seed: dict[int, list[EpisodeJob]] = {}
    for job in jobs:
        by_seed.setdefault(job.seed, []).append(job)
    for count, seed in enumerate(sorted(by_seed)):
        if any((j.method, j.task, j.variant, j.seed) not in done for j in by_seed[seed]):
            return count
    return len(by_seed)
