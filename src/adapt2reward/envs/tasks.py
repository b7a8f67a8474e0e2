"""The MetaWorld tasks the data engine records, with their instructions and opposites."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TaskSpec:
    """One task: its MetaWorld v3 environment, how people phrase it, and what undoes it.

    `near_success_modes` lists the expert perturbations (see `behaviours.NEAR_SUCCESS_MODES`) that
    measured to fail for this task; `episode_steps` leaves the scripted expert and the slower human
    style time to finish (expert first success: median/max in docs/simulation.md).
    """

    name: str
    env_id: str
    instructions: tuple[str, ...]
    opposite: str | None
    near_success_modes: tuple[str, ...]
    episode_steps: int


def _task(name: str, instructions: tuple[str, ...], opposite: str | None, modes: str, steps: int) -> TaskSpec:
    return TaskSpec(name, f"{name}-v3", instructions, opposite, tuple(modes.split()), steps)


_TASKS = (
    _task(
        "drawer-close",
        ("close the drawer", "push the drawer shut", "slide the drawer closed"),
        "drawer-open",
        "wrong_way",
        120,
    ),
    _task(
        "drawer-open",
        ("open the drawer", "pull the drawer open", "slide the drawer out"),
        "drawer-close",
        "stop_short release_early wrong_way bounce_back",
        140,
    ),
    _task(
        "faucet-open",
        ("turn the faucet on", "open the faucet", "rotate the tap handle to open it"),
        "faucet-close",
        "stop_short release_early wrong_way",
        110,
    ),
    _task(
        "faucet-close",
        ("turn the faucet off", "close the faucet", "rotate the tap handle to close it"),
        "faucet-open",
        "stop_short release_early wrong_way",
        110,
    ),
    _task(
        "button-press",
        ("press the button", "push the button in", "push the red button"),
        None,
        "stop_short release_early wrong_way bounce_back",
        110,
    ),
    _task(
        "button-press-topdown",
        ("press the button from the top", "push the button down", "press down on the button"),
        None,
        "stop_short release_early wrong_way bounce_back",
        120,
    ),
    _task(
        "push",
        ("push the puck to the goal", "slide the puck to the target", "move the puck to the spot"),
        None,
        "stop_short release_early overshoot wrong_way bounce_back",
        120,
    ),
    _task(
        "window-open",
        ("open the window", "slide the window open", "push the window sideways to open it"),
        "window-close",
        "release_early wrong_way bounce_back",
        140,
    ),
    _task(
        "window-close",
        ("close the window", "slide the window shut", "push the window closed"),
        "window-open",
        "release_early",
        140,
    ),
    _task(
        "door-open",
        ("open the door", "swing the door open", "pull the door open"),
        "door-close",
        "stop_short release_early overshoot wrong_way bounce_back",
        160,
    ),
    _task(
        "door-close",
        ("close the door", "swing the door shut", "push the door closed"),
        "door-open",
        "stop_short release_early wrong_way",
        130,
    ),
    _task(
        "door-lock",
        ("lock the door", "turn the lock down", "turn the door lock to locked"),
        "door-unlock",
        "stop_short release_early wrong_way",
        170,
    ),
    _task(
        "door-unlock",
        ("unlock the door", "turn the lock up", "turn the door lock to unlocked"),
        "door-lock",
        "stop_short release_early wrong_way",
        120,
    ),
    _task(
        "handle-pull",
        ("pull the handle up", "lift the handle", "raise the handle"),
        None,
        "stop_short wrong_way bounce_back",
        180,
    ),
    _task(
        "plate-slide",
        (
            "slide the plate into the goal",
            "push the plate into the net",
            "slide the plate forward into the goal",
        ),
        "plate-slide-back",
        "stop_short release_early wrong_way bounce_back",
        100,
    ),
    _task(
        "plate-slide-back",
        (
            "slide the plate back out of the goal",
            "pull the plate back",
            "slide the plate backward out of the net",
        ),
        "plate-slide",
        "stop_short release_early overshoot wrong_way bounce_back",
        130,
    ),
    _task(
        "coffee-push",
        (
            "push the mug under the coffee machine",
            "slide the cup to the coffee machine",
            "move the mug below the spout",
        ),
        None,
        "stop_short release_early overshoot wrong_way bounce_back",
        110,
    ),
    _task(
        "reach",
        ("reach the target", "move the hand to the goal", "put the gripper at the target"),
        None,
        "stop_short release_early overshoot wrong_way bounce_back",
        110,
    ),
    _task(
        "dial-turn",
        ("turn the dial", "rotate the dial", "twist the knob around"),
        None,
        "stop_short release_early wrong_way",
        130,
    ),
)

TASKS: dict[str, TaskSpec] = {t.name: t for t in _TASKS}
TASK_NAMES: tuple[str, ...] = tuple(TASKS)


def get_task(name: str) -> TaskSpec:
    """The task called `name` (no version suffix, e.g. 'drawer-close')."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; known tasks: {', '.join(TASK_NAMES)}") from None
