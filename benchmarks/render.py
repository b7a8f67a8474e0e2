"""Render benchmark: ms per 64x64 frame, old vs new render detail, the floor, the split, and clips/s.

Run from the repo root: `OMP_NUM_THREADS=1 python benchmarks/render.py`. In one run, on drawer-open:
- ms per frame (wall and CPU) of the robot and the human look at render detail `full` (the old picture)
  and `low` (decimated Sawyer meshes, the default), and of the floor: only geom groups 0 and 2 drawn (the
  floor plane and the table's walls, no meshes). Timed in interleaved rounds (median of the rounds), so a
  change of machine load hits old and new alike;
- the split of a robot frame's CPU time at both details: each part of the scene drawn alone (the empty
  scene's fixed cost included in each), the scene update and the readback;
- the mean absolute pixel difference (0-255) of `low` vs `full` on recorded clips;
- clips per second of `record_clip` at both details, as before.
Writes results/render.json and the "render" section of results/speed.json, and prints a markdown line.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import mujoco
import numpy as np

from adapt2reward.envs import ClipSpec, TaskEnv, record_clip
from adapt2reward.envs.render import _OPTION, DETAIL_ENV, _free_camera, _render_context, render_frame

sys.path.insert(0, str(Path(__file__).parent))
from speed_results import record  # noqa: E402

TASK = "drawer-open"
SIZE = 64
ROUNDS = 5
FRAMES = 60  # per round and case
CLIPS = 12
DIFF_SEEDS = (0, 1, 2, 3)
DETAILS = {"old": "full", "new": "low"}
CASES = (("robot", "expert"), ("robot", "near_success"), ("robot", "random"), ("human", "expert"))


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Wall and CPU seconds per call of `fn`."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - wall) / repeats, (time.process_time() - cpu) / repeats


def _floor_option() -> mujoco.MjvOption:
    option = mujoco.MjvOption()
    option.sitegroup[:] = 0
    option.geomgroup[:] = 0
    option.geomgroup[0] = option.geomgroup[2] = 1
    return option


def frame_ms() -> dict[str, dict[str, dict[str, float]]]:
    """ms per frame for each look x {old, new}, medians over interleaved rounds."""
    envs = {look: TaskEnv(TASK, domain=domain) for look, domain in (("robot", "robot"), ("human", "human"))}
    envs["floor"] = envs["robot"]
    options = {"robot": None, "human": None, "floor": _floor_option()}
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(ROUNDS):
        for look, env in envs.items():
            for name, detail in DETAILS.items():

                def frame(env=env, look=look, detail=detail) -> np.ndarray:
                    model, data, cam = env.model, env._env.data, env.look.camera
                    return render_frame(model, data, cam, (), SIZE, detail, options[look])

                frame()  # (re)builds the render context for this model and detail
                samples.setdefault((look, name), []).append(timed(frame, FRAMES))
    out: dict[str, dict[str, dict[str, float]]] = {}
    for (look, name), runs in samples.items():
        wall, cpu = (statistics.median(r[i] for r in runs) for i in (0, 1))
        out.setdefault(look, {})[name] = {"wall": round(1000 * wall, 2), "cpu": round(1000 * cpu, 2)}
    for v in out.values():
        v["speedup_wall"] = round(v["old"]["wall"] / v["new"]["wall"], 2)
        v["speedup_cpu"] = round(v["old"]["cpu"] / v["new"]["cpu"], 2)
    return out


def split_ms() -> dict[str, dict[str, float]]:
    """CPU ms of a robot frame's parts at each detail: each part drawn alone, scene update, readback."""
    env = TaskEnv(TASK)
    model, data, cam = env.model, env._env.data, env.look.camera
    styler = env._styler
    parts = {
        "nothing (clear, setup, readback)": np.array([], dtype=int),
        "floor plane": styler.floor,
        "table and walls": styler.table,
        "task objects": styler.objects,
        "arm links": styler.arm,
        "hand": styler.hand,
    }
    rgba = model.geom_rgba.copy()
    out: dict[str, dict[str, float]] = {}
    for name, detail in DETAILS.items():

        def frame(detail=detail) -> np.ndarray:
            return render_frame(model, data, cam, (), SIZE, detail)

        frame()  # builds the render context for this detail
        figures = {"whole frame": timed(frame, 200)[1]}
        for part, geoms in parts.items():
            model.geom_rgba[:, 3] = 0.0
            model.geom_rgba[geoms, 3] = rgba[geoms, 3]
            figures[part] = timed(frame, 200)[1]
        model.geom_rgba[:] = rgba
        context = _render_context(model, detail)
        camera, everything = _free_camera(cam), mujoco.mjtCatBit.mjCAT_ALL.value

        def update(context=context, camera=camera, everything=everything) -> None:
            mujoco.mjv_updateScene(model, data, _OPTION, None, camera, everything, context.scene)

        figures["scene update (mjv_updateScene)"] = timed(update, 1000)[1]
        rect, image = mujoco.MjrRect(0, 0, SIZE, SIZE), np.empty((SIZE, SIZE, 3), dtype=np.uint8)

        def readback(context=context, image=image, rect=rect) -> None:
            mujoco.mjr_readPixels(image, None, rect, context.mjr)

        figures["readback (mjr_readPixels)"] = timed(readback, 1000)[1]
        out[name] = {k: round(1000 * v, 3) for k, v in figures.items()}
    return out


