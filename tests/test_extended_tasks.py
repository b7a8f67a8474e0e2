"""The opt-in extended task set: the default set unchanged, every extended task runnable, generated on ask."""

import json
from pathlib import Path

import numpy as np
import pytest

from adapt2reward.data import load_clip, read_manifest
from adapt2reward.data.generate import generate
from adapt2reward.data.generation_config import GenerationConfig
from adapt2reward.data.task_texts import canonical_instructions
from adapt2reward.envs import ClipSpec, TaskEnv, record_clip
from adapt2reward.envs.behaviours import NEAR_SUCCESS_MODES, Expert
from adapt2reward.envs.recording import HUMAN_SLOWDOWN
from adapt2reward.envs.tasks import EXCLUDED_TASKS, EXTENDED_SIM_TASKS, SIM_TASKS, sim_task
from adapt2reward.tasks import (
    EXTENDED_TASK_NAMES,
    EXTENDED_TASKS,
    TASK_NAMES,
    TASKS,
    get_task,
    opposite_instructions,
)

CONFIGS = Path(__file__).parents[1] / "configs" / "generalization"
NEW = [t for t in EXTENDED_TASK_NAMES if t not in TASK_NAMES]
# The default set and its simulator settings as they were before the extended set existed.
DEFAULT = {
    "drawer-close": ("wrong_way", 120),
    "drawer-open": ("stop_short release_early wrong_way bounce_back", 140),
    "faucet-open": ("stop_short release_early wrong_way", 110),
    "faucet-close": ("stop_short release_early wrong_way", 110),
    "button-press": ("stop_short release_early wrong_way bounce_back", 110),
    "button-press-topdown": ("stop_short release_early wrong_way bounce_back", 120),
    "push": ("stop_short release_early overshoot wrong_way bounce_back", 120),
    "window-open": ("release_early wrong_way bounce_back", 140),
    "window-close": ("release_early", 140),
    "door-open": ("stop_short release_early overshoot wrong_way bounce_back", 160),
    "door-close": ("stop_short release_early wrong_way", 130),
    "door-lock": ("stop_short release_early wrong_way", 170),
    "door-unlock": ("stop_short release_early wrong_way", 120),
    "handle-pull": ("stop_short wrong_way bounce_back", 180),
    "plate-slide": ("stop_short release_early wrong_way bounce_back", 100),
    "plate-slide-back": ("stop_short release_early overshoot wrong_way bounce_back", 130),
    "coffee-push": ("stop_short release_early overshoot wrong_way bounce_back", 110),
    "reach": ("stop_short release_early overshoot wrong_way bounce_back", 110),
    "dial-turn": ("stop_short release_early wrong_way", 130),
}
DEFAULT_OPPOSITES = {
    "drawer-close": "drawer-open",
    "drawer-open": "drawer-close",
    "faucet-open": "faucet-close",
    "faucet-close": "faucet-open",
    "window-open": "window-close",
    "window-close": "window-open",
    "door-open": "door-close",
    "door-close": "door-open",
    "door-lock": "door-unlock",
    "door-unlock": "door-lock",
    "plate-slide": "plate-slide-back",
    "plate-slide-back": "plate-slide",
}


def test_the_default_set_is_unchanged_and_in_order():
    assert TASK_NAMES == tuple(DEFAULT) == tuple(TASKS) == tuple(SIM_TASKS)
    assert {t: (" ".join(s.near_success_modes), s.episode_steps) for t, s in SIM_TASKS.items()} == DEFAULT
    assert {t: TASKS[t].opposite for t in TASK_NAMES if TASKS[t].opposite} == DEFAULT_OPPOSITES
    assert GenerationConfig().all_human_tasks == TASK_NAMES
    assert GenerationConfig(human_tasks=None).all_human_tasks == TASK_NAMES


def test_the_extended_set_follows_the_default_set_and_covers_every_scripted_metaworld_task():
    from metaworld.policies import ENV_POLICY_MAP

    assert EXTENDED_TASK_NAMES[: len(TASK_NAMES)] == TASK_NAMES and NEW
    assert len(set(EXTENDED_TASK_NAMES)) == len(EXTENDED_TASK_NAMES)
    assert tuple(EXTENDED_SIM_TASKS) == EXTENDED_TASK_NAMES
    assert not set(EXCLUDED_TASKS) & set(EXTENDED_TASK_NAMES)
    # Every MetaWorld v3 task with a scripted policy is either in the extended set or excluded with a reason.
    assert {e.removesuffix("-v3") for e in ENV_POLICY_MAP} == set(EXTENDED_TASK_NAMES) | set(EXCLUDED_TASKS)
    assert all(reason for reason in EXCLUDED_TASKS.values())


