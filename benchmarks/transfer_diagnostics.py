"""Where does transfer break? Direction on the target tasks, in each domain, before and after stage 2.

For every task-generalization target task (drawer-open, faucet-close, window-open) and its opposite
(drawer-close, faucet-open, window-close), fresh expert clips are recorded in each domain with seeds
no dataset uses (10000+). Each reward scores them with the *target* task's instruction: a target clip
should outscore a clip of the opposite task (same object, other way) and the target clip played
backwards and the target task's own failed attempts (near-success perturbations, recorded until they
fail). Writes, per model, domain and target task, the ROC AUC of target clips against opposite clips,
rewound clips and failed attempts (0.5 is chance, below 0.5 inverted), and the VOC of the target
clips (Spearman of each clip's dense reward with time, averaged over clips; 1 is a reward that rises
all the way). The stage-1 model (`zero-shot`)
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
from adapt2reward.evaluation.bench_metrics import mean_defined, voc
from adapt2reward.evaluation.heldout import prefix_rewards
from adapt2reward.evaluation.offline_metrics import success_auc
from adapt2reward.tasks import get_task

TARGETS = {"drawer-open": "drawer-close", "faucet-close": "faucet-open", "window-open": "window-close"}
SEED = 10_000


def record(task: str, domain: str, n: int, behaviour: str = "expert") -> np.ndarray:
    """Clips of `task` from seeds SEED.. that end as the behaviour means to: expert clips that succeed,
    near-success attempts that fail (up to `n` of them, from at most 3n seeds)."""
    want, kept = behaviour == "expert", []
    for i in range(3 * n if not want else n):
        clip = record_clip(ClipSpec(task, domain=domain, behaviour=behaviour, seed=SEED + i))
        if clip.success == want:
            kept.append(clip.frames)
        if len(kept) == n:
            break
    return np.stack(kept)


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
    clips = dict(np.load(args.cache)) if args.cache.exists() else {}
    keys = [(t, d, "expert") for pair in TARGETS.items() for t in pair for d in ("human", "robot")]
    keys += [(t, d, "near_success") for t in TARGETS for d in ("human", "robot")]
    missing = [k for k in keys if _key(*k) not in clips]  # a cache from before the failures gains them
    if missing:
        clips |= {_key(*k): record(*k[:2], args.clips, k[2]) for k in tqdm(missing, desc="recording")}
        args.cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.cache, **clips)
    result: dict = {"clips": {k: len(v) for k, v in clips.items()}, "auc": {}, "voc": {}}
    for spec in args.model:
        name, model = load_spec(spec)
        result["auc"][name], result["voc"][name] = {}, {}
        for target, opposite in TARGETS.items():
            text = get_task(target).instructions[0]
            for domain in ("human", "robot"):
                good = clips[f"{target}/{domain}"]
                bad = {
                    "opposite": clips[f"{opposite}/{domain}"],
                    "rewound": good[:, ::-1].copy(),
                    "failed": clips[_key(target, domain, "near_success")],
                }
                with torch.inference_mode():
                    r_good = torch.as_tensor(model.reward(good, [text] * len(good))).numpy()
                    for kind_bad, neg in bad.items():
                        r_bad = torch.as_tensor(model.reward(neg, [text] * len(neg))).numpy()
                        auc = success_auc(
                            np.concatenate([r_good, r_bad]),
                            np.concatenate([np.ones(len(r_good)), np.zeros(len(r_bad))]).astype(bool),
                        )
                        result["auc"][name][f"{target}/{domain}/{kind_bad}"] = auc
                    vocs = [voc(prefix_rewards(model, clip, text)) for clip in good]
                    result["voc"][name][f"{target}/{domain}"] = mean_defined(vocs)
        scores = result["auc"][name] | {f"{k}/voc": v for k, v in result["voc"][name].items()}
        print(name, json.dumps({k: round(v, 2) for k, v in scores.items()}), flush=True)
    result["seconds"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


def _key(task: str, domain: str, behaviour: str) -> str:
    return f"{task}/{domain}" + ("" if behaviour == "expert" else "/failed")


if __name__ == "__main__":
    main()
