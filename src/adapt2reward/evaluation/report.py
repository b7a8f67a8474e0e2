"""`a2r report`: REPORT.md and PNG plots from a folder of protocol results.

Reads every `PROTOCOL.json` (and its `PROTOCOL.episodes.jsonl`) that `run_protocol` wrote, the
`offline.json` and `target-clips.json` of `a2r eval offline` / `target-clips` when present, plus an
optional ablation JSON of the form
`{"title": "...", "columns": ["train", ...], "rows": {"full model": {"train": 0.8, ...}, ...}}`
(success rates in 0-1; `null` for missing). Writes `REPORT.md` and the plots into the same folder.

Several training runs of one method are evaluated under the names `NAME`, `NAME [seed 1]`, `NAME [seed 2]`...
(e.g. `a2r eval ... --model "adapt2reward [seed 1]=checkpoints/seed-1"`): the tables then show NAME as
mean ± standard deviation over its runs, with each run's row listed below, and the plots pool them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from adapt2reward.evaluation import report_paper
from adapt2reward.evaluation.offline_metrics import success_auc
from adapt2reward.evaluation.paired import paired_comparison
from adapt2reward.evaluation.report_plots import plot_reward_curves, plot_score_histograms, plot_success_bars
from adapt2reward.evaluation.target_clips import TARGET_CLIPS_NAME

REPORT_NAME = "REPORT.md"
REFERENCE_METHODS = ("oracle", "random")
_SEED_NAME = re.compile(r"^(?P<base>.+) \[seed \d+\]$")
Cell = float | tuple[float, float] | None  # a rate, or (mean, standard deviation) over training seeds


def load_results(results_dir: str | Path) -> list[dict[str, Any]]:
    """Every protocol summary in `results_dir`, in file-name order."""
    found = []
    for path in sorted(Path(results_dir).glob("*.json")):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and "protocol" in data and "results" in data:
            found.append(data)
    return found


def load_episodes(results_dir: str | Path, protocol: str) -> list[dict[str, Any]]:
    path = Path(results_dir) / f"{protocol}.episodes.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _ordered(methods: list[str]) -> list[str]:
    """Learned methods first, then the references, so the bounds frame the table."""
    return [m for m in methods if m not in REFERENCE_METHODS] + [m for m in REFERENCE_METHODS if m in methods]


def seed_groups(methods: list[str]) -> dict[str, list[str]]:
    """Methods by training run: `NAME [seed K]` joins `NAME`, in first-seen order."""
    groups: dict[str, list[str]] = {}
    for method in methods:
        match = _SEED_NAME.match(method)
        groups.setdefault(match["base"] if match else method, []).append(method)
    return groups


def _mean_sd(values: list[float | None]) -> Cell:
    known = [v for v in values if v is not None]
    return (float(np.mean(known)), float(np.std(known))) if known else None


def per_run_tables(
    rows: dict[str, dict[str, float | None]], groups: dict[str, list[str]], columns: list[str], fmt
) -> list[str]:
    """Each training run's row, for every method evaluated over several seeds."""
    out = []
    for base, runs in groups.items():
        if len(runs) > 1:
            per_run = {m: rows[m] for m in runs}
            out += ["", f"Each training run of {base}:", "", markdown_table(per_run, columns, fmt=fmt)]
    return out


def seed_table(
    rates: dict[str, dict[str, float | None]], groups: dict[str, list[str]], columns: list[str]
) -> dict[str, dict[str, Cell]]:
    """One row per method: its rates, or mean ± sd over its training runs when it has several."""
    table: dict[str, dict[str, Cell]] = {}
    for base, runs in groups.items():
        if len(runs) == 1:
            table[runs[0]] = dict(rates[runs[0]])
        else:
            table[f"{base} (mean ± sd, {len(runs)} seeds)"] = {
                c: _mean_sd([rates[m][c] for m in runs]) for c in columns
            }
    return table


