"""The simulator's side of each registered task: its MetaWorld environment, failure modes and length.

Names, instructions and opposites are plain data in `adapt2reward.tasks`; this table adds what only the
simulator needs, for every task of that registry.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapt2reward.tasks import TASK_NAMES


@dataclass(frozen=True)
class SimTask:
    """How the simulator runs one task.

    `near_success_modes` lists the expert perturbations (see `behaviours.NEAR_SUCCESS_MODES`) that
    measured to fail for this task; `episode_steps` leaves the scripted expert and the slower human
    style time to finish (expert first success: median/max in docs/simulation.md).
    """

    name: str
    env_id: str
    near_success_modes: tuple[str, ...]
    episode_steps: int


_ALL_MODES = "stop_short release_early overshoot wrong_way bounce_back"
_SIM = {  # task: (near-success modes, episode steps)
    "drawer-close": ("wrong_way", 120),
    "drawer-open": ("stop_short release_early wrong_way bounce_back", 140),
    "faucet-open": ("stop_short release_early wrong_way", 110),
    "faucet-close": ("stop_short release_early wrong_way", 110),
    "button-press": ("stop_short release_early wrong_way bounce_back", 110),
    "button-press-topdown": ("stop_short release_early wrong_way bounce_back", 120),
    "push": (_ALL_MODES, 120),
    "window-open": ("release_early wrong_way bounce_back", 140),
    "window-close": ("release_early", 140),
    "door-open": (_ALL_MODES, 160),
    "door-close": ("stop_short release_early wrong_way", 130),
    "door-lock": ("stop_short release_early wrong_way", 170),
    "door-unlock": ("stop_short release_early wrong_way", 120),
    "handle-pull": ("stop_short wrong_way bounce_back", 180),
    "plate-slide": ("stop_short release_early wrong_way bounce_back", 100),
    "plate-slide-back": (_ALL_MODES, 130),
    "coffee-push": (_ALL_MODES, 110),
    "reach": (_ALL_MODES, 110),
    "dial-turn": ("stop_short release_early wrong_way", 130),
}

SIM_TASKS: dict[str, SimTask] = {
    name: SimTask(name, f"{name}-v3", tuple(modes.split()), steps) for name, (modes, steps) in _SIM.items()
}
if set(SIM_TASKS) != set(TASK_NAMES):  # a registry task the simulator cannot run would fail much later
    raise RuntimeError(f"envs.tasks and adapt2reward.tasks disagree: {set(SIM_TASKS) ^ set(TASK_NAMES)}")


def sim_task(name: str) -> SimTask:
    """The simulator side of the task called `name` (no version suffix, e.g. 'drawer-close')."""
    try:
        return SIM_TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; known tasks: {', '.join(TASK_NAMES)}") from None
