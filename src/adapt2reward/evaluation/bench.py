"""`a2r bench`: score any set of rewards on any labelled clip set with the metrics the field reports.

For each method (an Adapt2Reward checkpoint, a trained baseline, or a stage-1 checkpoint = zero-shot):
success detection (ROC AUC; F1 and accuracy at a threshold chosen on a calibration split; calibration of
the success probability), VOC and the correlation with the simulator's progress, the instruction
confusion matrix, and over-reward probes (see `bench_probes`). Runs of one method named `NAME [seed K]`
are pooled as mean ± sd, and every method is compared with the first by a paired bootstrap over the
same clips. Formulas: `bench_metrics`. Output: `OUT/bench.json`, `OUT/BENCH.md` and PNGs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from adapt2reward.evaluation import bench_metrics as bm
from adapt2reward.evaluation.bench_data import ClipSet, load_clip_set, read_clips
from adapt2reward.evaluation.heldout import instruction_scores, paired_scores, prefix_rewards
from adapt2reward.evaluation.leakage import check_unseen_clips

BENCH_JSON = "bench.json"
BOOTSTRAP_METRICS = ("auc", "f1", "voc", "top1_accuracy", "over_reward")


@dataclass(frozen=True)
class BenchSettings:
    calibration_fraction: float = 0.3
    split_seed: int = 0
    probes: int = 0
    probe_dir: str | None = None
    probe_variant: str = "train"
    bootstrap: int = 1000
    workers: int = 1


@dataclass
class Context:
    """What every method is measured against: the clips, the split, the tasks' instructions, the probes."""

    clips: ClipSet
    calibration: np.ndarray  # (N,) bool
    instructions: dict[str, str]  # column task -> canonical instruction: the clips' tasks, then opposites
    opposites: list[int | None]  # column of each task's opposite
    success_rows: np.ndarray  # indices of success clips
    success_task: np.ndarray  # their task's column
    probes: ClipSet | None
    probe_reference: list[np.ndarray] = field(default_factory=list)  # per probe clip: its success rows


@dataclass
class Scores:
    rewards: np.ndarray
    probabilities: np.ndarray | None
    matrix: np.ndarray  # (successes, tasks): success clips against every task's instruction
    dense: list[np.ndarray]
    probe_rewards: np.ndarray | None


def method_kind(path: str | Path) -> str:
    """`zero-shot` for a stage-1 checkpoint, else what `a2r eval` reads from the checkpoint."""
    from adapt2reward.baselines import checkpoint_kind
    from adapt2reward.models.checkpoint import CheckpointError, read_config

    kind = checkpoint_kind(path)
    try:
        stage = read_config(path).get("stage")
    except CheckpointError:
        stage = None
    return "zero-shot" if kind == "adapt2reward" and stage == "pretrain" else kind


def make_context(clips: ClipSet, settings: BenchSettings, progress: bool = True) -> Context:
    from adapt2reward.data.task_texts import canonical_instructions
    from adapt2reward.tasks import TASK_NAMES, get_task

    # the opposite tasks' instructions join the columns even without clips: "open the drawer" is the
    # instruction a drawer-closing clip must score lowest
    columns = list(clips.tasks)
    for task in clips.tasks:
        opposite = get_task(task).opposite if task in TASK_NAMES else None
        if opposite is not None and opposite not in columns:
            columns.append(opposite)
    instructions = canonical_instructions(columns, clips.records)
    opposites = []
    for task in clips.tasks:
        opposite = get_task(task).opposite if task in TASK_NAMES else None
        opposites.append(columns.index(opposite) if opposite in columns else None)
    labels = clips.labels
    success_rows = np.flatnonzero(labels)
    success_task = np.array([clips.tasks.index(clips.records[i].task) for i in success_rows], int)
    context = Context(
        clips=clips,
        calibration=bm.calibration_mask(
            [r.id for r in clips.records], settings.calibration_fraction, settings.split_seed
        ),
        instructions=instructions,
        opposites=opposites,
        success_rows=success_rows,
        success_task=success_task,
        probes=None,
    )
    if settings.probes > 0:
        context.probes, context.probe_reference = _probes(clips, success_rows, settings, progress)
    return context


