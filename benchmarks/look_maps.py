"""Where the look translator falls short (issue #9; validation banks only, diagnostics, not rewards).

Planned with its candidates filmed in the human look, lever 9 plans the new tasks 33 points more often
than in the robot look (docs/evaluation.md): the robot look is what breaks. Lever 11's per-frame ridge
map recovers a little of it. Two questions, each scored as the candidate bank scores a reward (mean
within-episode AUC against success at the last step):

`clip-map`: is a map of the adapted tower's clip features better? The same ridge fit (`LookTranslator`)
on the normalised clip features of the checkpoint's robot training clips and their human-look copies,
at each ridge and strength, read alone and summed with the raw reading.

`bank-map`: would the frame map carry the new tasks if it had pairs from their scenes? The lever-11 fit
(λ 100, strength 0.7) on frame pairs of the bank's own candidates and their twins filmed in the human
look (`candidate_bank.py build --look human`), leaving out the scored episode (fitted on every other
episode of the three tasks) or the scored task; beside the raw robot look and the twins themselves.
Fitted on validation candidates of the target tasks, so it is never a reward.

    python benchmarks/look_maps.py clip-map --out results/x.json --pairs data/robot-as-human \\
        --pairs data/planner-clips-human-look CHECKPOINT...
    python benchmarks/look_maps.py bank-map --twin data/candidates-human --out results/y.json CHECKPOINT...
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from candidate_bank import mean_episode_auc, mean_of_tasks

from adapt2reward.data.transforms import to_video_tensor
from adapt2reward.models.look_translator import LookTranslator
from adapt2reward.reward.reward_model import RewardModel
from adapt2reward.training.look_translation import paired_training_clips

Tensor = torch.Tensor
BANK_MAP = {"ridge": 100.0, "strength": 0.7}  # lever 11's defaults
FIT_ROWS = 3000  # clips a leave-one-episode-out fit draws (of ~3,600), to bound its cost


def _bank(folder: Path) -> dict[str, Any]:
    return {file.stem: np.load(file) for file in sorted(folder.glob("*.npz"))}


def _normalised(read: Callable[[Tensor], Tensor], x: Tensor, chunk: int = 256) -> Tensor:
    return torch.cat([F.normalize(read(x[i : i + chunk]), dim=-1) for i in range(0, len(x), chunk)])


@torch.no_grad()
def clip_map(
    checkpoint: str, pairs: list[str], bank: Path, ridges: list[float], strengths: list[float]
) -> dict[str, Any]:
    model = RewardModel.load(checkpoint)
    video = model.model.video
    robot, copies, copy_index = paired_training_clips(checkpoint, pairs, video, progress=False)
    robot_features, human_features = (
        _normalised(lambda idx, clips=clips: clips.encode(video, idx), torch.arange(len(clips)))
        for clips in (robot, copies)
    )
    human_features = human_features[copy_index]
    data = _bank(bank)
    features = {t: _normalised(model.video_features, d["clips"], 64) for t, d in data.items()}
    texts = {t: model.text_features([str(d["instruction"])])[0] for t, d in data.items()}

    def score(transform: Callable[[Tensor], Tensor]) -> dict[str, Any]:
        per_task = {}
        for t, d in data.items():
            scores = (transform(features[t]) @ texts[t]).numpy()
            per_task[t] = mean_episode_auc(d["final_success"].astype(int), scores, d["episode"])
        return {"tasks": per_task, "mean": mean_of_tasks(per_task)}

    rows = {"raw": score(lambda v: v)}
    for ridge in ridges:
        for strength in strengths:
            fit = LookTranslator(robot_features.shape[1]).fit(robot_features, human_features, ridge, strength)
            mapped = lambda v, fit=fit: F.normalize(fit(v), dim=-1)  # noqa: E731
            rows[f"clip map, ridge {ridge}, strength {strength}"] = score(mapped)
            rows[f"clip map + raw, ridge {ridge}, strength {strength}"] = score(
                lambda v, mapped=mapped: F.normalize(v + mapped(v), dim=-1)
            )
    return {"pairs": len(robot_features), "rows": rows}


@torch.no_grad()
def bank_map(checkpoint: str, bank: Path, twin: Path) -> dict[str, Any]:
    model = RewardModel.load(checkpoint)
    video = model.model.video

    def frames(clips: np.ndarray) -> Tensor:
        return torch.cat(
            [
                video.encode_frames(to_video_tensor(clips[i : i + 64], model.num_frames, model.image_size))
                for i in range(0, len(clips), 64)
            ]
        )

    data = {}
    for task, robot in _bank(bank).items():
        human = np.load(twin / f"{task}.npz")
        if not np.array_equal(robot["final_success"], human["final_success"]):
            raise ValueError(f"{twin / task}.npz does not hold the candidates of {bank / task}.npz")
        data[task] = {
            "robot": frames(robot["clips"]),
            "human": frames(human["clips"]),
            "labels": robot["final_success"].astype(int),
            "episodes": robot["episode"],
            "text": model.text_features([str(robot["instruction"])])[0],
        }

    def read(feats: Tensor, translator: LookTranslator | None = None) -> Tensor:
        video.look_translator = translator  # the checkpoint has none: the map is this diagnostic's
        try:
            return _normalised(video.read, feats)
        finally:
            video.look_translator = None

    def fitted(keep: Callable[[str, np.ndarray], np.ndarray]) -> LookTranslator:
        robot = torch.cat([d["robot"][keep(t, d["episodes"])] for t, d in data.items()])
        human = torch.cat([d["human"][keep(t, d["episodes"])] for t, d in data.items()])
        rows = np.random.default_rng(0).choice(len(robot), min(len(robot), FIT_ROWS), replace=False)
        robot, human = robot[rows].flatten(0, 1), human[rows].flatten(0, 1)
        return LookTranslator(robot.shape[-1]).fit(robot, human, **BANK_MAP)

    def leave_episode_out(task: str) -> np.ndarray:
        d, scores = data[task], np.zeros(len(data[task]["labels"]))
        for e in np.unique(d["episodes"]):
            held = d["episodes"] == e
            fit = fitted(lambda t, episodes: (episodes != e) | (t != task))  # noqa: B023
            scores[held] = (read(d["robot"][held], fit) @ d["text"]).numpy()
        return scores

    ways: dict[str, Callable[[str], np.ndarray]] = {
        "raw robot look": lambda t: (read(data[t]["robot"]) @ data[t]["text"]).numpy(),
        "human-look twins": lambda t: (read(data[t]["human"]) @ data[t]["text"]).numpy(),
        "bank map, leave episode out": leave_episode_out,
        "bank map, leave task out": lambda t: (
            read(data[t]["robot"], fitted(lambda u, e: np.full(len(e), u != t))) @ data[t]["text"]
        ).numpy(),
    }
    rows = {}
    for name, scores in ways.items():
        per_task = {t: mean_episode_auc(d["labels"], scores(t), d["episodes"]) for t, d in data.items()}
        rows[name] = {"tasks": per_task, "mean": mean_of_tasks(per_task)}
    return {"fit": BANK_MAP, "rows": rows}


def record(results: dict[str, Any], checkpoint: str, result: dict[str, Any], out: Path) -> None:
    """Add a checkpoint's rows to `results`, print them and write `results` to `out` (after each
    checkpoint, so an interrupted run keeps the finished ones)."""
    results["checkpoints"][checkpoint] = result
    width = max(map(len, result["rows"]))
    for name, row in result["rows"].items():
        tasks = " ".join(f"{t}={v:.2f}" for t, v in row["tasks"].items() if v is not None)
        print(f"{Path(checkpoint).name}  {name:{width}s} {row['mean']:.3f}  {tasks}", flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    clip = sub.add_parser("clip-map", help="a ridge map of clip features")
    clip.add_argument("--pairs", action="append", required=True, help="folders of human-look copies")
    clip.add_argument("--ridge", type=_floats, default=[0.01, 0.1, 1.0, 10.0], help="comma-separated")
    clip.add_argument("--strength", type=_floats, default=[0.5, 1.0], help="comma-separated")
    bank = sub.add_parser("bank-map", help="the frame map fitted on the bank's own twins")
    bank.add_argument("--twin", type=Path, default=Path("data/candidates-human"))
    for p in (clip, bank):
        p.add_argument("--bank", type=Path, default=Path("data/candidates"))
        p.add_argument("--out", type=Path, required=True)
        p.add_argument("checkpoints", nargs="+")
    args = parser.parse_args()
    results: dict[str, Any] = {"command": args.command, "bank": str(args.bank), "checkpoints": {}}
    for checkpoint in args.checkpoints:
        if args.command == "clip-map":
            result = clip_map(checkpoint, args.pairs, args.bank, args.ridge, args.strength)
        else:
            result = bank_map(checkpoint, args.bank, args.twin)
        record(results, checkpoint, result, args.out)


if __name__ == "__main__":
    main()
