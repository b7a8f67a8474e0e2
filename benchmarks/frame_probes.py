"""Is the end state in the frozen frame features? Linear probes on the planner's candidates (issue #9).

A diagnostic, not a reward: logistic regressions on the frozen ImageNet frame features (EfficientNet-Lite0,
pooled, the last frame of each candidate clip) of the candidate banks (`candidate_bank.py build`),
scored by the within-episode ROC AUC against MetaWorld's success at the last step, as the planner sees it.

- `within`: trained on the other episodes of the same task and look, with their labels (leave one
  episode out): a ceiling no reward reaches without robot labels of that task and look.
- `from the training look`: trained on the training look's candidates of a task, tested on the same
  candidates rendered in each look (the banks hold one set of candidates per task, filmed in every look):
  how far a readout learned in one look carries to another.
- `human end state`: for each task, trained on human-domain clips only (the task's last frames against
  its first frames and its opposite task's last frames), tested on the robot candidates of that task in
  both banks; once per `--human` folder set (e.g. the default stand-in, then with its clips
  filmed again from any side by `a2r second-view`).

Writes OUT (JSON) and its figure beside it (OUT with `.png`).

    python benchmarks/frame_probes.py --out results/generalization/frame_probes.json \\
        --human data/full --human data/full,data/human-views
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from candidate_bank import episode_aucs
from sklearn.linear_model import LogisticRegression
from tqdm import tqdm

from adapt2reward.data import load_clip, read_manifest
from adapt2reward.data.transforms import to_video_tensor
from adapt2reward.reward.reward_model import RewardModel
from adapt2reward.tasks import get_task


def _frame_features(model: RewardModel, clips: np.ndarray) -> np.ndarray:
    """Pooled frame features (N, F) of the last frame of each clip (N, T, H, W, 3)."""
    frames = to_video_tensor(clips[:, -1:], 1, model.image_size)[:, 0]
    with torch.inference_mode():
        return np.concatenate(
            [model.encoder.frame_features(frames[i : i + 256]).numpy() for i in range(0, len(frames), 256)]
        )


def _probe() -> LogisticRegression:
    return LogisticRegression(C=0.1, max_iter=3000, class_weight="balanced")


def _episode_auc(labels: np.ndarray, scores: np.ndarray, episodes: np.ndarray) -> float:
    aucs = episode_aucs(labels, scores, episodes)
    return float(np.mean(aucs)) if aucs else float("nan")


def within(x: np.ndarray, y: np.ndarray, episodes: np.ndarray) -> float:
    """Leave-one-episode-out probe AUC."""
    scores = np.zeros(len(y))
    for e in np.unique(episodes):
        test = episodes == e
        if y[~test].sum() >= 2:
            scores[test] = _probe().fit(x[~test], y[~test]).decision_function(x[test])
    return _episode_auc(y, scores, episodes)


def across(train_x: np.ndarray, test_x: np.ndarray, y: np.ndarray, episodes: np.ndarray) -> float:
    """Trained on other episodes in one look, tested on an episode's candidates in another."""
    scores = np.zeros(len(y))
    for e in np.unique(episodes):
        test = episodes == e
        scores[test] = _probe().fit(train_x[~test], y[~test]).decision_function(test_x[test])
    return _episode_auc(y, scores, episodes)


