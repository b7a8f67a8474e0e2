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

# Opt-in: the other MetaWorld v3 tasks whose scripted expert succeeds in the human style (measured in
# docs/simulation.md), named only when a config asks for them. None is the opposite of a default task:
# that would change the default tasks' hard negatives, probes and reference sets.
_EXTENDED = (
    Task(
        "assembly",
        ("put the ring onto the peg", "slide the ring down over the peg", "fit the nut onto the peg"),
        "disassemble",
    ),
    Task(
        "disassemble",
        ("pull the ring off the peg", "lift the ring up off the peg", "take the nut off the peg"),
        "assembly",
    ),
    Task(
        "bin-picking",
        (
            "move the block to the other bin",
            "pick the cube out of one bin and put it in the other",
            "carry the block from bin to bin",
        ),
    ),
    Task(
        "button-press-wall",
        (
            "press the button behind the wall",
            "reach past the wall and push the button",
            "push the button beyond the wall",
        ),
    ),
    Task(
        "button-press-topdown-wall",
        (
            "press the button down behind the wall",
            "reach over the wall and push the button down",
            "press down on the button past the wall",
        ),
    ),
    Task(
        "coffee-button",
        (
            "press the coffee machine button",
            "push the button on the coffee machine",
            "start the coffee machine",
        ),
    ),
    Task(
        "coffee-pull",
        (
            "pull the mug away from the coffee machine",
            "slide the cup out from under the spout",
            "take the mug out of the coffee machine",
        ),
    ),
    Task(
        "hammer", ("hammer the nail in", "drive the nail in with the hammer", "hit the nail with the hammer")
    ),
    Task(
        "hand-insert",
        (
            "put the block into the hole",
            "insert the block into the hole",
            "push the block down into the hole",
        ),
    ),
    Task(
        "handle-pull-side",
        ("pull the side handle up", "lift the handle from the side", "raise the handle from the side"),
    ),
    Task(
        "peg-insert-side",
        (
            "insert the peg into the hole",
            "push the peg sideways into the hole",
            "slide the peg into the slot",
        ),
        "peg-unplug-side",
    ),
    Task(
        "peg-unplug-side",
        ("unplug the peg from the wall", "pull the plug out sideways", "pull the peg out of the hole"),
        "peg-insert-side",
    ),
    Task(
        "pick-place",
        (
            "pick up the puck and place it at the goal",
            "lift the puck and put it on the target",
            "carry the puck to the spot",
        ),
    ),
    Task(
        "pick-place-wall",
        (
            "pick up the puck and place it behind the wall",
            "lift the puck over the wall to the goal",
            "carry the puck past the wall to the target",
        ),
    ),
    Task(
        "plate-slide-side",
        (
            "slide the plate sideways into the goal",
            "push the plate sideways into the net",
            "slide the plate to the side into the goal",
        ),
        "plate-slide-back-side",
    ),
    Task(
        "plate-slide-back-side",
        (
            "slide the plate sideways out of the goal",
            "pull the plate back out to the side",
            "slide the plate out of the net sideways",
        ),
        "plate-slide-side",
    ),
    Task(
        "push-back",
        (
            "push the puck back to the goal",
            "slide the puck backward to the target",
            "move the puck back to the spot",
        ),
    ),
    Task(
        "push-wall",
        (
            "push the puck around the wall to the goal",
            "slide the puck past the wall to the target",
            "move the puck around the wall to the spot",
        ),
    ),
    Task(
        "reach-wall",
        (
            "reach the target over the wall",
            "move the hand over the wall to the goal",
            "put the gripper at the target behind the wall",
        ),
    ),
    Task(
        "sweep",
        (
            "sweep the block off the table",
            "push the cube off the edge of the table",
            "slide the block off the table",
        ),
    ),
)

TASKS: dict[str, Task] = {t.name: t for t in _TASKS}
TASK_NAMES: tuple[str, ...] = tuple(TASKS)  # the default set: what every "all tasks" means
EXTENDED_TASKS: dict[str, Task] = TASKS | {t.name: t for t in _EXTENDED}
EXTENDED_TASK_NAMES: tuple[str, ...] = tuple(EXTENDED_TASKS)  # TASK_NAMES first, in their order


def get_task(name: str) -> Task:
    """The task called `name` (no version suffix, e.g. 'drawer-close'), of the default or extended set."""
    try:
        return EXTENDED_TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; known tasks: {', '.join(EXTENDED_TASK_NAMES)}") from None


def opposite_instructions(tasks: Sequence[str]) -> dict[str, str]:
    """Opposite task -> its canonical instruction, for the given tasks that have one (hard negatives)."""
    result = {}
    for task in tasks:
        opposite = EXTENDED_TASKS[task].opposite if task in EXTENDED_TASKS else None
        if opposite is not None:
            result[opposite] = EXTENDED_TASKS[opposite].instruction
    return result