def _probes(clips: ClipSet, success_rows: np.ndarray, settings: BenchSettings, progress: bool):
    """The probe clips (made or reused) and, per probe, the success clips it is compared with: the
    task's success clips of the probe's look, or of every look when that one has none."""
    from adapt2reward.evaluation.bench_probes import make_probes, plan_probes
    from adapt2reward.tasks import TASK_NAMES

    simulated = [t for t in clips.tasks if t in TASK_NAMES]
    if not simulated:
        return None, []
    t, h = clips.clips.shape[1:3]
    jobs = plan_probes(simulated, settings.probes, settings.probe_variant, t, h)
    folder = Path(settings.probe_dir)  # type: ignore[arg-type]
    records = make_probes(folder, jobs, settings.workers, progress)
    probe_set = read_clips([(folder, r) for r in records], "reading probe clips", progress)
    reference = []
    for r in probe_set.records:
        mine = [k for k, i in enumerate(success_rows) if clips.records[i].task == r.task]
        same_look = [k for k in mine if clips.records[success_rows[k]].variant == r.variant]
        reference.append(np.array(same_look or mine, int))
    return probe_set, reference


def score_method(model: Any, kind: str, context: Context, progress: bool = True) -> Scores:
    """Every score the metrics need, from one pass over the clips (the model caches frame features)."""
    clips = context.clips
    instructions = [r.instruction for r in clips.records]
    scored = paired_scores(model, clips.clips, np.array(instructions, dtype=object), progress)
    texts = list(context.instructions.values())
    matrix = (
        instruction_scores(model, clips.clips[context.success_rows], texts, progress)
        if len(context.success_rows)
        else np.zeros((0, len(texts)))
    )
    pairs = tqdm(
        zip(clips.clips, instructions, strict=True),
        total=len(instructions),
        desc="dense rewards",
        unit="clip",
        disable=not progress,
    )
    dense = [np.asarray(prefix_rewards(model, clip, text), float) for clip, text in pairs]
    probe_rewards = None
    if context.probes is not None and context.probes.records:
        probe_texts = np.array([r.instruction for r in context.probes.records], dtype=object)
        probe_rewards = paired_scores(model, context.probes.clips, probe_texts, progress)[0]
    # a stage-1 model's success head never trained: its probabilities mean nothing
    probabilities = scored[1] if len(scored) == 2 and kind != "zero-shot" else None
    return Scores(scored[0], probabilities, matrix, dense, probe_rewards)


def _item_stats(
    scores: Scores, context: Context, threshold: float
) -> dict[str, Callable[[np.ndarray], float | None]]:
    """Each bootstrapped metric as a function of the indices of its items (clips) it is computed on."""
    labels = context.clips.labels
    test = np.flatnonzero(~context.calibration)
    voc = np.array([_nan(bm.voc(scores.dense[i])) for i in context.success_rows])
    top1 = _own_credit(scores, context)
    stats: dict[str, tuple[int, Callable[[np.ndarray], float | None]]] = {
        "auc": (len(labels), lambda i: bm.success_auc(scores.rewards[i], labels[i])),
        "f1": (
            len(test),
            lambda i: bm.threshold_scores(scores.rewards[test[i]], labels[test[i]], threshold)["f1"],
        ),
        "voc": (len(voc), lambda i: _nanmean(voc[i])),
        "top1_accuracy": (len(top1), lambda i: float(top1[i].mean()) if len(i) else None),
    }
    over = _over_reward_items(scores, context)
    if over is not None:
        over = over[~np.isnan(over)]
        stats["over_reward"] = (len(over), lambda i: float(over[i].mean()) if len(i) else None)
    return stats  # type: ignore[return-value]


def _own_credit(scores: Scores, context: Context) -> np.ndarray:
    """Per success clip, its top-1 credit for its own instruction (1 alone at the top, 1/k tied with k)."""
    if not len(scores.matrix):
        return np.zeros(0)
    return bm.top1_credit(scores.matrix)[np.arange(len(scores.matrix)), context.success_task]


def _nan(value: float | None) -> float:
    return np.nan if value is None else value


def _nanmean(values: np.ndarray) -> float | None:
    known = values[~np.isnan(values)]
    return float(known.mean()) if len(known) else None


def _over_reward_items(scores: Scores, context: Context) -> np.ndarray | None:
    """Per probe clip with success clips to compare: 1.0 when it scores above their median, else 0.0
    (NaN where its task has no success clip)."""
    if scores.probe_rewards is None or context.probes is None:
        return None
    out = np.full(len(scores.probe_rewards), np.nan)
    for k, (record, rows) in enumerate(zip(context.probes.records, context.probe_reference, strict=True)):
        if len(rows):
            column = context.clips.tasks.index(record.task)
            out[k] = bm.over_reward([scores.probe_rewards[k]], scores.matrix[rows, column])[0]
    return out