def _formatter(scale: float, digits: int):
    """Formats a cell as `scale * value` with `digits` decimals, '—' when missing, 'mean ± sd' for seeds."""

    def fmt(value: Cell) -> str:
        if value is None:
            return "—"
        if isinstance(value, tuple):
            return f"{scale * value[0]:.{digits}f} ± {scale * value[1]:.{digits}f}"
        return f"{scale * value:.{digits}f}"

    return fmt


_pct, two_decimals = _formatter(100, 0), _formatter(1, 2)


def markdown_table(
    rows: dict[str, dict[str, Cell]], columns: list[str], first: str = "method", fmt=_pct
) -> str:
    """A markdown table of rows[name][column]; values in 0-1 shown as percentages unless `fmt` says else."""
    lines = [f"| {first} | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    lines += [
        f"| {name} | " + " | ".join(fmt(row.get(c)) for c in columns) + " |" for name, row in rows.items()
    ]
    return "\n".join(lines)


def _protocol_section(summary: dict[str, Any], results_dir: Path) -> list[str]:
    name = summary["protocol"]
    methods = _ordered(list(summary["results"]))
    out = [f"## {name}", "", summary.get("description", ""), ""]
    planned = summary.get("planned_episodes_per_cell", summary["episodes_per_cell"])
    if summary["episodes_per_cell"] < planned:
        out += [
            f"**Partial run**: {summary['episodes_per_cell']} of the {planned} planned episode seeds per "
            "(task, variant) are finished for every method; the tables and paired tests use those "
            "episodes only.",
            "",
        ]
    out.append(
        f"Preset `{summary['preset']}`: {summary['episodes_per_cell']} episodes per (task, variant), "
        f"CEM {summary['planner']['cem']['samples']} samples x {summary['planner']['cem']['iterations']} "
        f"iterations. Success rates in %: the headline tables judge an episode by MetaWorld's success flag "
        "at its last step (as DVD judges the final state); success at any step follows each as a secondary "
        "table."
    )
    groups = seed_groups(methods)
    records = load_episodes(results_dir, name)
    if "episode_seeds" in summary:  # the finished rounds of a run still going or stopped
        finished = set(summary["episode_seeds"])
        records = [r for r in records if r["seed"] in finished]
    for sweep, spec in summary["sweeps"].items():
        columns = [*spec["columns"], "average"]
        results = summary["results"]
        rates = {m: {c: results[m][sweep][c]["final_success_rate"] for c in columns} for m in methods}
        any_step = {m: {c: results[m][sweep][c]["success_rate"] for c in columns} for m in methods}
        table = seed_table(rates, groups, columns)
        counts = summary["results"][methods[0]][sweep]
        episodes = ", ".join(f"{c}: {counts[c]['episodes']}" for c in spec["columns"])
        count_line = f"Episodes per column: {episodes}."
        out += ["", f"### {sweep}", "", markdown_table(table, columns), "", count_line]
        out += [
            "",
            "Success at any step:",
            "",
            markdown_table(seed_table(any_step, groups, columns), columns),
        ]
        out += per_run_tables(rates, groups, columns, _pct)
        key = "variant" if spec["by"] == "variant" else "task"
        out += _paired_section([r for r in records if r[key] in spec["columns"]], groups)
        png = plot_success_bars(table, f"{name}: {sweep}", results_dir / f"{name}-{_slug(sweep)}-success.png")
        out += ["", f"![{name} {sweep}]({png.name})"]
    out += _paper_section(name)
    out += _episode_plots(name, results_dir, records, groups)
    for key, label in (("seconds_per_episode", "Wall"), ("cpu_seconds_per_episode", "CPU")):
        if summary.get(key):
            out += [
                "",
                f"{label} time per episode: " + ", ".join(f"{m} {s:.1f} s" for m, s in summary[key].items()),
            ]
    out += _cpu_split_section(summary.get("cpu_split_per_episode") or {})
    return [*out, ""]


