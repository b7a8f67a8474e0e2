"""SAC with learned rewards where they must generalize, against MetaWorld's sparse and dense rewards.

The settings (fixed before any run; `--setting NAME=TASK@LOOK` replaces them):
- `unseen look`: drawer-close, a robot training task, with the learned reward rendered in the `viewpoint`
  look (a moved camera) that no robot clip had;
- `new task`: drawer-open, a target task: no robot clip of it was trained on, only human-domain clips.

Every reward trains the same SAC (`examples/train_sac_learned_reward.py`) for the same env-step budget:
MetaWorld's `sparse` and `dense` rewards (state rewards: the look does not enter them, nor the policy,
which sees the state, so one run per task serves every look of that task) and each `--model
NAME=PATH`, whose PATH may hold `{seed}`: SAC seed s is trained with the reward model of training seed s;
`PATH:relative` reads an Adapt2Reward checkpoint with relative scoring (lever 2, as `candidate_bank.py`).
Success is MetaWorld's flag at the end of held-out episodes (seeds 10000+), the headline, and at any
step; the deterministic policy.

    python benchmarks/rl_generalization.py --model "adapt2reward=checkpoints/research/paper-main-s{seed}" \
        --model "dvd=checkpoints/research/dvd-main-s{seed}" --seeds 0 1 2 --steps 10000 --workers 2

Writes OUT/runs.jsonl (one finished run a line; a rerun keeps the runs it would repeat exactly, so an
interrupted benchmark resumes), OUT/rl-generalization.json (mean and sd over seeds) and
OUT/rl-generalization.png. A run in progress snapshots its policy and replay buffer every 5,000 steps into
OUT/snapshots/ and prints its pace; a rerun after an interruption resumes it from there.
A learned-reward run of 10k steps takes about 6 min on one idle core, a state reward's about 4 min.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

STATE_REWARDS = ("sparse", "dense")
DEFAULT_SETTINGS = ("unseen look=drawer-close@viewpoint", "new task=drawer-open@train")


@dataclass(frozen=True)
class Run:
    """One SAC run. `checkpoint` is empty for a state reward, whose `variant` is always 'train'."""

    task: str
    variant: str
    reward: str
    checkpoint: str
    seed: int
    steps: int
    frame_every: int
    eval_episodes: int


def parse_setting(text: str) -> tuple[str, str, str]:
    """'NAME=TASK@LOOK' -> (name, task, look), checked against the task registry and the looks."""
    from adapt2reward.envs.variants import get_variant
    from adapt2reward.tasks import get_task

    name, sep, rest = text.partition("=")
    task, at, variant = rest.partition("@")
    if not (sep and at and name and task and variant):
        raise SystemExit(f"--setting must look like 'NAME=TASK@LOOK', got {text!r}")
    get_task(task), get_variant(variant)  # each raises an error naming what is unknown
    return name, task, variant


def plan_runs(
    settings: list[tuple[str, str, str]], models: dict[str, str], args: argparse.Namespace
) -> list[Run]:
    """Every run the settings need, seed by seed (a partial benchmark has whole seeds), each once."""
    runs: dict[Run, None] = {}
    for seed in args.seeds:
        for _, task, variant in settings:
            common = dict(seed=seed, steps=args.steps, frame_every=args.frame_every, eval_episodes=args.eval)
            for name, pattern in models.items():
                runs[Run(task, variant, name, pattern.format(seed=seed), **common)] = None
            for reward in STATE_REWARDS:
                runs[Run(task, "train", reward, "", **common)] = None
    return list(runs)


def snapshot_folder(out: Path, run: Run) -> Path:
    """Where a run snapshots into and resumes from: named by every field of the run."""
    digest = hashlib.sha1(json.dumps(asdict(run), sort_keys=True).encode()).hexdigest()[:10]
    return out / "snapshots" / f"{run.task}-{run.seed}-{digest}"


def execute(run: Run, out: Path) -> dict:
    """Train and evaluate one run (in a worker process), snapshotting into `out` as it goes."""
    import torch
    from candidate_bank import load_target
    from train_sac_learned_reward import train

    torch.set_num_threads(1)
    model = load_target(run.checkpoint) if run.checkpoint else None
    kind = "learned" if run.checkpoint else run.reward
    result = train(
        run.task,
        kind,
        run.steps,
        run.seed,
        model,
        run.frame_every,
        run.eval_episodes,
        variant=run.variant,
        snapshots=snapshot_folder(out, run),
    )
    return {**result, **asdict(run)}  # the run's fields win: the example calls every model "learned"


def finished(path: Path, runs: list[Run]) -> dict[Run, dict]:
    """The runs of an earlier call that this one would repeat exactly (a torn last line is dropped)."""
    wanted, kept = set(runs), {}
    if path.is_file():
        for line in path.read_text().splitlines():
            try:
                record = json.loads(line)
                run = Run(**{k: record[k] for k in Run.__dataclass_fields__})
            except (json.JSONDecodeError, KeyError, TypeError):
                continue
            if run in wanted:
                kept[run] = record
    return kept


def summarize(settings: list[tuple[str, str, str]], rewards: list[str], records: list[dict]) -> list[dict]:
    """Mean and sd over seeds of success at the end and at any step, per setting and reward."""
    rows = []
    for name, task, variant in settings:
        for reward in rewards:
            look = "train" if reward in STATE_REWARDS else variant
            mine = [r for r in records if (r["task"], r["variant"], r["reward"]) == (task, look, reward)]
            if not mine:
                continue
            end, anyv = np.array([r["success_end"] for r in mine]), np.array([r["success_any"] for r in mine])
            rows.append(
                {
                    "setting": name,
                    "task": task,
                    "look": variant,
                    "reward": reward,
                    "seeds": sorted(r["seed"] for r in mine),
                    "success_end": float(end.mean()),
                    "success_end_sd": float(end.std(ddof=1)) if len(end) > 1 else 0.0,
                    "success_end_per_seed": [r["success_end"] for r in sorted(mine, key=lambda r: r["seed"])],
                    "success_any": float(anyv.mean()),
                    "untrained_success_end": float(np.mean([r["untrained_success_end"] for r in mine])),
                }
            )
    return rows


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    settings = list(dict.fromkeys(r["setting"] for r in rows))
    rewards = list(dict.fromkeys(r["reward"] for r in rows))
    fig, axes = plt.subplots(1, len(settings), figsize=(4.5 * len(settings), 3.6), sharey=True, squeeze=False)
    for ax, setting in zip(axes[0], settings, strict=True):
        mine = {r["reward"]: r for r in rows if r["setting"] == setting}
        for i, reward in enumerate(rewards):
            if reward not in mine:
                continue
            row = mine[reward]
            ax.bar(i, 100 * row["success_end"], color=f"C{i}", alpha=0.6)
            ax.scatter(
                [i] * len(row["success_end_per_seed"]),
                [100 * v for v in row["success_end_per_seed"]],
                color="k",
                s=12,
                zorder=3,
            )
        ax.set_xticks(range(len(rewards)), rewards, rotation=20)
        first = next(iter(mine.values()))
        ax.set_title(f"{setting}: {first['task']} @ {first['look']}")
        ax.set_ylim(0, 105)
    axes[0][0].set_ylabel("success at the episode's end (%)\nbars: mean over seeds, dots: seeds")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", default=[], help="NAME=PATH ({seed} allowed); repeatable")
    parser.add_argument(
        "--setting", action="append", help="NAME=TASK@LOOK; repeatable (default: the two above)"
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=10_000, help="env steps per run")
    parser.add_argument("--frame-every", type=int, default=4, help="render every k-th step (learned rewards)")
    parser.add_argument("--eval", type=int, default=20, help="held-out evaluation episodes per run")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("results/rl-generalization"))
    args = parser.parse_args()
    if args.steps < 4 or args.eval < 1 or args.workers < 1:
        raise SystemExit("--steps must be >= 4, --eval and --workers >= 1")
    models = dict(spec.split("=", 1) for spec in args.model)
    if any(name in STATE_REWARDS for name in models) or not all(models.values()):
        raise SystemExit(f"--model must be NAME=PATH with NAME not one of {STATE_REWARDS}")
    from candidate_bank import split_target

    for name, pattern in models.items():
        for seed in args.seeds:
            folder = split_target(pattern.format(seed=seed))[0]
            if not Path(folder).is_dir():
                raise SystemExit(f"--model {name}: no checkpoint folder {folder}")
    settings = [parse_setting(s) for s in (args.setting or DEFAULT_SETTINGS)]

    runs = plan_runs(settings, models, args)
    args.out.mkdir(parents=True, exist_ok=True)
    runs_file = args.out / "runs.jsonl"
    done = finished(runs_file, runs)
    todo = [run for run in runs if run not in done]
    print(f"{len(done)} of {len(runs)} runs already done in {args.out}; {len(todo)} to go", flush=True)
    records = list(done.values())
    runs_file.write_text("".join(json.dumps(r) + "\n" for r in records))
    from multiprocessing import get_context

    with ProcessPoolExecutor(args.workers, mp_context=get_context("spawn")) as pool, runs_file.open("a") as f:
        futures = [pool.submit(execute, run, args.out) for run in todo]
        for future in as_completed(futures):
            record = future.result()
            records.append(record)
            f.write(json.dumps(record) + "\n")
            f.flush()
            print(json.dumps(record), flush=True)

    rows = summarize(settings, [*models, *STATE_REWARDS], records)
    report = {
        "settings": {name: f"{task}@{variant}" for name, task, variant in settings},
        "models": models,
        "steps": args.steps,
        "frame_every": args.frame_every,
        "eval_episodes": args.eval,
        "machine": {"cpus": os.cpu_count()},
        "rows": rows,
    }
    (args.out / "rl-generalization.json").write_text(json.dumps(report, indent=2) + "\n")
    plot(rows, args.out / "rl-generalization.png")
    print(f"\n{'setting':<12} {'reward':<14} {'end':>12} {'any':>6} {'seeds':>6}")
    for row in rows:
        end = f"{row['success_end']:.0%} ± {row['success_end_sd']:.0%}"
        seeds = len(row["seeds"])
        print(f"{row['setting']:<12} {row['reward']:<14} {end:>12} {row['success_any']:>6.0%} {seeds:>6}")


if __name__ == "__main__":
    main()
