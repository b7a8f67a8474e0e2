"""What `a2r generate` makes: tasks, domains, counts, variants, clip shape and seed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adapt2reward.json_config import JsonConfig, check, fail

# The paper's three robot training tasks; drawer-close is always among them.
DEFAULT_ROBOT_TASKS = ("drawer-close", "faucet-open", "button-press")


@dataclass(frozen=True)
class GenerationConfig(JsonConfig):
    """A data-generation job.

    Robot clips: `robot_clips_per_task` per (task, variant), of which `success_fraction` are expert
    attempts kept only if the simulator says they succeeded, and the rest failures kept only if it says
    they failed, drawn from random exploration (`random_fraction` of them) or near-success
    perturbations of the expert. Human clips: `human_clips_per_task` successes per task, and
    `human_failures_per_task` human-like attempts that do not finish (near-success perturbations of the
    human-style attempt, kept only if the simulator says they failed), as real human video holds
    ("pretending to open something without opening it"); 0, the default, records successes only.
    """

    robot_tasks: tuple[str, ...] = DEFAULT_ROBOT_TASKS
    human_tasks: tuple[str, ...] | None = None  # None: the default TASK_NAMES; extended tasks only by name
    domains: tuple[str, ...] = ("robot", "human")
    robot_clips_per_task: int = 560
    human_clips_per_task: int = 200
    human_failures_per_task: int = 0
    success_fraction: float = 0.5
    random_fraction: float = 0.5
    variants: tuple[str, ...] = ("train",)
    human_variants: tuple[str, ...] = ("train",)
    num_frames: int = 8
    size: int = 64
    seed: int = 0
    max_attempts: int = 6
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from adapt2reward.envs.variants import get_variant
        from adapt2reward.tasks import get_task

        check(bool(self.domains), self, "domains", "domains is empty: name robot and/or human")
        unknown = [d for d in self.domains if d not in ("robot", "human")]
        check(not unknown, self, "domains", f"unknown domain(s) {unknown}: use robot and/or human")
        for task in (*self.robot_tasks, *(self.human_tasks or ())):
            get_task(task)
        for variant in (*self.variants, *self.human_variants):
            get_variant(variant)
        for name in ("robot_clips_per_task", "human_clips_per_task", "human_failures_per_task"):
            check(getattr(self, name) >= 0, self, name, "must be >= 0")
        for domain, tasks, count, looks in (
            ("robot", self.robot_tasks, "robot_clips_per_task", self.variants),
            ("human", self.human_tasks, "human_clips_per_task", self.human_variants),
        ):
            # A domain asked for but given nothing to make would leave an empty dataset without a word.
            clips = getattr(self, count) + (self.human_failures_per_task if domain == "human" else 0)
            if domain in self.domains and (tasks == () or clips == 0 or not looks):
                named = "all" if tasks is None else list(tasks)
                fail(
                    self,
                    f"no {domain} clips to make ({domain} tasks {named}, {count} {getattr(self, count)}, "
                    f"variants {list(looks)}): give at least one of each, or leave {domain} out of domains",
                )
        for name in ("success_fraction", "random_fraction"):
            check(0.0 <= getattr(self, name) <= 1.0, self, name, "must lie in [0, 1]")
        check(self.num_frames >= 2, self, "num_frames", "must be >= 2")
        check(self.size >= 16 and self.size % 2 == 0, self, "size", "must be an even number >= 16")
        check(self.max_attempts >= 1, self, "max_attempts", "must be >= 1")

    @property
    def all_human_tasks(self) -> tuple[str, ...]:
        from adapt2reward.tasks import TASK_NAMES

        return self.human_tasks if self.human_tasks is not None else TASK_NAMES