def _cpu_split_section(split: dict[str, dict[str, float]]) -> list[str]:
    """Where an episode's CPU seconds go, per method: the part that dominates is the next to speed up."""
    if not split:
        return []
    parts = [*next(iter(split.values())), "total"]
    table = {m: {**row, "total": sum(row.values())} for m, row in split.items()}
    seconds = markdown_table(table, parts, fmt=lambda v: "" if v is None else f"{v:.2f}")
    return ["", "CPU seconds per episode, by part:", "", seconds]


def _paired_section(episodes: list[dict[str, Any]], groups: dict[str, list[str]]) -> list[str]:
    """The first method against every other, episode by episode (see `evaluation.paired`); a method of
    several training runs counts the share of its runs that solved each episode."""
    planned = {e["method"] for e in episodes}
    ran = {name: runs for name, runs in groups.items() if all(run in planned for run in runs)}
    if len(ran) < 2 or next(iter(groups)) not in ran:
        return []
    main, *others = ran
    several = any(len(runs) > 1 for runs in ran.values())
    lines = [
        "",
        f"Paired with `{main}` over the same episodes (difference = {main} minus the other, in points; "
        "95% CI from the paired differences; p: exact two-sided sign test on the episodes where they "
        "differ"
        + (
            "; a method of several training runs scores each episode by the share of its runs that "
            "solved it, so `better` and `worse` count episodes, not runs):"
            if several
            else "):"
        ),
        "",
        f"| compared with | episodes | {main} better | the other better | difference | 95% CI | p |",
        "|---|---|---|---|---|---|---|",
    ]
    for other in others:
        c = paired_comparison(episodes, ran[main], ran[other])
        low, high = c["ci95"]
        lines.append(
            f"| {other} | {c['episodes']} | {c['wins']} | {c['losses']} | {100 * c['difference']:+.0f} | "
            f"[{100 * low:+.0f}, {100 * high:+.0f}] | {c['p_value']:.2g} |"
        )
    return lines


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text).strip("-")


def _paper_section(protocol: str) -> list[str]:
    tables = report_paper.PAPER_TABLES.get(protocol)
    if not tables:
        return []
    out = ["", f"#### The paper's published numbers ({report_paper.SOURCE}), for orientation only."]
    if protocol in report_paper.NOTES:
        out += ["", report_paper.NOTES[protocol]]
    for sweep, rows in tables.items():
        columns = list(dict.fromkeys(c for row in rows.values() for c in row))
        out += ["", f"Paper, {sweep}:", "", markdown_table(rows, columns)]
    return out


def _episode_plots(
    protocol: str, results_dir: Path, episodes: list[dict[str, Any]], groups: dict[str, list[str]]
) -> list[str]:
    """Histograms and reward curves per method, the training runs of a method pooled."""
    if not episodes:
        return []
    scores, curves, ranking = {}, {}, []
    for m, runs in groups.items():
        mine = [e for e in episodes if e["method"] in runs]
        if not mine:
            continue
        aucs = [success_auc(e["candidate_scores"], e["candidate_successes"]) for e in mine]
        known = [a for a in aucs if a is not None]
        if known:
            ranking.append(f"{m} {np.mean(known):.2f} ({len(known)})")
        scores[m] = (
            np.concatenate([e["candidate_scores"] for e in mine]),
            np.concatenate([e["candidate_successes"] for e in mine]).astype(bool),
        )
        curves[m] = (
            np.array([e["reward_curve"] for e in mine]),
            np.array([e["final_success"] for e in mine]),
        )
    hist = plot_score_histograms(
        scores, f"{protocol}: scores of candidate clips", results_dir / f"{protocol}-reward-hist.png"
    )
    curve = plot_reward_curves(
        curves, f"{protocol}: reward over executed episodes", results_dir / f"{protocol}-reward-curves.png"
    )
    return [
        "",
        "Reward of candidate clips (last CEM iteration), split by MetaWorld's success flag at their last "
        "step (runs made before 2026-11-30: at any step):",
        "",
        f"![{protocol} reward histograms]({hist.name})",
        "",
        "How well each reward ranks the planner's own candidates: ROC AUC of candidate score vs success "
        "within an episode, averaged over the episodes whose last CEM iteration held both outcomes "
        "(their number in brackets; 0.5 is chance): " + ", ".join(ranking) + ".",
        "",
        "Reward of the executed episodes' prefixes over time, episodes that end in success vs the others:",
        "",
        f"![{protocol} reward curves]({curve.name})",
    ]


