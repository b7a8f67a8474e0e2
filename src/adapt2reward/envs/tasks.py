"""The simulator's side of each registered task: its MetaWorld environment, failure modes and length.

Names, instructions and opposites are plain data in `adapt2reward.tasks`; this table adds what only the
simulator needs, for every task of that registry.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapt2reward.tasks import EXTENDED_TASK_NAMES, TASK_NAMES


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

# The opt-in tasks of `adapt2reward.tasks.EXTENDED_TASK_NAMES`, measured by benchmarks/task_table.py.
_EXTENDED_SIM = {
    "assembly": ("stop_short release_early wrong_way bounce_back", 350),
    "disassemble": ("stop_short release_early bounce_back", 350),
    "bin-picking": (_ALL_MODES, 240),
    "button-press-wall": ("stop_short release_early wrong_way bounce_back", 120),
    "button-press-topdown-wall": ("stop_short release_early wrong_way bounce_back", 110),
    "coffee-button": ("stop_short release_early overshoot wrong_way", 90),
    "coffee-pull": (_ALL_MODES, 140),
    "hammer": ("stop_short release_early wrong_way", 150),
    "hand-insert": ("stop_short wrong_way", 110),
    "handle-pull-side": ("stop_short release_early bounce_back", 140),
    "peg-insert-side": ("stop_short release_early wrong_way bounce_back", 340),
    "peg-unplug-side": (_ALL_MODES, 190),
    "pick-place": ("stop_short release_early wrong_way bounce_back", 100),
    "pick-place-wall": (_ALL_MODES, 160),
    "plate-slide-side": (_ALL_MODES, 100),
    "plate-slide-back-side": (_ALL_MODES, 100),
    "push-back": (_ALL_MODES, 350),
    "push-wall": (_ALL_MODES, 130),
    "reach-wall": (_ALL_MODES, 100),
    "sweep": ("stop_short release_early wrong_way", 160),
}

# MetaWorld v3 tasks with a scripted policy left out of both sets, and why (docs/simulation.md).
EXCLUDED_TASKS = {
    "basketball": "the human-style attempt ends successful in 0.5 of clips",
    "box-close": "the human-style attempt ends successful in 0.8 of clips",
    "handle-press": "its success is a band the handle passes through: 0.0 end successful (1.0 on the way)",
    "handle-press-side": "the human-style attempt ends successful in 0.3 of clips (1.0 succeed on the way)",
    "lever-pull": "the human-style attempt ends successful in 0.2 of clips (1.0 succeed on the way)",
    "pick-out-of-hole": "its table is unnamed geoms the human look cannot repaint: MetaWorld's wood stays",
    "shelf-place": "the human-style attempt ends successful in 0.5 of clips",
    "soccer": "the human-style attempt ends successful in 0.8 of clips",
    "stick-push": "the human-style attempt ends successful in 0.8 of clips",
    "stick-pull": "the human-style attempt ends successful in 0.2 of clips (0.9 succeed on the way)",
    "sweep-into": "the human-style attempt ends successful in 0.3 of clips (0.9 succeed on the way)",
}


def _sim_tasks(table: dict[str, tuple[str, int]]) -> dict[str, SimTask]:
    return {
        name: SimTask(name, f"{name}-v3", tuple(modes.split()), steps)
        for name, (modes, steps) in table.items()
    }


SIM_TASKS: dict[str, SimTask] = _sim_tasks(_SIM)
EXTENDED_SIM_TASKS: dict[str, SimTask] = SIM_TASKS | _sim_tasks(_EXTENDED_SIM)
for _sim, _names in ((SIM_TASKS, TASK_NAMES), (EXTENDED_SIM_TASKS, EXTENDED_TASK_NAMES)):
    if set(_sim) != set(_names):  # a registry task the simulator cannot run would fail much later
        raise RuntimeError(f"envs.tasks and adapt2reward.tasks disagree: {set(_sim) ^ set(_names)}")


def sim_task(name: str) -> SimTask:
    """The simulator side of the task called `name` (no version suffix, e.g. 'drawer-close'), of the
    default or extended set."""
    try:
        return EXTENDED_SIM_TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; known tasks: {', '.join(EXTENDED_TASK_NAMES)}") from None