def _clips(domain: str, detail: str) -> list[np.ndarray]:
    os.environ[DETAIL_ENV] = detail
    return [record_clip(ClipSpec(TASK, domain=domain, seed=s)).frames for s in DIFF_SEEDS]


def pixel_diff() -> dict[str, float]:
    """Mean absolute difference (0-255) of new vs old frames, over the frames of a few expert clips."""
    out = {}
    for domain in ("robot", "human"):
        old, new = _clips(domain, DETAILS["old"]), _clips(domain, DETAILS["new"])
        diffs = [np.abs(a.astype(int) - b).mean() for a, b in zip(old, new, strict=True)]
        out[domain] = round(float(np.mean(diffs)), 3)
    os.environ.pop(DETAIL_ENV, None)
    return out


def clip_rate(domain: str, behaviour: str, detail: str) -> dict[str, float]:
    os.environ[DETAIL_ENV] = detail
    record_clip(ClipSpec(TASK, domain=domain, behaviour=behaviour, seed=CLIPS))  # warm-up
    specs = iter([ClipSpec(TASK, domain=domain, behaviour=behaviour, seed=s) for s in range(CLIPS)])
    wall, cpu = timed(lambda: record_clip(next(specs)), CLIPS)
    os.environ.pop(DETAIL_ENV, None)
    return {"wall": round(1 / wall, 2), "cpu": round(1 / cpu, 2)}


def main() -> None:
    load = round(os.getloadavg()[0], 2)
    frames = frame_ms()
    figures = {
        "task": TASK,
        "size": SIZE,
        "details": DETAILS,
        "ms_per_frame": frames,
        "robot_frame_split_cpu_ms": split_ms(),
        "mean_abs_pixel_diff_new_vs_old": pixel_diff(),
        "clips_per_second": {
            name: {f"{d}/{b}": clip_rate(d, b, detail) for d, b in CASES} for name, detail in DETAILS.items()
        },
    }
    results = {
        **figures,
        "num_frames": 8,
        "load_average_1min": load,
        "load_average_1min_end": round(os.getloadavg()[0], 2),
        "mujoco": version("mujoco"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
    }
    out = Path("results/render.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    record("render", figures)
    cells = []
    for look, v in frames.items():
        old, new = v["old"], v["new"]
        cells.append(f"{look} {old['wall']} -> {new['wall']} ms/frame ({old['cpu']} -> {new['cpu']} CPU)")
    clips = figures["clips_per_second"]
    rates = [f"{k} {clips['old'][k]['wall']} -> {v['wall']} clips/s" for k, v in clips["new"].items()]
    print(f"| render 64x64 old -> new, load {load} | " + " | ".join(cells + rates) + " |")


if __name__ == "__main__":
    main()