def human_end_state(model: RewardModel, folders: list[str], task: str) -> LogisticRegression:
    """A probe of `task`'s end state from human clips: its last frames against its first frames and the
    opposite task's last frames."""
    opposite = get_task(task).opposite
    first, last, other = [], [], []
    for folder in folders:
        for record in read_manifest(folder):
            if record.domain == "human" and record.task in (task, opposite):
                clip = load_clip(folder, record)
                (last if record.task == task else other).append(clip[-1])
                if record.task == task:
                    first.append(clip[0])
    x = _frame_features(model, np.stack(last + first + other)[:, None])
    y = np.r_[np.ones(len(last)), np.zeros(len(first) + len(other))]
    return _probe().fit(x, y)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--checkpoint", default="checkpoints/stage1", help="any checkpoint: its frozen frame encoder"
    )
    parser.add_argument(
        "--targets", type=Path, default=Path("data/candidates"), help="bank of the target tasks"
    )
    parser.add_argument(
        "--looks", type=Path, default=Path("data/candidates-env"), help="bank of the four looks"
    )
    parser.add_argument(
        "--human", action="append", default=[], help="human folders, comma-separated; repeatable"
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    model = RewardModel.load(args.checkpoint)
    results: dict[str, dict[str, float]] = {"within": {}, "from the training look": {}}
    features: dict[Path, np.ndarray] = {}
    labels: dict[Path, tuple[np.ndarray, np.ndarray]] = {}  # success at the last step, episode
    for file in tqdm(sorted([*args.targets.glob("*.npz"), *args.looks.glob("*.npz")]), desc="frame features"):
        bank = np.load(file)
        features[file] = _frame_features(model, bank["clips"])
        labels[file] = bank["final_success"].astype(int), bank["episode"]
    for file, x in features.items():
        y, episodes = labels[file]
        results["within"][f"{file.parent.name}/{file.stem}"] = within(x, y, episodes)
        if file.parent == args.looks:
            train_look = features[args.looks / (file.stem.split("@")[0] + ".npz")]
            results["from the training look"][file.stem] = across(train_look, x, y, episodes)
    for folders in args.human:
        key = f"human end state ({folders})"
        results[key] = {}
        probes: dict[str, LogisticRegression] = {}
        for file, x in features.items():
            task = file.stem.split("@")[0]
            if task not in probes:
                probes[task] = human_end_state(model, folders.split(","), task)
            y, episodes = labels[file]
            name = f"{file.parent.name}/{file.stem}"
            results[key][name] = _episode_auc(y, probes[task].decision_function(x), episodes)
    for name, values in results.items():
        print(f"{name}: " + ", ".join(f"{k} {v:.2f}" for k, v in values.items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"checkpoint": args.checkpoint, **results}, indent=2) + "\n")
    plot(results, args.out.with_suffix(".png"))


def plot(results: dict[str, dict[str, float]], path: Path) -> None:
    """Bars: the probes' mean AUC per look of the training tasks, and per target task."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    looks = ["train", "colors", "viewpoint", "distractors"]

    def per_look(values: dict[str, float], prefix: str = "") -> list[float]:
        def look(name: str) -> str:
            return name.split("@")[1] if "@" in name else "train"

        return [
            float(np.mean([v for k, v in values.items() if k.startswith(prefix) and look(k) == want]))
            for want in looks
        ]

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    bars = {
        "with labels of that look": per_look(results["within"], "candidates-env/"),
        "learned in the training look": per_look(results["from the training look"]),
    }
    for i, (label, values) in enumerate(bars.items()):
        left.bar(np.arange(len(looks)) + 0.4 * i - 0.2, values, width=0.4, label=label)
    left.set_xticks(range(len(looks)), looks)
    left.set_title("training tasks, by look")
    targets = sorted(k.split("/")[1] for k in results["within"] if k.startswith("candidates/"))
    series = {"with labels of that task": results["within"]}
    human = {k: v for k, v in results.items() if k.startswith("human")}
    series |= {k.replace("human end state ", "human clips "): v for k, v in human.items()}
    width = 0.8 / len(series)
    for i, (label, values) in enumerate(series.items()):
        heights = [values.get(f"candidates/{t}", values.get(t, np.nan)) for t in targets]
        offset = width * (i - (len(series) - 1) / 2)
        right.bar(np.arange(len(targets)) + offset, heights, width=width, label=label)
    right.set_xticks(range(len(targets)), targets)
    right.set_title("new tasks")
    for ax in (left, right):
        ax.axhline(0.5, color="grey", lw=0.8, ls="--")
        ax.set_ylim(0, 1)
        ax.legend(fontsize=7, loc="lower right")
    left.set_ylabel("last-frame probe, candidate AUC")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
