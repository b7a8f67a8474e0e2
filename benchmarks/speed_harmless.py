"""Are the speed-ups harmless for a trained reward? The same clips, drawn and encoded the old and new way.

Generates the same robot clips (same tasks, behaviours, seeds, hence the same trajectories: the physics is
untouched) twice, once with `A2R_RENDER_DETAIL=full` (the full-detail picture checkpoints were trained on)
and once with the default fast renderer, in every look, with a dataset seed no training run uses. Scores
them with one trained checkpoint three ways: full-detail frames + PyTorch frame pass (before), fast
frames + PyTorch, fast frames + the default fast frame runtime (after). Compares success-vs-failure ROC
AUC (overall, per look, with a paired bootstrap CI of the difference to "before"), the rewards clip by
clip (Pearson r, mean absolute difference against the rewards' spread) and the success decisions (p > 0.5)
that agree. Writes results/speed_harmless.json.

    OMP_NUM_THREADS=1 python benchmarks/speed_harmless.py CHECKPOINT [--clips-per-task 24] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

from adapt2reward.data.dataset import ClipDataset
from adapt2reward.data.generate import generate
from adapt2reward.data.generation_config import GenerationConfig
from adapt2reward.envs.render import DETAIL_ENV
from adapt2reward.evaluation.offline_metrics import grouped_success_auc, success_auc
from adapt2reward.models.checkpoint import read_config
from adapt2reward.reward.reward_model import RewardModel

LOOKS = ("train", "colors", "viewpoint", "distractors")
SEED = 9173  # a dataset seed that no training config uses


def render_both(tasks: list[str], clips_per_task: int, out: Path, workers: int) -> dict[str, Path]:
    config = GenerationConfig(
        robot_tasks=tuple(tasks),
        domains=("robot",),
        robot_clips_per_task=clips_per_task,
        variants=LOOKS,
        seed=SEED,
    )
    folders = {}
    for detail in ("full", "low"):
        os.environ[DETAIL_ENV] = detail  # spawned workers inherit it
        folders[detail] = out / detail
        generate(config, folders[detail], workers=workers)
    os.environ.pop(DETAIL_ENV)
    return folders


def paired_auc_ci(old: np.ndarray, new: np.ndarray, labels: np.ndarray, draws: int = 2000) -> list[float]:
    """95% bootstrap interval of AUC(new) - AUC(old), resampling clips (both renderings together)."""
    rng = np.random.default_rng(0)
    diffs = []
    for _ in range(draws):
        idx = rng.integers(0, len(labels), len(labels))
        a, b = success_auc(old[idx], labels[idx]), success_auc(new[idx], labels[idx])
        if a is not None and b is not None:
            diffs.append(b - a)
    return [round(float(q), 4) for q in np.percentile(diffs, [2.5, 97.5])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("--clips-per-task", type=int, default=24, help="per task and look")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data", type=Path, default=Path("data/speed-harmless"))
    parser.add_argument("--out", type=Path, default=Path("results/speed_harmless.json"))
    args = parser.parse_args()
    tasks = read_config(args.checkpoint)["tasks"]
    folders = render_both(tasks, args.clips_per_task, args.data, args.workers)
    clips, records = {}, None
    for detail, folder in folders.items():
        data = ClipDataset([folder], domain="robot")
        order = sorted(range(len(data)), key=lambda i: data.records[i].id)
        ids = [data.records[i].id for i in order]
        if records is not None and ids != [r.id for r in records]:
            raise RuntimeError("the two renderings hold different clips")
        records = [data.records[i] for i in order]
        clips[detail] = data.frames(order)
    texts = [r.instruction for r in records]
    labels = np.array([r.success for r in records])
    looks = [r.variant for r in records]
    ways = {"before (full detail, torch)": ("full", "torch"), "fast frames, torch": ("low", "torch")}
    ways["after (fast frames, auto runtime)"] = ("low", "auto")
    scored = {}
    for way, (detail, runtime) in ways.items():
        model = RewardModel.load(args.checkpoint, runtime=runtime)
        reward, probability = model.scores(clips[detail], texts)
        scored[way] = (reward.numpy(), probability.numpy(), type(model.encoder.frame_encoder).__name__)
    base_r, base_p, _ = scored["before (full detail, torch)"]
    results = {
        "checkpoint": str(args.checkpoint),
        "clips": len(labels),
        "successes": int(labels.sum()),
        "dataset_seed": SEED,
        "ways": {
            way: {
                "frame_encoder": encoder,
                "reward_auc": success_auc(r, labels),
                "reward_auc_per_look": grouped_success_auc(r, labels, looks),
                "success_probability_auc": success_auc(p, labels),
                "auc_difference_to_before_95ci": paired_auc_ci(base_r, r, labels),
                "reward_pearson_r_to_before": float(np.corrcoef(base_r, r)[0, 1]),
                "reward_mean_abs_difference_to_before": float(np.abs(base_r - r).mean()),
                "success_decisions_agree_with_before": float(np.mean((base_p > 0.5) == (p > 0.5))),
            }
            for way, (r, p, encoder) in scored.items()
        },
        "reward_sd_before": float(base_r.std()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
