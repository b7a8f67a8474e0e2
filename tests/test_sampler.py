"""The stage-2 sampler: every batch is B_h human, B_r robot success and B_f robot failure clips, with the
robot tasks balanced and shared by the human batch (so CDC has cross-domain positives)."""

from collections import Counter

import numpy as np
import pytest

from adapt2reward.data.batching import StageTwoSampler
from adapt2reward.data.records import ClipRecord

ROBOT_TASKS = ("drawer-close", "button-press", "window-open")
HUMAN_ONLY = ("drawer-open", "faucet-open")


def records(domain: str, tasks, per_task: int, success: bool) -> list[ClipRecord]:
    return [
        ClipRecord(
            id=f"{domain}-{task}-{success}-{i}",
            domain=domain,
            task=task,
            instruction=task,
            success=success,
            failure_source=None if success else "random",
            variant="train",
            seed=i,
            num_frames=8,
            path=f"clips/{domain}-{task}-{success}-{i}.npz",
        )
        for task in tasks
        for i in range(per_task)
    ]


@pytest.fixture
def pools():
    human = records("human", ROBOT_TASKS + HUMAN_ONLY, 5, True)
    success = records("robot", ROBOT_TASKS, 4, True)
    failure = records("robot", ROBOT_TASKS, 3, False)[:-2]  # uneven: the last task has one failure
    return human, success, failure


def test_every_batch_has_the_promised_sizes_and_balance(pools):
    human, success, failure = pools
    sampler = StageTwoSampler(human, success, failure, 8, 8, 8, seed=0)
    for _ in range(50):
        batch = sampler.sample()
        assert (len(batch.human), len(batch.robot_success), len(batch.robot_failure)) == (8, 8, 8)
        h = [human[i] for i in batch.human]
        s = [success[i] for i in batch.robot_success]
        f = [failure[i] for i in batch.robot_failure]
        assert all(r.domain == "human" for r in h)
        assert all(r.domain == "robot" and r.success for r in s)  # no failure in the success slot
        assert all(r.domain == "robot" and not r.success for r in f)
        for clips in (s, f):  # every robot task, 8 // 3 or one more clips each
            counts = Counter(r.task for r in clips)
            assert set(counts) == set(ROBOT_TASKS) and set(counts.values()) <= {2, 3}
        # half the human batch from the robot's tasks (each of them), half from the human-only tasks
        shared = [r.task for r in h if r.task in ROBOT_TASKS]
        assert len(shared) == 4 and set(shared) == set(ROBOT_TASKS)
        assert Counter(r.task for r in h if r.task in HUMAN_ONLY) == {t: 2 for t in HUMAN_ONLY}


def test_clips_within_a_task_vary_and_a_small_task_is_drawn_with_replacement(pools):
    human, success, failure = pools
    sampler = StageTwoSampler(human, success, failure, 8, 8, 8, seed=0)
    seen = set()
    for _ in range(30):
        batch = sampler.sample()
        seen |= set(batch.robot_success.tolist())
        lonely = [i for i in batch.robot_failure if failure[i].task == "window-open"]
        assert set(lonely) == {len(failure) - 1}
    assert seen == set(range(len(success)))


def test_human_batch_without_shared_tasks_and_resume_of_the_draws(pools):
    human, success, failure = pools
    only_other = [r for r in human if r.task in HUMAN_ONLY]
    batch = StageTwoSampler(only_other, success, failure, 6, 8, 0, seed=1).sample()
    assert len(batch.human) == 6 and len(batch.robot_failure) == 0
    a = StageTwoSampler(human, success, failure, seed=3)
    a.sample()
    b = StageTwoSampler(human, success, failure, seed=99)
    b.load_state(a.state())
    x, y = a.sample(), b.sample()
    assert all(
        np.array_equal(getattr(x, k), getattr(y, k)) for k in ("human", "robot_success", "robot_failure")
    )


def test_missing_data_for_a_requested_slot_is_an_error(pools):
    human, success, failure = pools
    with pytest.raises(ValueError, match="no failure clips"):
        StageTwoSampler(human, success, [], 8, 8, 8)
    with pytest.raises(ValueError, match="no human clips"):
        StageTwoSampler([], success, failure, 8, 8, 8)
    with pytest.raises(ValueError, match="robot success clips"):
        StageTwoSampler(human, [], failure, 8, 8, 8)


def test_human_failures_are_drawn_last_and_tasks_balanced(pools):
    human, success, failure = pools
    human_failure = records("human", HUMAN_ONLY + ROBOT_TASKS[:1], 4, False)
    a = StageTwoSampler(human, success, failure, 6, 6, 6, seed=3).sample()
    b = StageTwoSampler(human, success, failure, 6, 6, 6, 3, human_failure, 6).sample()
    assert len(a.human_failure) == 0  # none asked for: no draw, the batches of earlier runs are unchanged
    assert all(
        np.array_equal(getattr(a, k), getattr(b, k)) for k in ("human", "robot_success", "robot_failure")
    )
    sampler = StageTwoSampler(human, success, failure, 6, 6, 6, 3, human_failure, 6)
    for _ in range(10):
        counts = Counter(human_failure[i].task for i in sampler.sample().human_failure)
        assert sum(counts.values()) == 6 and set(counts.values()) == {2}
    with pytest.raises(ValueError, match="holds no failure clips"):
        StageTwoSampler(human, success, failure, 6, 6, 6, 0, [], 6)
