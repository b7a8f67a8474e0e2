"""Execute a plan in the simulator, rendering only the frames a clip keeps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from adapt2reward.envs.simulator import TaskEnv
from adapt2reward.planning.plan import PlanSpace, p_control
from adapt2reward.planning.timing import CpuClock


@dataclass(frozen=True)
class Rollout:
    """What one plan did between two episode steps `start` and `stop`.

    frames: (F, size, size, 3) uint8, the states at the kept steps in [start, stop) and, when `stop` is the
        episode's end, at `stop` too (F = 0 when not rendered).
    rewards, successes: MetaWorld's dense reward and success flag of every state start..stop (stop-start+1).
    """

    frames: np.ndarray
    rewards: np.ndarray
    successes: np.ndarray


def run_plan(
    sim: TaskEnv,
    plan: np.ndarray,
    space: PlanSpace,
    start: int,
    stop: int,
    keep: np.ndarray,
    size: int = 64,
    render: bool = True,
    first_frame: np.ndarray | None = None,
    clock: CpuClock | None = None,
) -> Rollout:
    """Drive `sim` (at episode step `start`) along `plan` (num_waypoints, 4) up to step `stop`.

    `keep` holds the episode steps whose state a clip keeps (sorted, within 0..horizon); only those are
    rendered, and only when `render` is set. `first_frame`, the frame of the state at `start` when the
    caller has it (every candidate of a search starts from the same state), is used instead of rendering
    it again. `clock` is charged for simulating and rendering.
    """
    clock = clock or CpuClock()
    kept = set(int(k) for k in keep) if render else set()
    frames: list[np.ndarray] = []
    rewards, successes = [sim.reward], [sim.success]

    def draw() -> None:
        with clock.part("render"):
            frames.append(sim.render(size))

    for step in range(start, stop):
        if step in kept:
            if step == start and first_frame is not None:
                frames.append(first_frame)
            else:
                draw()
        with clock.part("simulate"):
            result = sim.step(p_control(sim.hand_pos, plan[space.waypoint_index(step)], space.gain))
        rewards.append(result.reward)
        successes.append(result.success)
    if stop == space.horizon and stop in kept:
        draw()
    stacked = np.stack(frames) if frames else np.zeros((0, size, size, 3), dtype=np.uint8)
    return Rollout(stacked, np.asarray(rewards, dtype=np.float64), np.asarray(successes, dtype=bool))
