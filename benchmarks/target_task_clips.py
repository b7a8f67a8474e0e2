"""Do the rewards tell success from failure on robot clips of tasks they never saw a robot do?

Records robot clips (training look) of the task-generalization target tasks, `--seeds` per behaviour
(expert, near-success, random exploration; labels are MetaWorld's success flag at the last frame), and
scores each with every reward and its task's instruction. Writes `results/target_task_clips.json`:
success-vs-failure ROC AUC per method and target task (0.5 is chance, below 0.5 inverted). It is the
offline counterpart of the task-generalization protocol, for the checkpoints of `results/full/COMMANDS.md`.

    python benchmarks/target_task_clips.py [--seeds 12]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from adapt2reward.envs.recording import ClipSpec, record_clip
from adapt2reward.evaluation.offline_metrics import success_auc
from adapt2reward.evaluation.runner import checkpoint_kind, load_method
from adapt2reward.tasks import get_task

TARGETS = ("drawer-open", "faucet-close", "window-open")
BEHAVIOURS = ("expert", "near_success", "random")
METHODS = {
    "adapt2reward (robot+6 human)": "checkpoints/adapt2reward-human6",
    "adapt2reward (robot+9 human)": "checkpoints/adapt2reward-human9",
    "adapt2reward (robot+19 human)": "checkpoints/adapt2reward",
    "dvd (robot+6 human)": "checkpoints/dvd-human6",
    "liv (robot+6 human)": "checkpoints/liv-human6",
    "concept2robot (robot+6 human)": "checkpoints/concept2robot-human6",
    "zero-shot": "checkpoints/stage1",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=12, help="clips per task and behaviour")
    parser.add_argument("--out", type=Path, default=Path("results/target_task_clips.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    started = time.perf_counter()
    specs = [ClipSpec(t, behaviour=b, seed=s) for t in TARGETS for s in range(args.seeds) for b in BEHAVIOURS]
    recorded = [record_clip(spec) for spec in tqdm(specs, desc="recording", unit="clip")]
    by_task = {
        t: (
            np.stack([c.frames for s, c in zip(specs, recorded, strict=True) if s.task == t]),
            np.array([c.success for s, c in zip(specs, recorded, strict=True) if s.task == t]),
        )
        for t in TARGETS
    }
    auc: dict[str, dict[str, float | None]] = {}
    for name, path in tqdm(METHODS.items(), desc="scoring", unit="method"):
        kind = "zero-shot" if name == "zero-shot" else checkpoint_kind(path)
        model = load_method(kind, path)
        auc[name] = {}
        for task, (clips, labels) in by_task.items():
            rewards = torch.as_tensor(model.reward(clips, [get_task(task).instruction] * len(clips)))
            auc[name][task] = success_auc(rewards.numpy(), labels)
    result = {
        "clips_per_task": {t: int(len(labels)) for t, (_, labels) in by_task.items()},
        "successes_per_task": {t: int(labels.sum()) for t, (_, labels) in by_task.items()},
        "auc": auc,
        "seconds": round(time.perf_counter() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
