"""`a2r demo`: the whole pipeline at a small scale, on the embedded default backbone, in minutes.

1. generate robot clips (3 tasks, successes and failures) and human-like clips (8 tasks), plus robot
   clips in unseen looks for evaluation; 2. pre-train the video-language model on the human clips
(stage 1); 3. adapt it with failure prompts (stage 2); 4. score held-out clips with Adapt2Reward and the
zero-shot stage-1 model; 5. plan with each reward in the env-generalization protocol (quick preset,
with oracle and random); 6. write the report. Every step resumes or is skipped when its output exists,
so an interrupted demo continues where it stopped.
"""

from __future__ import annotations

from pathlib import Path

from adapt2reward.data.generate import generate
from adapt2reward.data.generation_config import GenerationConfig
from adapt2reward.evaluation.heldout import evaluate_run
from adapt2reward.evaluation.report import build_report
from adapt2reward.evaluation.runner import run_evaluation
from adapt2reward.training.adapt import train
from adapt2reward.training.config import PretrainConfig, TrainConfig
from adapt2reward.training.pretrain import pretrain

ROBOT_TASKS = ("drawer-close", "faucet-open", "button-press")
HUMAN_TASKS = (
    *ROBOT_TASKS,
    "drawer-open",
    "faucet-close",
    "window-open",
    "button-press-topdown",
    "door-open",
)


def run_demo(out: str | Path, workers: int = 2, episodes: int = 2) -> Path:
    """Run (or resume) the demo into `out`; returns the report's path."""
    out = Path(out)
    data, variants = out / "data" / "train", out / "data" / "eval-looks"
    generate(
        GenerationConfig(
            robot_tasks=ROBOT_TASKS, human_tasks=HUMAN_TASKS, robot_clips_per_task=48, human_clips_per_task=16
        ),
        data,
        workers=workers,
    )
    generate(
        GenerationConfig(
            robot_tasks=ROBOT_TASKS,
            domains=("robot",),
            robot_clips_per_task=12,
            variants=("colors", "viewpoint", "distractors"),
            seed=1,
        ),
        variants,
        workers=workers,
    )
    stage1, stage2 = out / "checkpoints" / "stage1", out / "checkpoints" / "adapt2reward"
    pretrain(PretrainConfig(data=(str(data),), out=str(stage1), batch_size=32, epochs=3, steps_per_epoch=20))
    train(
        TrainConfig(
            human=(str(data),),
            robot=(str(data), str(variants)),
            init=str(stage1),
            out=str(stage2),
            tasks=ROBOT_TASKS,
            epochs=4,
            steps_per_epoch=30,
        )
    )
    evaluate_run(stage2)
    results = out / "results"
    methods = {"adapt2reward": ("adapt2reward", stage2), "zero-shot": ("zero-shot", stage1)}
    if not (results / "offline.json").exists():
        run_evaluation("offline", methods, stage2, results)
    if not (results / "env-generalization.json").exists():
        run_evaluation("env-generalization", methods, stage2, results, episodes=episodes, workers=workers)
    return build_report(results)