def test_every_extended_task_is_well_formed():
    from metaworld.policies import ENV_POLICY_MAP

    texts = [text for name in EXTENDED_TASK_NAMES for text in get_task(name).instructions]
    assert len(texts) == len(set(texts))  # no phrasing names two tasks
    for name in NEW:
        task, sim = get_task(name), sim_task(name)
        assert len(task.instructions) == 3 and all(t and t == t.strip() for t in task.instructions)
        assert sim.env_id in ENV_POLICY_MAP
        assert sim.near_success_modes and set(sim.near_success_modes) <= set(NEAR_SUCCESS_MODES)
        # MetaWorld stops an episode at 500 steps; the human one is longer and starts with a settle step.
        assert 0 < round(sim.episode_steps * HUMAN_SLOWDOWN) < 499


def test_opposites_are_symmetric_and_never_cross_into_the_default_set():
    for name in EXTENDED_TASK_NAMES:
        opposite = get_task(name).opposite
        if opposite is not None:
            assert get_task(opposite).opposite == name
            assert (name in TASK_NAMES) == (opposite in TASK_NAMES)
    assert opposite_instructions(TASK_NAMES) == {o: TASKS[o].instruction for o in DEFAULT_OPPOSITES.values()}
    pairs = opposite_instructions(NEW)
    assert pairs and all(t in NEW for t in pairs)


@pytest.mark.slow
def test_every_new_task_has_a_runnable_env_and_policy_in_the_human_look():
    for name in NEW:
        env = TaskEnv(name, domain="human")
        expert = Expert(sim_task(name), np.random.default_rng(0))
        before = env.obs
        for _ in range(10):
            env.step(expert.act(env.obs, env.success))
        assert not np.allclose(env.obs[:3], before[:3])  # the policy moves the hand
        frame = env.render(16)
        assert frame.shape == (16, 16, 3) and frame.std() > 0


def test_unknown_names_raise_errors_that_list_the_known_ones():
    for lookup in (get_task, sim_task):
        with pytest.raises(ValueError, match="unknown task 'hamer'; known tasks: drawer-close, .*, hammer"):
            lookup("hamer")
    with pytest.raises(ValueError, match="unknown task 'sweep-out'"):
        GenerationConfig(domains=("human",), human_tasks=("drawer-close", "sweep-out"))
    with pytest.raises(ValueError, match="unknown task 'nope'"):
        ClipSpec("nope")


def test_canonical_instructions_of_an_extended_task_come_from_the_registry():
    assert canonical_instructions(["drawer-close", NEW[0]], []) == {
        "drawer-close": "close the drawer",
        NEW[0]: EXTENDED_TASKS[NEW[0]].instruction,
    }


def test_the_extended_configs_add_the_new_tasks_to_the_varied_stand_in():
    # The varied stand-in's clips of the default tasks are reused: a clip's seed depends on its id alone.
    config = GenerationConfig.from_file(CONFIGS / "generate-human-varied-extended.json")
    base = GenerationConfig.from_file(CONFIGS / "generate-human-varied.json")
    assert base.all_human_tasks + config.all_human_tasks == EXTENDED_TASK_NAMES
    assert (config.domains, config.human_variants, config.human_clips_per_task) == (
        base.domains,
        base.human_variants,
        base.human_clips_per_task,
    )
    assert config.seed == base.seed
    pretrain = json.loads((CONFIGS / "pretrain-change-varied-extended.json").read_text())
    assert pretrain["data"] == ["data/human-varied", "data/human-varied-extended"]


@pytest.mark.slow
def test_a_config_naming_an_extra_task_generates_real_clips_of_it(tmp_path):
    config = GenerationConfig(
        domains=("human",),
        human_tasks=(NEW[0], "drawer-close"),
        human_clips_per_task=1,
        human_variants=("colors+lighting+any-view",),
        num_frames=2,
        size=16,
    )
    assert generate(config, tmp_path, progress=False) == {"made": 2, "skipped": 0, "dropped": 0}
    records = {r.task: r for r in read_manifest(tmp_path)}
    assert set(records) == {NEW[0], "drawer-close"}
    record = records[NEW[0]]
    assert record.domain == "human" and record.success
    assert record.instruction in get_task(NEW[0]).instructions
    assert load_clip(tmp_path, record).shape == (2, 16, 16, 3)
    replay = record_clip(
        ClipSpec(NEW[0], "human", variant=record.variant, seed=record.seed, num_frames=2, size=16)
    )
    assert replay.success and np.array_equal(replay.frames, load_clip(tmp_path, record))