def method_metrics(scores: Scores, context: Context) -> dict[str, Any]:
    """Every metric of one method (see the module docstring and `bench_metrics`)."""
    clips, labels = context.clips, context.clips.labels
    cal, test = context.calibration, ~context.calibration
    out: dict[str, Any] = {
        "clips": len(labels),
        "successes": int(labels.sum()),
        "failures": int((~labels).sum()),
        "auc": bm.success_auc(scores.rewards, labels),
        "auc_per_task": {
            t: bm.success_auc(scores.rewards[m], labels[m])
            for t in clips.tasks
            for m in [np.array([r.task == t for r in clips.records])]
        },
        "calibration_clips": int(cal.sum()),
        "test_clips": int(test.sum()),
    }
    if cal.any() and test.any():
        threshold = bm.choose_threshold(scores.rewards[cal], labels[cal])
        out |= {"threshold": threshold, **bm.threshold_scores(scores.rewards[test], labels[test], threshold)}
    if scores.probabilities is not None:
        out["success_probability"] = {
            "auc": bm.success_auc(scores.probabilities, labels),
            "ece": bm.expected_calibration_error(scores.probabilities, labels),
            "reliability": bm.reliability_bins(scores.probabilities, labels),
        }
    vocs = [bm.voc(scores.dense[i]) for i in context.success_rows]
    out["voc"] = bm.mean_defined(vocs)
    out["voc_episodes"] = sum(v is not None for v in vocs)
    rhos = [bm.rank_correlation(scores.dense[i], p) for i, p in enumerate(clips.progress) if p is not None]
    out["progress_spearman"] = bm.mean_defined(rhos)
    out["progress_clips"] = sum(r is not None for r in rhos)
    out["confusion"] = _confusion(scores, context)
    over = _over_reward_items(scores, context)
    if over is not None:
        out["over_reward"] = _over_reward_summary(over, context)
    return out


def _confusion(scores: Scores, context: Context) -> dict[str, Any]:
    tasks = context.clips.tasks
    mean, top1 = bm.confusion_matrices(scores.matrix, context.success_task, len(tasks))
    credit = _own_credit(scores, context)
    accuracy = float(credit.mean()) if len(credit) else None
    return {
        "tasks": tasks,
        "columns": list(context.instructions),
        "instructions": list(context.instructions.values()),
        "mean_reward": _listed(mean),
        "top1": _listed(top1),
        "top1_accuracy": accuracy,
        "opposite_preference": bm.opposite_preference(scores.matrix, context.success_task, context.opposites),
        "opposites": [[i, j] for i, j in enumerate(context.opposites) if j is not None],
    }


def _listed(matrix: np.ndarray) -> list[list[float | None]]:
    return [[None if np.isnan(v) else float(v) for v in row] for row in matrix]


def _over_reward_summary(over: np.ndarray, context: Context) -> dict[str, Any]:
    from adapt2reward.evaluation.bench_probes import PROBE_KINDS

    records = context.probes.records  # type: ignore[union-attr]
    kinds = np.array([r.behaviour for r in records])
    tasks = np.array([r.task for r in records])
    known = ~np.isnan(over)

    def share(mask: np.ndarray) -> float | None:
        mask = mask & known
        return float(over[mask].mean()) if mask.any() else None

    return {
        "all": share(np.ones(len(over), bool)),
        "per_kind": {k: share(kinds == k) for k in PROBE_KINDS},
        "per_task": {
            t: {k: share((tasks == t) & (kinds == k)) for k in PROBE_KINDS} for t in dict.fromkeys(tasks)
        },
        "clips": {k: int(((kinds == k) & known).sum()) for k in PROBE_KINDS},
    }


def _thresholds(scores: Scores, context: Context) -> float:
    cal, labels = context.calibration, context.clips.labels
    return bm.choose_threshold(scores.rewards[cal], labels[cal]) if cal.any() else 0.0


