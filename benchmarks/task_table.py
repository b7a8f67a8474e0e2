"""Measure the simulator side of tasks: when the attempts first succeed, and how each behaviour ends.

Two passes over seeds 0..N-1; the tasks default to every MetaWorld v3 task with a scripted policy
outside the default set (registered or not: an unregistered one is measured as a candidate).

- `steps`: the step at which the robot's noisy expert and the human-style attempt first succeed, run
  for up to 480 steps without rendering. `episode_steps` is then the smallest multiple of 10 that
  leaves both time: 40 steps after the expert's latest success, and the human attempt's latest success
  10 steps before the end of the human episode (x1.4), over the seeds that succeeded, at most 350
  (MetaWorld ends an episode at 500 steps, and the human one is 1.4x longer). On the default tasks
  this rule gives 10 of the 19 registered lengths exactly and the rest within 20 steps.
- `table`: the success rate at the end of a clip (16x16 pixels) of the robot's expert, the human-style
  attempt (in the human look), random actions and waypoints, and each near-success mode, at the
  registry's episode steps (a candidate: those of the `steps` pass, `--steps-from`). A task's
  `near_success_modes` are the modes at <= 0.2; it joins the extended set if the human-style attempt
  ends successful in >= 0.9 of the clips, as every default task's does.

    OMP_NUM_THREADS=1 python benchmarks/task_table.py steps --out results/extended_tasks/steps.json
    OMP_NUM_THREADS=1 python benchmarks/task_table.py table --out results/extended_tasks/table.json \\
        --steps-from results/extended_tasks/steps.json
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from pathlib import Path

from adapt2reward.envs import ClipSpec, TaskEnv, record_clip
from adapt2reward.envs import tasks as sim_registry
from adapt2reward.envs.behaviours import NEAR_SUCCESS_MODES
from adapt2reward.envs.recording import HUMAN_SLOWDOWN, make_behaviour
from adapt2reward.tasks import TASK_NAMES

HORIZON = 480  # MetaWorld stops an episode at 500 steps; the reset's settle step takes one
MAX_STEPS = 350
CANDIDATE_STEPS = MAX_STEPS  # an unregistered task's length in the `steps` pass (it never ends there)
COLUMNS = ("expert", "human", "random_actions", "random_waypoints", *NEAR_SUCCESS_MODES)
MODE_THRESHOLD = 0.2


def candidates() -> list[str]:
    """Every MetaWorld v3 task with a scripted policy outside the default set, in MetaWorld's order."""
    from metaworld.policies import ENV_POLICY_MAP

    return [t for t in (e.removesuffix("-v3") for e in ENV_POLICY_MAP) if t not in TASK_NAMES]


def register(task: str, steps: int) -> None:
    """Let an unregistered task run in this process, with every near-success mode and `steps` steps."""
    if task not in sim_registry.EXTENDED_SIM_TASKS:
        spec = sim_registry.SimTask(task, f"{task}-v3", NEAR_SUCCESS_MODES, steps)
        sim_registry.EXTENDED_SIM_TASKS[task] = spec


def first_success(env: TaskEnv, task: str, domain: str, seed: int) -> int | None:
    """The step at which a clip's unperturbed attempt first succeeds, None if not by `HORIZON`."""
    spec = ClipSpec(task, domain=domain, seed=seed)
    attempt = make_behaviour("expert", spec, env)
    env.reset(seed, domain)
    for t in range(1, HORIZON + 1):
        if env.step(attempt.act(env.obs, env.success)).success:
            return t
    return None


def episode_length(expert: list[int | None], human: list[int | None]) -> int | None:
    """The rule of the module docstring; None when either attempt never succeeded."""
    expert_done, human_done = [t for t in expert if t is not None], [t for t in human if t is not None]
    if not expert_done or not human_done:
        return None
    need = max(max(expert_done) + 40, (max(human_done) + 10) / HUMAN_SLOWDOWN)
    return min(int(math.ceil(need / 10) * 10), MAX_STEPS)


def measure_steps(tasks: list[str], seeds: int) -> dict:
    rows = {}
    for task in tasks:
        register(task, CANDIDATE_STEPS)
        env = TaskEnv(task)
        expert = [first_success(env, task, "robot", s) for s in range(seeds)]
        human = [first_success(env, task, "human", s) for s in range(seeds)]
        row = {"expert": expert, "human": human, "episode_steps": episode_length(expert, human)}
        for name, steps in (("expert", expert), ("human", human)):
            done = [t for t in steps if t is not None]
            row[f"{name}_rate"] = len(done) / seeds
            row[f"{name}_median"] = statistics.median(done) if done else None
            row[f"{name}_max"] = max(done) if done else None
        rows[task] = row
        print(task, {k: v for k, v in row.items() if k not in ("expert", "human")}, flush=True)
    return rows


def measure_table(tasks: list[str], seeds: int, lengths: dict[str, int]) -> dict:
    rows = {}
    for task in tasks:
        if task not in sim_registry.EXTENDED_SIM_TASKS and task not in lengths:
            raise ValueError(f"{task} is not registered: give its length with --steps-from")
        register(task, lengths.get(task, CANDIDATE_STEPS))
        rates = {}
        for column in COLUMNS:
            domain, behaviour = ("human", "expert") if column == "human" else ("robot", column)
            ended = [
                record_clip(ClipSpec(task, domain, behaviour, seed=s, num_frames=2, size=16)).success
                for s in range(seeds)
            ]
            rates[column] = sum(ended) / seeds
        modes = [m for m in NEAR_SUCCESS_MODES if rates[m] <= MODE_THRESHOLD]
        rows[task] = {"rates": rates, "near_success_modes": modes}
        print(task, sim_registry.sim_task(task).episode_steps, rates, modes, flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", choices=("steps", "table"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--tasks", default="", help="comma-separated task names (default: the candidates)")
    parser.add_argument("--steps-from", type=Path, help="a `steps` result: lengths of unregistered tasks")
    args = parser.parse_args()
    tasks = [t for t in args.tasks.split(",") if t] or candidates()
    start = time.perf_counter()
    if args.which == "steps":
        rows = measure_steps(tasks, args.seeds)
    else:
        measured = json.loads(args.steps_from.read_text())["tasks"] if args.steps_from else {}
        lengths = {t: row["episode_steps"] for t, row in measured.items() if row["episode_steps"]}
        rows = measure_table(tasks, args.seeds, lengths)
    result = {"seeds": args.seeds, "minutes": round((time.perf_counter() - start) / 60, 1), "tasks": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
