"""Share a trained reward in the Hugging Face layout: `model.safetensors` + `config.json` + `README.md`.

`config.json` holds only what rebuilds the model (the model config, under `model`, beside Hugging Face's
`model_type` and `architectures`), so `from_pretrained` needs no training config, data or checkpoint
folder; `RewardModel.load`, `a2r score` and `a2r bench` read the folder too. The model card is generated:
the training data from the source checkpoint's saved train config, the metrics of `a2r bench` when a
`bench.json` is given or found, and the intended use and limits.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from safetensors.torch import save_file

from adapt2reward.models.checkpoint import (
    CONFIG_FILE,
    MODEL_FILE,
    CheckpointError,
    load_model_weights,
    replace_atomically,
)

if TYPE_CHECKING:
    from adapt2reward.reward.reward_model import RewardModel

CARD_FILE = "README.md"
FORMAT = "adapt2reward-pretrained"
FORMAT_VERSION = 1


def save_pretrained(
    model: RewardModel,
    out: str | Path,
    checkpoint: str | Path | None = None,
    bench: str | Path | None = None,
    bench_method: str | None = None,
) -> Path:
    """Write `model` to `out` (model.safetensors, config.json, README.md); returns `out`.

    checkpoint: the folder the model was loaded from; its saved train config describes the training data
        in the card. bench: a `bench.json` of `a2r bench` (default: `checkpoint/bench.json` or
        `out/bench.json` when present); bench_method: its row for this model (default: the row whose
        path is `checkpoint`, or the only row).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    net = model.model
    tensors = {k: v.detach().contiguous().cpu() for k, v in net.state_dict().items()}
    replace_atomically(out / MODEL_FILE, lambda p: save_file(tensors, str(p), metadata={"format": "pt"}))
    saved = _checkpoint_config(checkpoint)
    config = {
        "model_type": "adapt2reward",
        "architectures": ["Adapt2RewardModel"],
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": net.config.to_dict(),
        "tasks": list(net.task_names),
        "num_frames": model.num_frames,
        "image_size": model.image_size,
        "scoring": model.scoring.to_dict(),
    }
    replace_atomically(out / CONFIG_FILE, lambda p: p.write_text(json.dumps(config, indent=2) + "\n"))
    metrics = _bench_row(bench, checkpoint, out, bench_method)
    card = model_card(config, saved, metrics, out.name)
    replace_atomically(out / CARD_FILE, lambda p: p.write_text(card))
    return out


def from_pretrained(folder: str | Path, device: str | torch.device = "cpu") -> RewardModel:
    """The `RewardModel` saved by `save_pretrained` (or any checkpoint folder with a model config)."""
    from adapt2reward.models import Adapt2RewardModel, ModelConfig
    from adapt2reward.reward.reward_model import RewardModel, scoring_from_config

    path = Path(folder) / CONFIG_FILE
    if not path.is_file():
        raise CheckpointError(f"{folder} has no {CONFIG_FILE}: not a save_pretrained folder")
    try:
        config = json.loads(path.read_text())
        model_config = ModelConfig.from_dict(config["model"])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"{path} holds no valid adapt2reward model config: {e!r}") from e
    model = Adapt2RewardModel(model_config)
    load_model_weights(folder, model)
    return RewardModel(model, device, scoring=scoring_from_config(config, str(path)))


def _checkpoint_config(checkpoint: str | Path | None) -> dict[str, Any]:
    if checkpoint is None:
        return {}
    from adapt2reward.models.checkpoint import read_config

    return read_config(checkpoint)


def _bench_row(
    bench: str | Path | None, checkpoint: str | Path | None, out: Path, method: str | None
) -> dict[str, Any] | None:
    """(method name, its bench metrics, the clip set) from a bench.json, or None when there is none."""
    candidates = [Path(bench)] if bench else []
    if bench is None:
        candidates = [
            p for p in ([Path(checkpoint) / "bench.json"] if checkpoint else []) + [out / "bench.json"]
        ]
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        if bench is not None:
            raise FileNotFoundError(f"bench file {bench} does not exist")
        return None
    summary = json.loads(found.read_text())
    methods = summary.get("methods", {})
    if method is None and checkpoint is not None:
        here = Path(checkpoint).resolve()
        method = next((n for n, m in methods.items() if Path(m["path"]).resolve() == here), None)
    if method is None and len(methods) == 1:
        method = next(iter(methods))
    if method is None or method not in methods:
        raise ValueError(f"{found} has no row for this model: pass bench_method, one of {sorted(methods)}")
    return {
        "name": method,
        "metrics": methods[method]["metrics"],
        "clip_set": summary["clip_set"],
        "file": str(found),
    }


def _fmt(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or "none"
    return "—" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)