def paired_differences(
    runs: Mapping[str, Scores],
    groups: Mapping[str, list[str]],
    context: Context,
    resamples: int,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, dict[str, Any]]:
    """First method (group) minus each other one, per bootstrapped metric, with its 95% paired CI; a group
    of several training runs counts as the mean of its runs on each resample."""
    stats = {name: _item_stats(s, context, _thresholds(s, context)) for name, s in runs.items()}
    names = list(groups)
    if len(names) < 2 or resamples <= 0:
        return {}

    def group_stat(group: str, metric: str):
        members = [stats[m][metric] for m in groups[group] if metric in stats[m]]

        def stat(index: np.ndarray) -> float | None:
            values = [f[1](index) for f in members]
            return None if not values or any(v is None for v in values) else float(np.mean(values))

        return (members[0][0] if members else 0), stat

    out: dict[str, dict[str, Any]] = {}
    first = names[0]
    for other in tqdm(names[1:], desc="paired bootstrap", unit="method", disable=not progress):
        out[other] = {}
        for metric in BOOTSTRAP_METRICS:
            (n, a), (_, b) = group_stat(first, metric), group_stat(other, metric)
            out[other][metric] = bm.paired_bootstrap(a, b, n, resamples, seed) if n else None
    return out


def run_bench(
    methods: Mapping[str, str | Path],
    out: str | Path,
    data: Sequence[str | Path] = (),
    heldout_of: str | Path | None = None,
    domain: str = "robot",
    tasks: Sequence[str] | None = None,
    settings: BenchSettings = BenchSettings(),
    device: str = "cpu",
    progress: bool = True,
) -> dict[str, Any]:
    """Score every method (name -> checkpoint folder) on the clip set; write bench.json, BENCH.md, PNGs."""
    from adapt2reward.baselines import load_reward
    from adapt2reward.evaluation.bench_report import write_report
    from adapt2reward.evaluation.report import seed_groups

    if not methods:
        raise ValueError("no method to score: give --model NAME=PATH (repeatable)")
    for name, path in methods.items():
        if not Path(path).is_dir():
            raise FileNotFoundError(f"checkpoint of {name!r} ({path}) does not exist")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if settings.probes and settings.probe_dir is None:
        settings = BenchSettings(**{**settings.__dict__, "probe_dir": str(out / "probes")})
    clips = load_clip_set(data, heldout_of, domain, tasks, progress)
    check_unseen_clips(methods, clips.records)  # a benchmark on training clips measures memory
    if clips.labels.all() or not clips.labels.any():
        raise ValueError(
            f"the clip set has {int(clips.labels.sum())} successes of {len(clips.labels)} clips: success "
            "detection needs both labels"
        )
    context = make_context(clips, settings, progress)
    notes: list[str] = []
    runs: dict[str, Scores] = {}
    results: dict[str, Any] = {}
    for name, path in methods.items():
        kind = method_kind(path)
        if progress:
            tqdm.write(f"scoring {name} ({kind}, {path})")
        model = load_reward(path, device, kind="adapt2reward" if kind == "zero-shot" else kind)
        runs[name] = score_method(model, kind, context, progress)
        results[name] = {"kind": kind, "path": str(path), "metrics": method_metrics(runs[name], context)}
        if runs[name].probabilities is None:
            why = "a stage-1 model's success head is untrained" if kind == "zero-shot" else "it has none"
            notes.append(f"{name}: no success-probability calibration ({why}).")
    if settings.probes and context.probes is None:
        notes.append("no over-reward probes: no task of the clip set is a simulator task.")
    if not any(p is not None for p in clips.progress):
        notes.append("no progress correlation: the clips carry no simulator progress.")
    groups = seed_groups(list(methods))
    summary = {
        "clip_set": _clip_set_summary(context, settings),
        "methods": results,
        "groups": groups,
        "paired": paired_differences(
            runs, groups, context, settings.bootstrap, settings.split_seed, progress
        ),
        "bootstrap_resamples": settings.bootstrap,
        "notes": notes,
    }
    (out / BENCH_JSON).write_text(json.dumps(summary, indent=2) + "\n")
    write_report(summary, out)
    return summary


def _clip_set_summary(context: Context, settings: BenchSettings) -> dict[str, Any]:
    clips = context.clips
    probes = context.probes
    return {
        "sources": clips.sources,
        "clips": len(clips.records),
        "successes": int(clips.labels.sum()),
        "tasks": clips.tasks,
        "variants": sorted({r.variant for r in clips.records}),
        "calibration_split": (
            f"clips with crc32('calibration:{settings.split_seed}:<clip id>') mod 10000 < "
            f"{settings.calibration_fraction:g} x 10000: {int(context.calibration.sum())} calibration clips "
            f"choose the threshold, F1 and accuracy are on the other {int((~context.calibration).sum())}"
        ),
        "probes": None
        if probes is None
        else {
            "folder": settings.probe_dir,
            "per_task_and_kind": settings.probes,
            "clips": len(probes.records),
            "variant": settings.probe_variant,
        },
    }
