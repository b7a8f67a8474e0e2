"""Small synthetic datasets whose success and failure clips differ visibly, for fast training tests.

Each task is a coloured square; a success clip moves it to the task's goal side, a failure clip stops
half-way or moves it the wrong way. The human domain uses another background. Clips follow the real
dataset format, so the training code reads them exactly as it reads generated data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from adapt2reward.data.clip_io import save_clip
from adapt2reward.data.records import ClipRecord, append_records

# A small backbone for tests: MiniLM and EfficientNet as in the default, a narrow temporal model.
BACKBONE = {"temporal_depth": 1, "temporal_width": 128, "embed_dim": 128, "text_trainable_layers": 1}
TASK_LOOK = {  # colour and direction of motion of each task's object
    "drawer-close": ((220, 40, 40), 1),
    "button-press": ((40, 80, 230), 1),
    "drawer-open": ((220, 40, 40), -1),
    "faucet-open": ((240, 200, 40), 1),
}
INSTRUCTIONS = {
    "drawer-close": ("close the drawer", "push the drawer shut"),
    "button-press": ("press the button", "push the button in"),
    "drawer-open": ("open the drawer", "pull the drawer open"),
    "faucet-open": ("turn the faucet on", "open the faucet"),
}


def render_clip(
    task: str, domain: str, outcome: str, rng: np.random.Generator, frames: int = 8, size: int = 64
):
    colour, direction = TASK_LOOK[task]
    background = (90, 60, 40) if domain == "robot" else (200, 200, 210)
    start = size // 2
    end = {
        "success": start + direction * 22,
        "stop_short": start + direction * 6,
        "wrong_way": start - direction * 20,
    }
    xs = np.linspace(start, end[outcome], frames) + rng.normal(0, 1.0, frames)
    y = int(rng.integers(size // 3, 2 * size // 3))
    clip = np.empty((frames, size, size, 3), np.uint8)
    clip[:] = np.asarray(background, np.uint8)
    clip += rng.integers(0, 12, clip.shape, dtype=np.uint8)
    goal = start + direction * 22
    for t, x in enumerate(xs):
        x = int(np.clip(x, 6, size - 7))
        reached = abs(x - goal) < 4
        # the goal pad lights up once the object reaches it, as a drawer or button changes state
        clip[t, 4:12, goal - 6 : goal + 6] = (60, 230, 60) if reached else (120, 120, 120)
        clip[t, y - 6 : y + 6, x - 6 : x + 6] = colour
    progress = np.linspace(0, 1 if outcome == "success" else 0.3, frames).astype(np.float32)
    return clip, progress


def make_dataset(
    out: Path,
    robot_tasks=("drawer-close", "button-press"),
    human_tasks=("drawer-close", "button-press", "drawer-open", "faucet-open"),
    robot_per_task: int = 36,
    human_per_task: int = 10,
    seed: int = 0,
    human_failures_per_task: int = 0,
) -> Path:
    rng = np.random.default_rng(seed)
    records = []

    def add(domain, task, index, outcome, source):
        kind = "failure-" if domain == "human" and outcome != "success" else ""
        clip_id = f"{domain}-{task}-{kind}{index:03d}"
        clip, progress = render_clip(task, domain, outcome, rng)
        path = f"clips/{clip_id}.npz"
        save_clip(out / path, clip, progress=progress)
        records.append(
            ClipRecord(
                id=clip_id,
                domain=domain,
                task=task,
                instruction=INSTRUCTIONS[task][index % 2],
                success=outcome == "success",
                failure_source=source,
                variant="train",
                seed=index,
                num_frames=len(clip),
                path=path,
                height=64,
                width=64,
                behaviour=outcome,
            )
        )

    for task in robot_tasks:
        for i in range(robot_per_task):
            outcome, source = [("success", None), ("stop_short", "near_success"), ("wrong_way", "random")][
                i % 3
            ]
            add("robot", task, i, outcome, source)
    for task in human_tasks:
        for i in range(human_per_task):
            add("human", task, i, "success", None)
        for i in range(human_failures_per_task):  # unfinished attempts
            add("human", task, i, ("stop_short", "wrong_way")[i % 2], "near_success")
    out.mkdir(parents=True, exist_ok=True)
    append_records(out, records)
    return out
