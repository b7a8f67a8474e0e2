"""The task registry: each task's name, how people phrase it, and the task that undoes it.

Plain data with no simulator and no torch, so training, data and evaluation can read it without
MuJoCo; the simulator's side of each task (its MetaWorld environment, failure modes, episode length)
lives in `envs.tasks`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Task:
    """One task: its instructions (the first is canonical, the rest paraphrases) and its opposite."""

    name: str
    instructions: tuple[str, ...]
    opposite: str | None = None

    @property
    def instruction(self) -> str:
        """The canonical instruction."""
        return self.instructions[0]

    def phrasing(self, seed: int) -> str:
        """The instruction a recorded clip is given: one of the task's phrasings, chosen by `seed`."""
        return self.instructions[seed % len(self.instructions)]


_TASKS = (
    Task(
        "drawer-close", ("close the drawer", "push the drawer shut", "slide the drawer closed"), "drawer-open"
    ),
    Task("drawer-open", ("open the drawer", "pull the drawer open", "slide the drawer out"), "drawer-close"),
    Task(
        "faucet-open",
        ("turn the faucet on", "open the faucet", "rotate the tap handle to open it"),
        "faucet-close",
    ),
    Task(
        "faucet-close",
        ("turn the faucet off", "close the faucet", "rotate the tap handle to close it"),
        "faucet-open",
    ),
    Task("button-press", ("press the button", "push the button in", "push the red button")),
    Task(
        "button-press-topdown",
        ("press the button from the top", "push the button down", "press down on the button"),
    ),
    Task("push", ("push the puck to the goal", "slide the puck to the target", "move the puck to the spot")),
    Task(
        "window-open",
        ("open the window", "slide the window open", "push the window sideways to open it"),
        "window-close",
    ),
    Task(
        "window-close", ("close the window", "slide the window shut", "push the window closed"), "window-open"
    ),
    Task("door-open", ("open the door", "swing the door open", "pull the door open"), "door-close"),
    Task("door-close", ("close the door", "swing the door shut", "push the door closed"), "door-open"),
    Task("door-lock", ("lock the door", "turn the lock down", "turn the door lock to locked"), "door-unlock"),
    Task(
        "door-unlock", ("unlock the door", "turn the lock up", "turn the door lock to unlocked"), "door-lock"
    ),
    Task("handle-pull", ("pull the handle up", "lift the handle", "raise the handle")),
    Task(
        "plate-slide",
        (
            "slide the plate into the goal",
            "push the plate into the net",
            "slide the plate forward into the goal",
        ),
        "plate-slide-back",
    ),
    Task(
        "plate-slide-back",
        (
            "slide the plate back out of the goal",
            "pull the plate back",
            "slide the plate backward out of the net",
        ),
        "plate-slide",
    ),
    Task(
        "coffee-push",
        (
            "push the mug under the coffee machine",
            "slide the cup to the coffee machine",
            "move the mug below the spout",
        ),
    ),
    Task("reach", ("reach the target", "move the hand to the goal", "put the gripper at the target")),
    Task("dial-turn", ("turn the dial", "rotate the dial", "twist the knob around")),
)

TASKS: dict[str, Task] = {t.name: t for t in _TASKS}
TASK_NAMES: tuple[str, ...] = tuple(TASKS)


def get_task(name: str) -> Task:
    """The task called `name` (no version suffix, e.g. 'drawer-close')."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; known tasks: {', '.join(TASK_NAMES)}") from None


def opposite_instructions(tasks: Sequence[str]) -> dict[str, str]:
    """Opposite task -> its canonical instruction, for the given tasks that have one (hard negatives)."""
    result = {}
    for task in tasks:
        opposite = TASKS[task].opposite if task in TASKS else None
        if opposite is not None:
            result[opposite] = TASKS[opposite].instruction
    return result
