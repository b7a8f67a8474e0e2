"""A bank of the planner's own candidates, labelled by the simulator, to validate rewards offline.

`build` plans validation episodes (seeds the reported protocols never use) of the target tasks with the
full-20 planner twice, once guided by the oracle (its candidates drift towards success) and once by
noise, and stores every distinct candidate clip with MetaWorld's labels (success at the last step, at
any step, highest dense reward). `score` scores the bank with reward models and writes the candidate
ROC AUC against success at the last step, per episode (the planner's view, averaged over episodes
with both labels) and pooled per task, and the per-episode Spearman correlation with the highest dense
reward MetaWorld gave (a graded view that every episode has). `--look human` films the same candidates
(neither guide reads frames) in the human stand-in's look: where the robot's look is what breaks;
`twins` measures whether a model's video features pair each candidate with its twin in the other look;
`instructions` which instructions rank a task's successful candidates first (its own, or its opposite).

    python benchmarks/candidate_bank.py build --out data/candidates --episodes 6
    python benchmarks/candidate_bank.py score --bank data/candidates --out results/x.json \\
        --model "a2r=checkpoints/adapt2reward-human6" --model "a2r relative=checkpoints/...:relative"
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score
from tqdm import tqdm

VALIDATION_SEED = 1000  # reported tables use episode seeds 0-19


def build(out: Path, tasks: list[str], episodes: int, variants: list[str], look: str = "robot") -> None:
    from adapt2reward.envs.simulator import TaskEnv
    from adapt2reward.evaluation.protocols import get_preset
    from adapt2reward.planning.candidate_clips import LABELS, record_candidates
    from adapt2reward.tasks import get_task

    planner = get_preset("full-20").planner
    out.mkdir(parents=True, exist_ok=True)
    for task, variant in [(t, v) for t in tasks for v in variants]:
        path = out / (f"{task}.npz" if variant == "train" else f"{task}@{variant}.npz")
        if path.exists():
            continue
        sim = TaskEnv(task, "robot", variant, VALIDATION_SEED)
        clips, labels, episode_ids = [], {k: [] for k in LABELS}, []
        for e in tqdm(range(episodes), desc=f"{task} in {variant}"):
            candidates = record_candidates(sim, task, variant, VALIDATION_SEED + e, planner, look)
            clips.append(candidates.clips)
            for k in LABELS:
                labels[k].append(candidates.labels[k])
            episode_ids.append(np.full(len(candidates.clips), VALIDATION_SEED + e))
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(
            tmp,
            clips=np.concatenate(clips),
            episode=np.concatenate(episode_ids),
            instruction=np.asarray(get_task(task).instruction),
            **{k: np.concatenate(v) for k, v in labels.items()},
        )
        tmp.rename(path)


def _auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    return float(roc_auc_score(labels, scores)) if 0 < labels.sum() < len(labels) else None


def episode_aucs(labels: np.ndarray, scores: np.ndarray, episodes: np.ndarray) -> list[float]:
    """The ROC AUC within each episode that has both labels (the planner's view of a reward)."""
    aucs = [_auc(labels[episodes == e], scores[episodes == e]) for e in np.unique(episodes)]
    return [a for a in aucs if a is not None]


def mean_episode_auc(labels: np.ndarray, scores: np.ndarray, episodes: np.ndarray) -> float | None:
    """The mean of `episode_aucs`, None when no episode has both labels."""
    aucs = episode_aucs(labels, scores, episodes)
    return float(np.mean(aucs)) if aucs else None


def mean_of_tasks(per_task: dict[str, float | None]) -> float | None:
    """The mean of per-task figures over the tasks that have one."""
    values = [v for v in per_task.values() if v is not None]
    return float(np.mean(values)) if values else None


def load_spec(spec: str) -> tuple[str, Any]:
    """NAME=PATH[:relative] -> (name, reward model); a NAME starting with "zero-shot" scores a stage-1
    checkpoint as the zero-shot baseline."""
    name, target = spec.rsplit("=", 1)
    return name, load_target(target, zero_shot=name.startswith("zero-shot"))


def split_target(target: str) -> tuple[str, str]:
    """PATH[:SCORING] -> (checkpoint folder, scoring or "")."""
    path, _, scoring = target.partition(":")
    return path, scoring


def load_target(target: str, zero_shot: bool = False) -> Any:
    """PATH[:relative] -> the reward model there; ":relative" reads an Adapt2Reward one with relative
    scoring (lever 2), `zero_shot` a stage-1 checkpoint as the zero-shot baseline."""
    from adapt2reward.baselines import load_reward
    from adapt2reward.models.checkpoint import read_config
    from adapt2reward.reward.rescoring import reference_scoring
    from adapt2reward.reward.reward_model import RewardModel

    path, scoring = split_target(target)
    if scoring == "relative":
        return RewardModel.load(path, scoring=reference_scoring(read_config(path), path))
    return load_reward(path, kind="zero-shot" if zero_shot else None)  # else the kind the folder records


def score(bank: Path, specs: list[str], out: Path) -> dict[str, Any]:
    import torch

    results: dict[str, Any] = {"bank": str(bank), "models": {}}
    files = sorted(bank.glob("*.npz"))
    for spec in specs:
        name, model = load_spec(spec)
        started = time.perf_counter()
        per_task = {}
        for file in files:
            data = np.load(file)
            instruction = str(data["instruction"])
            clips, final = data["clips"], data["final_success"].astype(int)
            with torch.inference_mode():
                chunks = [clips[i : i + 64] for i in range(0, len(clips), 64)]
                scores = np.concatenate([np.asarray(model.reward(c, [instruction] * len(c))) for c in chunks])
            episodes = episode_aucs(final, scores, data["episode"])
            dense = [
                spearmanr(scores[data["episode"] == e], data["max_reward"][data["episode"] == e])[0]
                for e in np.unique(data["episode"])
            ]
            per_task[file.stem] = {
                "pooled_auc": _auc(final, scores),
                "episode_auc": float(np.mean(episodes)) if episodes else None,
                "episodes_with_both": len(episodes),
                "dense_spearman": float(np.nanmean(dense)),
                "clips": len(clips),
                "successes": int(final.sum()),
            }
        results["models"][name] = {
            "spec": spec,
            "tasks": per_task,
            "mean_episode_auc": mean_of_tasks({k: t["episode_auc"] for k, t in per_task.items()}),
            "mean_dense_spearman": float(np.mean([t["dense_spearman"] for t in per_task.values()])),
            "seconds": round(time.perf_counter() - started, 1),
        }
        summary = {
            t: (round(v["episode_auc"] or -1, 2), round(v["dense_spearman"], 2)) for t, v in per_task.items()
        }
        print(name, "episode AUC, dense Spearman:", json.dumps(summary), flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    return results


def instructions(bank: Path, specs: list[str], out: Path) -> dict[str, Any]:
    """Which instruction tells a task's successful candidates from the rest: the within-episode candidate
    AUC of the cosine with every instruction of the checkpoint's reference set (its training tasks and
    their opposites, `reward.rescoring`), and of the own instruction's cosine less the opposite's. A
    reward that reads the direction of a motion ranks them by the own instruction only."""
    import torch

    from adapt2reward.models.checkpoint import read_config
    from adapt2reward.reward.rescoring import reference_scoring
    from adapt2reward.tasks import get_task

    results: dict[str, Any] = {"bank": str(bank), "models": {}}
    for spec in specs:
        name, path = spec.rsplit("=", 1)
        model = load_target(path)
        folder = split_target(path)[0]  # the reference set is the checkpoint's, however it is read
        reference = reference_scoring(read_config(folder), folder).reference
        text = model.text_features(list(reference.values()))
        per_task = {}
        for file in sorted(bank.glob("*.npz")):
            data = np.load(file)
            final, episode, clips = data["final_success"].astype(int), data["episode"], data["clips"]
            with torch.inference_mode():
                video = torch.cat([model.video_features(clips[i : i + 64]) for i in range(0, len(clips), 64)])
            cosine = dict(zip(reference, (video @ text.T).numpy().T, strict=True))
            own, opposite = file.stem, get_task(file.stem).opposite
            auc = {t: float(np.mean(episode_aucs(final, c, episode))) for t, c in cosine.items()}
            contrast = float(np.mean(episode_aucs(final, cosine[own] - cosine[opposite], episode)))
            per_task[own] = {"auc": auc, "own_less_opposite": contrast}
            print(
                f"{name} {own}: own {auc[own]:.2f}, opposite ({opposite}) {auc[opposite]:.2f}, own less "
                f"opposite {contrast:.2f}",
                flush=True,
            )
        results["models"][name] = {"spec": spec, "tasks": per_task}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    return results


def twins(bank: Path, twin: Path, specs: list[str], out: Path, per_task: int = 120) -> dict[str, Any]:
    """How often a candidate's video features find its own twin (the same candidate filmed in the other
    look, `build --look`) nearest among `per_task` candidates of its task (chance 1 / per_task)."""
    import torch
    import torch.nn.functional as F

    results: dict[str, Any] = {"bank": str(bank), "twin": str(twin), "per_task": per_task, "models": {}}
    for spec in specs:
        name, model = load_spec(spec)
        rates = {}
        for file in sorted(bank.glob("*.npz")):
            a, b = np.load(file), np.load(twin / file.name)
            if not np.array_equal(a["final_success"], b["final_success"]):
                raise ValueError(f"{twin / file.name} does not hold the candidates of {file}")
            pick = np.random.default_rng(0).choice(
                len(a["clips"]), min(per_task, len(a["clips"])), replace=False
            )
            with torch.inference_mode():
                first, second = (F.normalize(model.video_features(x["clips"][pick]), dim=-1) for x in (a, b))
            found = (first @ second.T).argmax(1).numpy() == np.arange(len(pick))
            rates[file.stem] = float(found.mean())
        results["models"][name] = rates
        print(name, "twin found:", json.dumps({k: round(v, 3) for k, v in rates.items()}), flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    return results


def _models(results: list[Path]) -> dict[str, Any]:
    models: dict[str, Any] = {}
    for path in results:
        models |= json.loads(path.read_text())["models"]
    return models


def _group_auc(models: dict[str, Any], group: str) -> tuple[str, list[float]]:
    """(label, each model's mean episode AUC) of a group `LABEL=name1,name2,...`."""
    label, names = group.split("=", 1)
    return label, [models[n]["mean_episode_auc"] for n in names.split(",")]


def compare(
    robot: list[Path],
    human: list[Path],
    groups: list[str],
    out: Path,
    translated: Sequence[str] = (),
) -> None:
    """Bars of each group's candidate AUC on a bank and on its twin filmed in the human look (PNG);
    `translated` (`LABEL=model,...` of a group's label, results among `robot`) adds a middle bar: the
    same robot-look candidates scored through that group's look translator (`a2r translate-look`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4))
    labels = [g.split("=", 1)[0] for g in groups]
    via = dict(g.split("=", 1) for g in translated)
    unknown = sorted(set(via) - set(labels))
    if unknown:
        raise ValueError(f"--translated names no --group label: {unknown}")
    bars = [("robot look", robot, groups)]
    if via:
        read = [f"{label}={models}" for label, models in via.items()]
        bars.append(("robot look, read through the look translator", robot, read))
    bars.append(("human look", human, groups))
    width = 0.8 / len(bars)
    for i, (name, paths, chosen) in enumerate(bars):
        models = _models(paths)
        rows = [_group_auc(models, g) for g in chosen]
        x = np.asarray([labels.index(label) for label, _ in rows]) + (i - (len(bars) - 1) / 2) * width
        means, sds = [np.mean(v) for _, v in rows], [np.std(v) for _, v in rows]
        ax.bar(x, means, width, yerr=sds, capsize=3, label=name)
    ax.axhline(0.5, color="grey", lw=0.8, ls="--")
    ax.set_xticks(np.arange(len(groups)), labels, rotation=15, ha="right")
    ax.set_ylabel("candidate AUC (within episode)")
    ax.set_ylim(0.4, 1.0)
    ax.set_title("The same planner candidates of the new tasks, filmed in two looks")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)


def table(results: list[Path], groups: list[str]) -> str:
    """A markdown table: per group of models (`LABEL=name1,name2,...`, training seeds of one
    configuration), the mean ± sd over its models of the mean episode AUC and dense Spearman."""
    models = _models(results)
    tasks = sorted(next(iter(models.values()))["tasks"])
    lines = [
        "| configuration | seeds | candidate AUC (mean of episodes) | "
        + " | ".join(tasks)
        + " | Spearman with dense reward |",
        "|---|---|---|" + "---|" * len(tasks) + "---|",
    ]
    for group in groups:
        label, names = group.split("=", 1)
        rows = [models[n] for n in names.split(",")]
        auc = [r["mean_episode_auc"] for r in rows]
        rho = [r["mean_dense_spearman"] for r in rows]
        per_task = [np.mean([r["tasks"][t]["episode_auc"] for r in rows]) for t in tasks]
        lines.append(
            f"| {label} | {len(rows)} | {np.mean(auc):.2f} ± {np.std(auc):.2f} | "
            + " | ".join(f"{v:.2f}" for v in per_task)
            + f" | {np.mean(rho):.2f} ± {np.std(rho):.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--tasks", default="drawer-open,faucet-close,window-open")
    b.add_argument("--episodes", type=int, default=6)
    b.add_argument("--variants", default="train", help="robot looks, comma-separated")
    b.add_argument(
        "--look", default="robot", help="human: the same candidates filmed in the human stand-in's look"
    )
    s = sub.add_parser("score")
    s.add_argument("--bank", type=Path, required=True)
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--model", action="append", required=True)
    i = sub.add_parser("instructions")
    i.add_argument("--bank", type=Path, required=True)
    i.add_argument("--out", type=Path, required=True)
    i.add_argument("--model", action="append", required=True, help="NAME=PATH of a stage-2 checkpoint")
    w = sub.add_parser("twins")
    w.add_argument("--bank", type=Path, required=True)
    w.add_argument("--twin", type=Path, required=True, help="the same candidates in the other look")
    w.add_argument("--out", type=Path, required=True)
    w.add_argument("--model", action="append", required=True)
    c = sub.add_parser("compare")
    c.add_argument(
        "--robot", type=Path, nargs="+", required=True, help="score results on the robot-look bank"
    )
    c.add_argument("--human", type=Path, nargs="+", required=True, help="the same on its human-look twin")
    c.add_argument("--group", action="append", required=True, help="LABEL=model,model,...")
    c.add_argument(
        "--translated", action="append", default=[], help="LABEL=model,...: a group via its translator"
    )
    c.add_argument("--out", type=Path, required=True)
    t = sub.add_parser("table")
    t.add_argument("results", nargs="+", type=Path)
    t.add_argument("--group", action="append", required=True, help="LABEL=model,model,...")
    args = parser.parse_args()
    if args.command == "build":
        build(args.out, args.tasks.split(","), args.episodes, args.variants.split(","), args.look)
    elif args.command == "score":
        score(args.bank, args.model, args.out)
    elif args.command == "compare":
        compare(args.robot, args.human, args.group, args.out, args.translated)
    elif args.command == "instructions":
        instructions(args.bank, args.model, args.out)
    elif args.command == "twins":
        twins(args.bank, args.twin, args.model, args.out)
    else:
        print(table(args.results, args.group))


if __name__ == "__main__":
    main()
