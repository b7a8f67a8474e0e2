"""What SAC is paid along whole episodes of a task: the learned reward exactly as `rl_generalization.py`
trains on it (`LearnedRewardWrapper`: the rolling clip of the episode so far, a frame every 4 steps, x10).

Per reward model, in the training look, on validation episode seeds (1000+, apart from the RL
evaluation's 10000+, so that nothing is chosen on the reported episodes), along three behaviours: the
task's scripted expert, the scripted expert of its **opposite** task (the same object moved the other
way: what a reward that reads "familiar robot motion" pays too) and random actions. MetaWorld's dense
reward along the same episodes is the reference. `PATH:relative` reads a model with relative scoring
(lever 2: the instruction against the known tasks' texts and their opposites). A reward SAC can learn
the task from pays the expert more than the opposite motion and more than random actions, at the
episode's end and on average over its steps; `expert_over_opposite` is the share of (episode, reward
seed) pairs where the expert ends above the opposite motion.

    python benchmarks/rl_reward_trace.py --task faucet-close \\
        --model "lever 11=checkpoints/research/planner-change-hfail-xlate-h6-s{seed}" --seeds 0 1 2 \\
        --out results/rl-faucet-50k/reward_trace.json

Writes OUT (JSON: every episode's per-step rewards and the summary) and OUT with `.png` (mean reward over
the episode's steps per behaviour, one panel per model and one for MetaWorld's dense reward).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

EPISODE_SEED = 1_000  # validation seeds, apart from the RL evaluation's 10000+
DENSE = "MetaWorld dense"


def behaviours(task: str) -> dict[str, str | None]:
    """Behaviour name -> the task whose scripted expert acts (None: random actions)."""
    from adapt2reward.tasks import get_task

    opposite = get_task(task).opposite
    if opposite is None:
        raise SystemExit(f"{task!r} has no opposite task to compare its expert with")
    return {"expert": task, f"opposite ({opposite})": opposite, "random": None}


def trace(env, actor_task: str | None, seed: int) -> tuple[list[float], list[float]]:
    """One episode: the reward the env pays and MetaWorld's dense reward, step by step."""
    from adapt2reward.envs.behaviours import Expert, RandomActions
    from adapt2reward.envs.tasks import sim_task

    rng = np.random.default_rng(seed)
    actor = Expert(sim_task(actor_task), rng) if actor_task else RandomActions(rng)
    obs, info = env.reset(seed=seed)
    paid, dense, done = [], [], False
    while not done:
        obs, reward, terminated, truncated, info = env.step(actor.act(obs, bool(info["success"])))
        paid.append(float(reward))
        dense.append(float(info["env_reward"]))
        done = terminated or truncated
    return paid, dense


def summarize(traces: dict[str, list[list[float]]], expert: str, opposite: str) -> dict:
    """Mean and end reward per behaviour, and how often the expert ends above the opposite motion."""
    rows = {
        name: {"mean": float(np.mean([np.mean(t) for t in ts])), "end": float(np.mean([t[-1] for t in ts]))}
        for name, ts in traces.items()
    }
    wins = [e[-1] > o[-1] for e, o in zip(traces[expert], traces[opposite], strict=True)]
    return {"behaviours": rows, "expert_over_opposite": float(np.mean(wins))}


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = list(result["traces"])
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4), squeeze=False)
    for ax, panel in zip(axes[0], panels, strict=True):
        for name, episodes in result["traces"][panel].items():
            length = min(len(e) for e in episodes)
            ax.plot(np.mean([e[:length] for e in episodes], axis=0), label=name)
        ax.set_title(panel, fontsize=9)
        ax.set_xlabel("env step")
    axes[0][0].set_ylabel("reward paid (mean over episodes)")
    axes[0][-1].legend(fontsize=8)
    fig.suptitle(f"{result['task']}: what SAC is paid along whole episodes", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", required=True)
    parser.add_argument(
        "--model",
        action="append",
        required=True,
        help="NAME=PATH, PATH may hold {seed}; PATH:relative scores it relatively (lever 2)",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="reward model seeds")
    parser.add_argument("--episodes", type=int, default=4, help="episode seeds per behaviour")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    from candidate_bank import load_target
    from train_sac_learned_reward import make_training_env

    models = dict(m.split("=", 1) for m in args.model)
    acts = behaviours(args.task)
    expert, opposite = list(acts)[:2]
    seeds = [EPISODE_SEED + i for i in range(args.episodes)]
    traces: dict[str, dict[str, list[list[float]]]] = {}
    total = len(models) * len(args.seeds) * len(acts) * len(seeds)
    with tqdm(total=total, desc="episodes") as bar:
        for name, pattern in models.items():
            panel = traces.setdefault(name, {b: [] for b in acts})
            for reward_seed in args.seeds:
                model = load_target(pattern.format(seed=reward_seed))
                env = make_training_env(args.task, "learned", seeds[0], model)
                for behaviour, actor in acts.items():
                    for seed in seeds:
                        paid, dense = trace(env, actor, seed)
                        panel[behaviour].append(paid)
                        if name == next(iter(models)) and reward_seed == args.seeds[0]:
                            traces.setdefault(DENSE, {b: [] for b in acts})[behaviour].append(dense)
                        bar.update()
    summary = {panel: summarize(t, expert, opposite) for panel, t in traces.items()}
    result = {"task": args.task, "episode_seeds": seeds, "reward_seeds": args.seeds, "summary": summary}
    result["traces"] = traces
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result))
    plot(result, args.out.with_suffix(".png"))
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