def _ablation_section(path: Path) -> list[str]:
    data = json.loads(path.read_text())
    rows, columns = data["rows"], list(data["columns"])
    return [
        "## " + data.get("title", "Ablation"),
        "",
        data.get("note", ""),
        "",
        markdown_table(rows, columns),
        "",
    ]


OFFLINE_NAME = "offline.json"


def _offline_section(path: Path) -> list[str]:
    """Held-out clip metrics of every method (from `a2r eval offline`)."""
    metrics = json.loads(path.read_text())
    variants = sorted(
        {v for m in metrics.values() for v in m.get("reward_auc_per_variant", {}) if v != "mean"}
    )
    columns = [
        "reward AUC",
        *[f"AUC {v}" for v in variants],
        "success-prob AUC",
        "retrieval",
        "dense vs progress",
    ]
    rows = {
        method: {
            "reward AUC": m.get("reward_auc"),
            **{f"AUC {v}": m.get("reward_auc_per_variant", {}).get(v) for v in variants},
            "success-prob AUC": m.get("success_probability_auc"),
            "retrieval": m.get("retrieval_accuracy"),
            "dense vs progress": m.get("dense_progress_spearman"),
        }
        for method, m in metrics.items()
    }
    first = next(iter(metrics.values()), {})
    groups = seed_groups(list(rows))
    return [
        "## Offline metrics on held-out robot clips",
        "",
        f"{first.get('clips', 0)} clips ({first.get('successes', 0)} successes) of the training tasks that "
        "no method trained on: the held-out share of the training look and every clip of the other looks. "
        "AUC: success vs failure ranked by the reward (0.5 is chance). Retrieval: share of success clips "
        "whose "
        f"best-scoring instruction among {first.get('retrieval_candidates', 0)} tasks is their own. Dense vs "
        "progress: Spearman correlation of the reward of growing prefixes with MetaWorld's dense reward.",
        "",
        markdown_table(seed_table(rows, groups, columns), columns, fmt=two_decimals),
        *per_run_tables(rows, groups, columns, two_decimals),
        "",
    ]


def build_report(results_dir: str | Path, ablation: str | Path | None = None) -> Path:
    """Write `REPORT.md` and its PNGs into `results_dir`; returns the report's path.

    `ablation` defaults to `results_dir/ablation.json` when that file exists.
    """
    results_dir = Path(results_dir)
    summaries = load_results(results_dir)
    offline, target_clips = results_dir / OFFLINE_NAME, results_dir / TARGET_CLIPS_NAME
    if not summaries and not offline.is_file() and not target_clips.is_file():
        raise FileNotFoundError(
            f"{results_dir} holds no results (PROTOCOL.json, offline.json or {TARGET_CLIPS_NAME} from "
            "`a2r eval`)"
        )
    ablation_path = Path(ablation) if ablation else results_dir / "ablation.json"
    lines = [
        "# Evaluation report",
        "",
        "Success = MetaWorld's own success flag at the last step of the executed plan (the headline; "
        "success at any step is the secondary table). `oracle` plans with the simulator's own success flag "
        "and dense reward for the same criterion (runs made before 2026-11-30: for success at any step), "
        "`random` with noise: they bound what a learned reward can give the same search.",
        "",
    ]
    if offline.is_file():
        lines += _offline_section(offline)
    for summary in summaries:
        lines += _protocol_section(summary, results_dir)
    if target_clips.is_file():
        from adapt2reward.evaluation.report_target_clips import target_clips_section  # it imports this

        lines += target_clips_section(target_clips)
    if ablation_path.is_file():
        lines += _ablation_section(ablation_path)
    elif ablation:
        raise FileNotFoundError(f"ablation file {ablation_path} does not exist")
    path = results_dir / REPORT_NAME
    path.write_text("\n".join(lines) + "\n")
    return path
