"""Render benchmark: ms per 64x64 frame (robot and human domain) and clips per second of `record_clip`.

Run `python benchmarks/render.py`; writes results/render.json and prints a markdown line. Wall and CPU
time are both kept: on a shared 2-core machine other processes inflate wall time, and the load average
at the start is recorded beside them.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

from adapt2reward.envs import ClipSpec, TaskEnv, record_clip

TASK = "drawer-open"
FRAMES = 200
CLIPS = 20
CASES = (("robot", "expert"), ("robot", "near_success"), ("robot", "random"), ("human", "expert"))


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Wall and CPU seconds per call of `fn`."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - wall) / repeats, (time.process_time() - cpu) / repeats


def frame_ms(domain: str, size: int = 64) -> dict[str, float]:
    env = TaskEnv(TASK, domain=domain)
    env.render(size)  # builds the renderer
    wall, cpu = timed(lambda: env.render(size), FRAMES)
    return {"wall": round(1000 * wall, 2), "cpu": round(1000 * cpu, 2)}


def clip_rate(domain: str, behaviour: str) -> dict[str, float]:
    record_clip(ClipSpec(TASK, domain=domain, behaviour=behaviour, seed=CLIPS))  # warm-up
    specs = iter([ClipSpec(TASK, domain=domain, behaviour=behaviour, seed=s) for s in range(CLIPS)])
    wall, cpu = timed(lambda: record_clip(next(specs)), CLIPS)
    return {"wall": round(1 / wall, 2), "cpu": round(1 / cpu, 2)}


def main() -> None:
    results = {
        "task": TASK,
        "size": 64,
        "num_frames": 8,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "ms_per_frame": {d: frame_ms(d) for d in ("robot", "human")},
        "clips_per_second": {f"{d}/{b}": clip_rate(d, b) for d, b in CASES},
        "mujoco": version("mujoco"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
    }
    out = Path("results/render.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    frames = [f"{d} {v['wall']} ms/frame ({v['cpu']} cpu)" for d, v in results["ms_per_frame"].items()]
    clips = [f"{k} {v['wall']} clips/s ({v['cpu']} cpu)" for k, v in results["clips_per_second"].items()]
    print(f"| render 64x64, load {results['load_average_1min']} | " + " | ".join(frames + clips) + " |")


if __name__ == "__main__":
    main()
