"""Ablations and training seeds of Adapt2Reward, measured on held-out robot clips.

Trains stage 2 from `configs/train.json` with one change at a time (no failure data, BCE only, K = 1..5,
failure clips from one source only, K chosen by silhouette) and the full method over several seeds, scores
their held-out clips (the same for every run: the split has its own seed), and writes
`results/ablation.json` (the report's ablation table: held-out success-vs-failure AUC per look) and
`results/seeds.json` (mean and standard deviation over seeds). Each run resumes if interrupted;
finished runs are skipped.

    python benchmarks/ablations.py [--only no-failure,k1] [--seeds 0,1,2]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from adapt2reward.evaluation.heldout import evaluate_run
from adapt2reward.training.adapt import train
from adapt2reward.training.config import TrainConfig

VARIANTS = {
    "full (K=3)": {},
    "no failure data": {"ablation": "no-failure"},
    "BCE only (no prompts)": {"ablation": "bce-only"},
    **{f"K={k}": {"num_modes": k} for k in (1, 2, 4, 5)},
    "K by silhouette (<=5)": {"num_modes": 5, "choose_k": "silhouette"},
    "failures: random only": {"failure_sources": ["random"]},
    "failures: near-success only": {"failure_sources": ["near_success"]},
}
LOOKS = ("train", "colors", "viewpoint", "distractors")


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-").replace("--", "-")


def run(base: TrainConfig, name: str, changes: dict, out_root: Path) -> dict:
    """Train (or resume) one variant; its held-out metrics, which every run computes on the same clips."""
    out = Path(base.out) if not changes else out_root / slug(name)
    if not (out / "metrics.json").exists():
        train(TrainConfig.from_dict(base.to_dict() | changes | {"out": str(out)}))
        evaluate_run(out)
    return json.loads((out / "metrics.json").read_text())


def row(metrics: dict) -> dict[str, float | None]:
    per_look = metrics["reward_auc_per_variant"]
    return {**{look: per_look.get(look) for look in LOOKS}, "all": metrics["reward_auc"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("configs/train.json"))
    parser.add_argument("--out", type=Path, default=Path("checkpoints/ablations"))
    parser.add_argument("--only", default="", help="comma-separated slugs of the variants to run")
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args()
    base = TrainConfig.from_file(args.config)
    chosen = {n: c for n, c in VARIANTS.items() if not args.only or slug(n) in args.only.split(",")}

    started = time.perf_counter()
    rows = {}
    for name, changes in chosen.items():
        rows[name] = row(run(base, name, changes, args.out))
        print(name, {k: None if v is None else round(v, 3) for k, v in rows[name].items()}, flush=True)
    ablation = {
        "title": "Ablations (held-out success-vs-failure ROC AUC x 100, by look)",
        "note": "Stage 2 from configs/train.json with one change each, seed 0; all scored on the same "
        "held-out "
        "robot clips (train look: held-out share; other looks: never trained on). 50 = chance.",
        "columns": [*LOOKS, "all"],
        "rows": rows,
        "wall_seconds": round(time.perf_counter() - started),
    }
    Path("results").mkdir(exist_ok=True)
    Path("results/ablation.json").write_text(json.dumps(ablation, indent=2) + "\n")

    seeds = [int(s) for s in args.seeds.split(",") if s]
    per_seed = {}
    for seed in seeds:
        per_seed[seed] = row(run(base, f"seed {seed}", {} if seed == base.seed else {"seed": seed}, args.out))
    summary = {
        look: {
            "mean": float(np.mean([r[look] for r in per_seed.values()])),
            "std": float(np.std([r[look] for r in per_seed.values()])),
        }
        for look in (*LOOKS, "all")
    }
    Path("results/seeds.json").write_text(
        json.dumps({"seeds": per_seed, "summary": summary}, indent=2) + "\n"
    )
    print("seeds", json.dumps(summary))


if __name__ == "__main__":
    main()
