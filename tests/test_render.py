"""Tests of the renderer: low-polygon render models leave the physics alone and keep the look; the full
detail is still the old `mujoco.Renderer` picture, selectable by argument or environment variable."""

import mujoco
import numpy as np
import pytest

from adapt2reward.envs import TaskEnv
from adapt2reward.envs.render import (
    _OFF_FLAGS,
    _OPTION,
    DETAIL_ENV,
    _add_distractors,
    _free_camera,
    close_renderer,
    render_detail,
    render_frame,
)
from adapt2reward.envs.render_model import low_poly_model, robot_meshes

# Difference (0-255) between low and full detail, measured on the scenes below and two more: mean absolute
# robot 0.60-1.03, human 0.13; worst 8x8 block robot 12-19, human 3.0-3.8. Broken render models on the
# same three scenes: faces turned inside out, mean 3.2 / 1.3 / 0.19 and block 49 / 15 / 5; the hand mesh
# missing, mean 1.36 / 0.84 / 0.83 and block 25 / 26 / 25.
ROBOT_BOUND, HUMAN_BOUND = (2.0, 20.0), (0.4, 8.0)  # (mean, worst block)


def _frame(env: TaskEnv, detail: str | None = None, size: int = 64) -> np.ndarray:
    return render_frame(env.model, env._env.data, env.look.camera, env.look.distractors, size, detail)


def _stepped(task: str, domain: str = "robot", variant: str = "train", seed: int = 1) -> TaskEnv:
    env = TaskEnv(task, domain=domain, variant=variant, seed=seed)
    for _ in range(15):
        env.step(np.array([0.4, 0.3, -0.3, 0.5]))
    return env


def _differences(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean absolute difference and the largest one of an 8x8 pixel block (a missing part shows there)."""
    diff = np.abs(a.astype(int) - b.astype(int)).mean(axis=2)
    blocks = diff.reshape(diff.shape[0] // 8, 8, diff.shape[1] // 8, 8).mean(axis=(1, 3))
    return float(diff.mean()), float(blocks.max())


def test_full_detail_is_the_old_renderer():
    env = _stepped("push", variant="distractors")
    close_renderer()  # one GL context at a time
    old = mujoco.Renderer(env.model, 64, 64)
    old.update_scene(env._env.data, camera=_free_camera(env.look.camera), scene_option=_OPTION)
    for flag in _OFF_FLAGS:
        old.scene.flags[flag] = 0
    _add_distractors(old.scene, env.look.distractors)
    expected = old.render().copy()
    old.close()
    np.testing.assert_array_equal(_frame(env, "full"), expected)


@pytest.mark.parametrize(
    ("task", "domain", "variant", "bound"),
    [
        ("drawer-open", "robot", "train", ROBOT_BOUND),
        ("door-open", "robot", "viewpoint", ROBOT_BOUND),
        ("faucet-open", "human", "distractors", HUMAN_BOUND),
    ],
)
def test_low_detail_keeps_the_look(task, domain, variant, bound):
    env = _stepped(task, domain, variant)
    low, full = _frame(env, "low"), _frame(env, "full")
    assert low.shape == full.shape == (64, 64, 3) and low.dtype == np.uint8
    mean, block = _differences(low, full)
    assert 0 < mean < bound[0] and block < bound[1]
    np.testing.assert_array_equal(_frame(env, "low"), low)  # deterministic, also after a rebuild


def test_detail_switch(monkeypatch):
    env = _stepped("drawer-open")
    low, full = _frame(env, "low"), _frame(env, "full")
    monkeypatch.delenv(DETAIL_ENV, raising=False)
    assert render_detail() == "low"
    np.testing.assert_array_equal(env.render(64), low)
    monkeypatch.setenv(DETAIL_ENV, "full")  # read at every frame: clips and planners follow it
    np.testing.assert_array_equal(env.render(64), full)
    np.testing.assert_array_equal(_frame(env, "low"), low)  # the argument wins over the variable
    np.testing.assert_array_equal(_frame(env, "low", 136), _frame(env, "full", 136))  # large: full meshes
    monkeypatch.setenv(DETAIL_ENV, "fast")
    with pytest.raises(ValueError, match="known: low, full"):
        env.render(64)


def test_low_poly_model_decimates_only_the_robot_copy():
    model = TaskEnv("drawer-open").model
    before = {name: getattr(model, name).copy() for name in ("mesh_vert", "mesh_face", "mesh_facenum")}
    render = low_poly_model(model)
    for name, value in before.items():  # the physics model is untouched
        np.testing.assert_array_equal(getattr(model, name), value)
    robot = robot_meshes(model)
    assert len(robot) == 11  # pedestal, base, l0-l6, head, hand
    assert render.mesh_facenum[robot].sum() < 0.15 * model.mesh_facenum[robot].sum()
    others = [i for i in range(model.nmesh) if i not in robot]
    np.testing.assert_array_equal(render.mesh_facenum[others], model.mesh_facenum[others])


def test_physics_identical_with_low_detail_rendering():
    actions = np.random.default_rng(0).uniform(-1, 1, (25, 4))
    runs = {}
    for detail in ("low", "full"):  # one after the other: a detail change rebuilds the render context
        env = TaskEnv("push", seed=3)
        steps = []
        for action in actions:
            _frame(env, detail)
            steps.append(env.step(action))
        runs[detail] = env, steps
    (low, low_steps), (full, full_steps) = runs["low"], runs["full"]
    for a, b in zip(low_steps, full_steps, strict=True):
        np.testing.assert_array_equal(a.obs, b.obs)
        assert a.reward == b.reward and a.success == b.success
    np.testing.assert_array_equal(low._env.data.qpos, full._env.data.qpos)
    np.testing.assert_array_equal(low._env.data.qvel, full._env.data.qvel)
    for name in ("mesh_vert", "mesh_face", "mesh_facenum", "geom_size"):
        np.testing.assert_array_equal(getattr(low.model, name), getattr(full.model, name))
