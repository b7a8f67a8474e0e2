"""`OUT/BENCH.md` and its PNGs from the summary `a2r bench` writes to `OUT/bench.json`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from adapt2reward.evaluation.bench_metrics import mean_sd
from adapt2reward.evaluation.bench_plots import plot_confusions, plot_probe_bars, plot_reliability
from adapt2reward.evaluation.report import markdown_table

BENCH_MD = "BENCH.md"
Cell = float | tuple[float, float] | None

# column -> how to read it from a method's metrics
MAIN_COLUMNS: dict[str, Any] = {
    "AUC": lambda m: m.get("auc"),
    "F1": lambda m: m.get("f1"),
    "accuracy": lambda m: m.get("accuracy"),
    "prob. AUC": lambda m: (m.get("success_probability") or {}).get("auc"),
    "ECE": lambda m: (m.get("success_probability") or {}).get("ece"),
    "VOC": lambda m: m.get("voc"),
    "progress ρ": lambda m: m.get("progress_spearman"),
    "top-1": lambda m: m["confusion"].get("top1_accuracy"),
    "own > opposite": lambda m: m["confusion"].get("opposite_preference"),
    "over-reward": lambda m: (m.get("over_reward") or {}).get("all"),
}
PAIRED_LABELS = {
    "auc": "AUC",
    "f1": "F1",
    "voc": "VOC",
    "top1_accuracy": "top-1",
    "over_reward": "over-reward",
}


def _fmt(value: Cell) -> str:
    if value is None:
        return "—"
    if isinstance(value, tuple):
        return f"{value[0]:.2f} ± {value[1]:.2f}"
    return f"{value:.2f}"


def _rows(
    results: Mapping[str, Any], groups: Mapping[str, list[str]], columns: Mapping[str, Any]
) -> tuple[dict[str, dict[str, Cell]], dict[str, dict[str, Cell]]]:
    """(one row per method group: a run's values or mean ± sd over its runs, one row per run)."""
    per_run = {n: {c: get(results[n]["metrics"]) for c, get in columns.items()} for n in results}
    grouped: dict[str, dict[str, Cell]] = {}
    for base, runs in groups.items():
        if len(runs) == 1:
            grouped[runs[0]] = dict(per_run[runs[0]])
        else:
            grouped[f"{base} (mean ± sd, {len(runs)} seeds)"] = {
                c: mean_sd([per_run[r][c] for r in runs]) for c in columns
            }
    return grouped, per_run


def _probe_columns(results: Mapping[str, Any]) -> dict[str, Any]:
    kinds = next(
        (
            list(m["metrics"]["over_reward"]["per_kind"])
            for m in results.values()
            if "over_reward" in m["metrics"]
        ),
        [],
    )
    columns = {k: (lambda m, k=k: (m.get("over_reward") or {}).get("per_kind", {}).get(k)) for k in kinds}
    return columns | {"all": lambda m: (m.get("over_reward") or {}).get("all")}


def _paired_table(summary: Mapping[str, Any]) -> list[str]:
    paired = summary.get("paired") or {}
    if not paired:
        return []
    first = next(iter(summary["groups"]))
    lines = [
        f"### Paired with {first}",
        "",
        f"{first} minus each method on the same clips (a method of several seeds: the mean of its runs), "
        f"with the 95% paired-bootstrap interval over {summary['bootstrap_resamples']} resamples "
        "of the clips (AUC: all clips, F1: the test clips, VOC and top-1: the success clips, "
        "over-reward: the probe clips). An interval that excludes 0 is a difference the clips support.",
        "",
        "| compared with | " + " | ".join(PAIRED_LABELS.values()) + " |",
        "|---" * (len(PAIRED_LABELS) + 1) + "|",
    ]
    for other, metrics in paired.items():
        cells = []
        for key in PAIRED_LABELS:
            c = metrics.get(key)
            cells.append(
                "—" if not c else f"{c['difference']:+.2f} [{c['ci95_low']:+.2f}, {c['ci95_high']:+.2f}]"
            )
        lines.append(f"| {other} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _per_run(
    per_run: dict[str, dict[str, Cell]], groups: Mapping[str, list[str]], columns: list[str]
) -> list[str]:
    out = []
    for base, runs in groups.items():
        if len(runs) > 1:
            rows = {r: per_run[r] for r in runs}
            out += ["", f"Each training run of {base}:", "", markdown_table(rows, columns, fmt=_fmt)]
    return out


def _pooled_confusions(
    summary: Mapping[str, Any],
) -> dict[str, tuple[np.ndarray, list[str], list[str], list[list[int]]]]:
    """Per method group: the top-1 confusion matrix averaged over its runs, its row and column tasks, the
    (row, column) cells of opposites."""
    out = {}
    for base, runs in summary["groups"].items():
        mats = [np.array(summary["methods"][r]["metrics"]["confusion"]["top1"], float) for r in runs]
        conf = summary["methods"][runs[0]]["metrics"]["confusion"]
        out[base] = (
            np.nanmean(np.stack(mats), axis=0) if len(mats) > 1 else mats[0],
            conf["tasks"],
            conf["columns"],
            conf["opposites"],
        )
    return out


def write_report(summary: Mapping[str, Any], out: str | Path) -> Path:
    """Write `out/BENCH.md` and the PNGs it shows; returns the report's path."""
    out = Path(out)
    results, groups, clip_set = summary["methods"], summary["groups"], summary["clip_set"]
    main, main_runs = _rows(results, groups, MAIN_COLUMNS)
    columns = list(MAIN_COLUMNS)
    lines = [
        "# Reward benchmark (`a2r bench`)",
        "",
        f"{clip_set['clips']} labelled clips ({clip_set['successes']} successes) of the tasks "
        f"{', '.join(clip_set['tasks'])}, looks {', '.join(clip_set['variants'])}. Sources: "
        + "; ".join(clip_set["sources"])
        + ".",
        "",
        f"Calibration split: {clip_set['calibration_split']}.",
        "",
        "## Summary",
        "",
        "AUC: ROC AUC of the reward, success vs failure, all clips (0.5 is chance). F1, accuracy: the "
        "reward thresholded at the F1-best threshold of the calibration clips, on the other clips. prob. "
        "AUC, ECE: the success probability's AUC and expected calibration error (10 equal-width bins; "
        "lower is better). VOC: Spearman correlation of the dense reward (reward of each prefix) with "
        "time, mean over success episodes. progress ρ: Spearman correlation of the dense reward with the "
        "simulator's progress, mean over clips. top-1: share of success clips whose best-scoring "
        "instruction, among the set's tasks and their opposites, is their own. own > opposite: share of "
        "success clips of tasks with an opposite that score their own instruction above the opposite's. "
        "over-reward: share of probe clips (behaviours that must not be paid for) scoring above the "
        "median success clip of their task; lower is better. Several seeds: mean ± sd (ddof 0) over runs.",
        "",
        markdown_table(main, columns, fmt=_fmt),
        *_per_run(main_runs, groups, columns),
        "",
    ]
    per_task = {f"AUC {t}": (lambda m, t=t: m["auc_per_task"].get(t)) for t in clip_set["tasks"]}
    task_rows, _ = _rows(results, groups, per_task)
    lines += [
        "### Success detection per task (reward AUC)",
        "",
        markdown_table(task_rows, list(per_task), fmt=_fmt),
        "",
    ]
    lines += _paired_table(summary)
    lines += _probe_section(summary, out)
    lines += _confusion_section(summary, out)
    lines += _reliability_section(summary, out)
    if summary.get("notes"):
        lines += ["## Notes", "", *[f"- {n}" for n in summary["notes"]], ""]
    path = out / BENCH_MD
    path.write_text("\n".join(lines) + "\n")
    return path


def _probe_section(summary: Mapping[str, Any], out: Path) -> list[str]:
    probes = summary["clip_set"].get("probes")
    if not probes:
        return []
    columns = _probe_columns(summary["methods"])
    rows, per_run = _rows(summary["methods"], summary["groups"], columns)
    first = next(iter(summary["methods"].values()))["metrics"].get("over_reward", {})
    counts = ", ".join(f"{k} {n}" for k, n in first.get("clips", {}).items())
    means = {
        name: {k: (v[0] if isinstance(v, tuple) else v) for k, v in row.items()} for name, row in rows.items()
    }
    png = plot_probe_bars(means, out / "bench-probes.png")
    return [
        "## Over-reward probes",
        "",
        f"Share of probe clips scoring above the median success clip of their task (lower is better; 0.5 "
        f"would be a reward that cannot tell them from successes). {probes['clips']} simulator clips in "
        f"`{probes['folder']}` ({probes['per_task_and_kind']} per task and kind, look `{probes['variant']}`; "
        f"clips per kind compared: {counts}), all failures by the simulator's flag: idle (arm holds still), "
        "wrong_way (the right object moved the wrong way), wrong_object (another task's expert motion "
        "replayed in this scene), undone (a success undone before the end), near_miss (stops or lets go "
        "part-way). See docs/evaluation.md.",
        "",
        markdown_table(rows, list(columns), fmt=_fmt),
        *_per_run(per_run, summary["groups"], list(columns)),
        "",
        f"![over-reward probes]({png.name})",
        "",
    ]


def _confusion_section(summary: Mapping[str, Any], out: Path) -> list[str]:
    pooled = _pooled_confusions(summary)
    png = plot_confusions(pooled, out / "bench-confusion.png")
    return [
        "## Instruction confusion",
        "",
        "Success clips of each task (rows) against the canonical instruction (columns) of every task of the "
        "set and of their opposite tasks (added as columns even without clips). Shown: the share of a row's "
        "clips whose best-scoring instruction is the column's (a ranking, rows sum to 1; a perfect reward "
        "puts 1 on the row's own task), pooled over a method's seeds. Red outline: the row task's opposite "
        "(close vs open). bench.json also holds the mean reward of every cell (`mean_reward`).",
        "",
        f"![instruction confusion]({png.name})",
        "",
    ]


def _reliability_section(summary: Mapping[str, Any], out: Path) -> list[str]:
    bins = {
        name: r["metrics"]["success_probability"]["reliability"]
        for name, r in summary["methods"].items()
        if r["metrics"].get("success_probability")
    }
    if not bins:
        return []
    png = plot_reliability(bins, out / "bench-reliability.png")
    return [
        "## Calibration of the success probability",
        "",
        "Per probability bin: the share of clips that are successes against the mean probability (the "
        "diagonal is perfect calibration; marker area grows with the clips in the bin).",
        "",
        f"![reliability]({png.name})",
        "",
    ]
