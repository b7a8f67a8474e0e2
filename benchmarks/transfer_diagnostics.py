"""Where does transfer break? Direction on the target tasks, in each domain, before and after stage 2.

For every task-generalization target task (drawer-open, faucet-close, window-open) and its opposite
(drawer-close, faucet-open, window-close), fresh expert clips are recorded in each domain with seeds
no dataset uses (10000+). Each reward scores them with the *target* task's instruction: a target clip
should outscore a clip of the opposite task (same object, other way) and the target clip played
backwards. Writes, per model, domain and target task, the ROC AUC of target clips against opposite
clips and against rewound clips (0.5 is chance, below 0.5 inverted). The stage-1 model (`zero-shot`)
against the adapted models says whether stage 1 had the knowledge and stage 2 kept it; human against
robot says whether the robot look is where it breaks.

    python benchmarks/transfer_diagnostics.py --out results/research/transfer.json \\
        --model "zero-shot=checkpoints/stage1" --model "a2r=checkpoints/adapt2reward-human6"
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from candidate_bank import load_spec
from tqdm import tqdm

from adapt2reward.envs.recording import ClipSpec, record_clip
from adapt2reward.evaluation.offline_metrics import success_auc
from adapt2reward.tasks import get_task

TARGETS = {"drawer-open": "drawer-close", "faucet-close": "faucet-open", "window-open": "window-close"}
SEED = 10_000


def record(task: str, domain: str, n: int) -> np.ndarray:
    clips = [record_clip(ClipSpec(task, domain=domain, seed=SEED + i)) for i in range(n)]
    return np.stack([c.frames for c in clips if c.success])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=12, help="clips per task and domain")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--model", action="append", required=True, help="NAME=CHECKPOINT[:relative]; repeatable"
    )
    parser.add_argument("--cache", type=Path, default=Path("data/transfer-diagnostics.npz"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    started = time.perf_counter()
    if args.cache.exists():
        clips = dict(np.load(args.cache))
    else:
        keys = [(t, d) for pair in TARGETS.items() for t in pair for d in ("human", "robot")]
        clips = {f"{t}/{d}": record(t, d, args.clips) for t, d in tqdm(keys, desc="recording")}
        args.cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.cache, **clips)
    result: dict = {"clips": {k: len(v) for k, v in clips.items()}, "auc": {}}
    for spec in args.model:
        name, model = load_spec(spec)
        result["auc"][name] = {}
        for target, opposite in TARGETS.items():
            text = get_task(target).instructions[0]
            for domain in ("human", "robot"):
                good = clips[f"{target}/{domain}"]
                bad = {"opposite": clips[f"{opposite}/{domain}"], "rewound": good[:, ::-1].copy()}
                with torch.inference_mode():
                    r_good = torch.as_tensor(model.reward(good, [text] * len(good))).numpy()
                    for kind_bad, neg in bad.items():
                        r_bad = torch.as_tensor(model.reward(neg, [text] * len(neg))).numpy()
                        auc = success_auc(
                            np.concatenate([r_good, r_bad]),
                            np.concatenate([np.ones(len(r_good)), np.zeros(len(r_bad))]).astype(bool),
                        )
                        result["auc"][name][f"{target}/{domain}/{kind_bad}"] = auc
        print(name, json.dumps({k: round(v, 2) for k, v in result["auc"][name].items()}), flush=True)
    result["seconds"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
