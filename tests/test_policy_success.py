"""`policy_success`: MetaWorld's flag at the episode's end and at any step, for a state policy."""

import numpy as np
import pytest

from adapt2reward.envs.policy_success import policy_success
from adapt2reward.envs.tasks import sim_task


def _scripted(task: str):
    from metaworld.policies import ENV_POLICY_MAP

    policy = ENV_POLICY_MAP[sim_task(task).env_id]()
    return policy.get_action


def test_scripted_expert_succeeds_and_standing_still_does_not():
    expert = policy_success(_scripted("drawer-close"), "drawer-close", episodes=2)
    still = policy_success(lambda obs: np.zeros(4, dtype=np.float32), "drawer-close", episodes=2)
    assert expert.end == expert.any == 1.0
    assert still.end == still.any == 0.0


def test_a_success_undone_counts_at_any_step_but_not_at_the_end():
    # Open the drawer as the scripted expert does, then push it shut again: solved on the way, not at the end.
    opener, closer = _scripted("drawer-open"), _scripted("drawer-close")
    steps = {"n": 0}

    # The episode has 140 steps; on this seed the drawer is open by step 86 and shut again by the end.
    def open_then_close(obs: np.ndarray) -> np.ndarray:
        steps["n"] += 1
        return opener(obs) if steps["n"] <= 88 else closer(obs)

    result = policy_success(open_then_close, "drawer-open", episodes=1)
    assert (result.any, result.end) == (1.0, 0.0)


def test_no_episodes_is_an_error():
    with pytest.raises(ValueError, match="episodes must be >= 1"):
        policy_success(lambda obs: np.zeros(4), "drawer-close", episodes=0)
