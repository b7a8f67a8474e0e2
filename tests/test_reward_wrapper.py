"""`LearnedRewardWrapper` on the Gymnasium task env: API conformance and rewards equal to the model's."""

import warnings

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from adapt2reward.envs import LearnedRewardWrapper
from adapt2reward.envs.gym_env import make_env

INSTRUCTION = "close the drawer"
TASK = "drawer-close"


@pytest.fixture(scope="module")
def model(tiny_model):
    return tiny_model


@pytest.fixture(scope="module")
def env():
    return make_env(TASK, seed=0, max_episode_steps=12)


def _rollout(env, seed, steps):
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    return [env.step(rng.uniform(-1, 1, 4).astype(np.float32)) for _ in range(steps)]


def test_task_env_and_wrapper_pass_the_gymnasium_checker(env, model):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the checker warns that a wrapper is not the unwrapped env
        check_env(env)
        check_env(LearnedRewardWrapper(env, model, INSTRUCTION, frame_every=3))


def test_sparse_and_dense_env_rewards(env):
    sparse = make_env(TASK, seed=0, reward_type="sparse", max_episode_steps=12)
    for (_, dense_r, _, _, dense_info), (_, sparse_r, _, _, sparse_info) in zip(
        _rollout(env, 3, 12), _rollout(sparse, 3, 12), strict=True
    ):
        assert dense_r == dense_info["dense_reward"] == sparse_info["dense_reward"]
        assert sparse_r == float(sparse_info["success"])
    assert _rollout(env, 3, 12)[-1][3]  # truncated at max_episode_steps


@pytest.mark.parametrize("mode,combine", [("dense", "replace"), ("terminal", "add")])
def test_wrapper_rewards_equal_the_model_on_the_same_frames(env, model, mode, combine):
    k, steps = 4, 12
    wrapped = LearnedRewardWrapper(env, model, INSTRUCTION, mode=mode, combine=combine, frame_every=k)
    results = _rollout(wrapped, 7, steps)

    # The same episode again, unwrapped, rendering by hand at the reset and every k-th step.
    rng = np.random.default_rng(7)
    env.reset(seed=7)
    frames, expected, env_rewards = [env.render()], [], []
    for t in range(1, steps + 1):
        _, env_reward, _, _, _ = env.step(rng.uniform(-1, 1, 4).astype(np.float32))
        if t % k == 0:
            frames.append(env.render())
        expected.append(float(model.reward(np.stack(frames)[None], INSTRUCTION)[0]))
        env_rewards.append(env_reward)

    assert len(frames) == 4 and wrapped.clip.shape == (4, 64, 64, 3)
    assert np.array_equal(wrapped.clip, np.stack(frames))
    for t, (_, reward, _, _, info) in enumerate(results):
        assert info["learned_reward"] == expected[t] and info["env_reward"] == env_rewards[t]
        assert "success" in info
        if mode == "dense":
            assert reward == expected[t]
        else:
            assert reward == env_rewards[t] + (expected[t] if t == steps - 1 else 0.0)


def test_rolling_clip_keeps_the_latest_frames(env, model):
    wrapped = LearnedRewardWrapper(env, model, INSTRUCTION, num_frames=2, frame_every=1)
    _rollout(wrapped, 1, 5)
    assert np.array_equal(wrapped.clip[-1], env.render()) and len(wrapped.clip) == 2


def test_wrapper_rejects_bad_arguments(env, model):
    with pytest.raises(ValueError, match="mode"):
        LearnedRewardWrapper(env, model, INSTRUCTION, mode="sometimes")
    with pytest.raises(ValueError, match="instruction"):
        LearnedRewardWrapper(env, model, " ")
    with pytest.raises(ValueError, match="render_mode"):
        LearnedRewardWrapper(make_env(TASK, render_mode=None), model, INSTRUCTION)