def _training_section(saved: dict[str, Any]) -> list[str]:
    train = saved.get("train")
    if not train:
        return ["Not recorded: the model was saved without its training checkpoint."]
    stage = (
        "stage 1 (video-text pre-training)" if saved.get("stage") == "pretrain" else "stage 2 (adaptation)"
    )
    lines = [f"Trained by `a2r {'pretrain' if saved.get('stage') == 'pretrain' else 'train'}`, {stage}:", ""]
    keys = {
        "human": "human-domain dataset folders",
        "data": "dataset folders",
        "robot": "robot dataset folders",
        "tasks": "robot training tasks",
        "human_tasks": "human tasks (empty: all)",
        "robot_variants": "robot looks trained on",
        "heldout_fraction": "held-out share of the robot clips (by clip id)",
        "init": "initialised from",
        "ablation": "ablation",
        "num_modes": "failure prompts per task (K)",
        "epochs": "epochs",
        "steps_per_epoch": "steps per epoch",
        "seed": "seed",
    }
    lines += [f"- {label}: {_fmt(train[k])}" for k, label in keys.items() if k in train]
    return lines


def _metrics_section(row: dict[str, Any] | None) -> list[str]:
    if row is None:
        return [
            "No `a2r bench` results were given. Run `a2r bench` and save again with `bench=.../bench.json`."
        ]
    m, clips = row["metrics"], row["clip_set"]
    prob = m.get("success_probability") or {}
    over = m.get("over_reward") or {}
    lines = [
        f"From `a2r bench` (`{row['file']}`, row `{row['name']}`) on {clips['clips']} labelled clips "
        f"({clips['successes']} successes) of {', '.join(clips['tasks'])}, "
        f"looks {', '.join(clips['variants'])}:",
        "",
        "| metric | value |",
        "|---|---|",
        f"| success ROC AUC of the reward | {_fmt(m.get('auc'))} |",
        f"| F1 / accuracy at the calibration-split threshold | {_fmt(m.get('f1'))} / "
        f"{_fmt(m.get('accuracy'))} |",
        f"| success-probability AUC / expected calibration error | {_fmt(prob.get('auc'))} / "
        f"{_fmt(prob.get('ece'))} |",
        f"| VOC (dense reward vs time, success episodes) | {_fmt(m.get('voc'))} |",
        f"| Spearman with the simulator's progress | {_fmt(m.get('progress_spearman'))} |",
        f"| instruction top-1 among the tasks and opposites | {_fmt(m['confusion'].get('top1_accuracy'))} |",
        f"| over-reward: probe clips above the median success (lower is better) | {_fmt(over.get('all'))} |",
    ]
    for kind, share in (over.get("per_kind") or {}).items():
        lines.append(f"| over-reward, {kind} | {_fmt(share)} |")
    return lines


def model_card(config: dict[str, Any], saved: dict[str, Any], bench: dict[str, Any] | None, name: str) -> str:
    """The README.md model card of a saved reward (see the module docstring)."""
    backbone = config["model"].get("backbone", {})
    tasks = ", ".join(config.get("tasks") or []) or "none recorded"
    lines = [
        "---",
        "library_name: adapt2reward",
        "tags: [reward-model, robotics, video-language, metaworld, adapt2reward]",
        "---",
        "",
        f"# {name}: a language-conditioned video reward (Adapt2Reward)",
        "",
        "Scores `(video clip, instruction) -> reward`: the cosine similarity of the clip's and the "
        "instruction's features, plus a success probability from a learned head and dense rewards of a "
        "trajectory's prefixes. A re-implementation of *Adapt2Reward* (Yang et al., ECCV 2024) trained on "
        "simulated data.",
        "",
        "## Use",
        "",
        "```python",
        "from adapt2reward import RewardModel",
        f'model = RewardModel.from_pretrained("{name}")',
        'rewards = model.reward(clips, "close the drawer")        # clips: uint8 (B, T, H, W, 3) -> (B,)',
        'probs = model.success_probability(clips, "close the drawer")',
        'dense = model.dense_rewards(frames, "close the drawer")   # frames: uint8 (N, H, W, 3) -> (N,)',
        "```",
        "",
        f"Clips are resampled to {config['num_frames']} frames of {config['image_size']} px. Backbone "
        f"`{backbone.get('kind', '?')}`; tasks with failure prompts: {tasks}. Loading needs only this folder "
        "and the `adapt2reward` package of this project (`pip install -e .`, CPU PyTorch).",
        "",
        "## Training data",
        "",
        *_training_section(saved),
        "",
        "## Evaluation",
        "",
        *_metrics_section(bench),
        "",
        "## Intended use",
        "",
        "A reward for planning (CEM / MPC) and reinforcement learning in MetaWorld-like tabletop scenes, and "
        "a baseline for research on video-language rewards. Runs on a CPU.",
        "",
        "## Limits",
        "",
        "- The robot data is MetaWorld v3's Sawyer arm in simulation, 64 px frames from fixed cameras; the "
        "'human' data is simulated too (a hand-like effector, other cameras and colours), not real human "
        "video. Expect it to fail on real robot or human footage without further training.",
        "- Instructions are matched by a small text tower (MiniLM): phrasings far from the training "
        "instructions, and tasks outside the training data, score unreliably.",
        "- The reward can pay for behaviours that only look like success (see the over-reward rows): check "
        "it against the simulator's success before relying on it, and do not use it where mistakes are "
        "costly.",
        "",
        "## Files",
        "",
        "`model.safetensors` (weights), `config.json` (the model config that rebuilds it), this card.",
        "",
    ]
    return "\n".join(lines)
