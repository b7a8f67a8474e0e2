"""Planning: bit-exact state restore, CEM, reward adapters, oracle vs random, protocol runs."""

import json
import pickle

import numpy as np
import pytest
import torch

from adapt2reward.envs import TaskEnv
from adapt2reward.evaluation.protocols import (
    PROTOCOL_NAMES,
    Preset,
    ProtocolConfig,
    Sweep,
    get_preset,
    get_protocol,
    run_protocol,
)
from adapt2reward.evaluation.report import build_report
from adapt2reward.planning import (
    CEMConfig,
    ModelReward,
    OracleReward,
    PlannerConfig,
    PlanSpace,
    RandomReward,
    cem,
    run_episode,
)
from adapt2reward.planning.candidate_clips import record_planner_dataset
from adapt2reward.planning.rollout import run_plan


def _replay(sim: TaskEnv, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    obs, frames = [], []
    for a in actions:
        obs.append(sim.step(a).obs)
        frames.append(sim.render(32))
    return np.stack(obs), np.stack(frames)


def test_state_restore_replays_exactly():
    sim = TaskEnv("button-press")
    sim.reset(3)
    rng = np.random.default_rng(0)
    for a in rng.uniform(-1, 1, (5, 4)):
        sim.step(a)
    state = sim.get_state()
    actions = rng.uniform(-1, 1, (6, 4))
    obs_a, frames_a = _replay(sim, actions)
    sim.set_state(state)
    obs_b, frames_b = _replay(sim, actions)
    np.testing.assert_array_equal(obs_a, obs_b)
    np.testing.assert_array_equal(frames_a, frames_b)
    assert frames_a.std() > 0  # real images, not blanks


def test_plan_rollout_is_deterministic_and_renders_only_kept_frames():
    space = PlanSpace(num_waypoints=2, steps_per_waypoint=10)
    config = PlannerConfig(space=space, num_frames=4, size=16)
    sim = TaskEnv("drawer-close")
    root = sim.get_state()
    plan = space.decode(np.random.default_rng(1).uniform(size=space.dim))
    first = run_plan(sim, plan, space, 0, space.horizon, config.keep, 16)
    sim.set_state(root)
    second = run_plan(sim, plan, space, 0, space.horizon, config.keep, 16)
    assert first.frames.shape == (4, 16, 16, 3)
    assert first.rewards.shape == (space.horizon + 1,)
    np.testing.assert_array_equal(first.frames, second.frames)
    np.testing.assert_array_equal(first.rewards, second.rewards)


def test_cem_climbs_a_quadratic():
    target = np.array([0.2, 0.7, 0.4])
    result = cem(
        lambda u: -((u - target) ** 2).sum(1),
        3,
        CEMConfig(samples=32, elites=6, iterations=6),
        np.random.default_rng(0),
    )
    np.testing.assert_allclose(result.best, target, atol=0.05)
    assert list(result.iteration_best) == sorted(result.iteration_best)  # elitism: never worse


class _FakeModel:
    def reward(self, clips, instructions):
        assert len(instructions) == len(clips)
        return torch.as_tensor(clips.reshape(len(clips), -1).mean(1), dtype=torch.float32)


def _load_fake() -> _FakeModel:
    return _FakeModel()


def test_model_reward_adapter_and_lazy_loader():
    clips = np.stack([np.full((2, 4, 4, 3), v, np.uint8) for v in (10, 200, 50)])
    direct = ModelReward(_FakeModel())(clips, "press the button", [{}] * 3)
    np.testing.assert_allclose(direct, [10, 200, 50])
    lazy = ModelReward(loader=_load_fake)
    lazy(clips, "x", [{}] * 3)
    assert pickle.loads(pickle.dumps(lazy))._model is None  # workers load their own copy
    with pytest.raises(ValueError, match="exactly one"):
        ModelReward()


def test_model_reward_refuses_clips_smaller_than_the_model_reads():
    """A 96-px reward planned with 64-px clips would read upsampled frames: refused, naming both."""
    model = _FakeModel()
    model.num_frames, model.image_size = 3, 96
    small, large = np.zeros((2, 3, 64, 64, 3), np.uint8), np.zeros((2, 3, 96, 96, 3), np.uint8)
    refused = "films clips of 3 frames of 64x64 px but this reward reads 3 frames of 96 px.*at least that$"
    with pytest.raises(ValueError, match=refused):
        ModelReward(model)(small, "x", [{}] * 2)
    assert ModelReward(model)(large, "x", [{}] * 2).shape == (2,)
    model.num_frames = 16  # a 16-frame reward given 3 frames would read repeated frames
    with pytest.raises(
        ValueError, match="films clips of 3 frames of 96x96 px but this reward reads 16 frames"
    ):
        ModelReward(model)(large, "x", [{}] * 2)


def _never_loaded():
    raise AssertionError("the shape check must not load the model")


@pytest.mark.parametrize(
    ("shape", "refused"),
    [
        (
            (8, 96),
            "of 8 frames of 64x64 px but 'sharp' reads 8 frames of 96 px.*presets that do: full-20-96px",
        ),
        ((16, 64), "of 8 frames of 64x64 px but 'sharp' reads 16 frames of 64 px.*that do: full-20-16f"),
        ((16, 96), "of 8 frames of 64x64 px but 'sharp' reads 16 frames of 96 px.*no preset does"),
    ],
)
def test_a_reward_reading_more_than_the_planner_films_is_refused_before_any_episode(tmp_path, shape, refused):
    """The clip shape a checkpoint's config records is checked against the preset's planner before any
    work, and the error names the presets that film enough."""
    big = ModelReward(loader=_never_loaded, clip_shape=shape)
    assert (get_preset("quick").planner.num_frames, get_preset("quick").planner.size) == (8, 64)
    with pytest.raises(ValueError, match=refused):
        run_protocol("env-generalization", {"sharp": big}, tmp_path / "out", preset="quick", progress=False)
    assert not (tmp_path / "out").exists()
    with pytest.raises(ValueError, match=f"but the guide .* reads {shape[0]} frames of {shape[1]} px"):
        record_planner_dataset(tmp_path / "clips", ["drawer-close"], 1, PlannerConfig(), guides=[big])
    assert not (tmp_path / "clips").exists()


class _FirstFrameMean:
    """Scores each clip by the mean of its first frame: what the planner showed it, in a number."""

    def reward(self, clips, instructions):
        return torch.as_tensor(clips[:, 0].reshape(len(clips), -1).mean(1), dtype=torch.float64)


def test_a_reward_can_watch_the_same_search_filmed_in_the_human_look(tmp_path):
    sweep = Sweep("variant", ("drawer-close",), ("train",))
    planner = PlannerConfig(cem=CEMConfig(samples=4, elites=2, iterations=1))
    methods = {
        "robot eyes": ModelReward(_FirstFrameMean(), identity="m"),
        "human eyes": ModelReward(_FirstFrameMean(), identity="m", look="human"),
    }
    run_protocol(
        ProtocolConfig("tiny", "", {"variants": sweep}),
        methods,
        tmp_path,
        Preset("p", 1, 0, planner),
        progress=False,
    )
    lines = (tmp_path / "tiny.episodes.jsonl").read_text().splitlines()
    scores = {r["method"]: r["candidate_scores"][0] for r in map(json.loads, lines)}
    sim = TaskEnv("drawer-close")
    for method, domain in (("robot eyes", "robot"), ("human eyes", "human")):
        sim.reset(0, domain=domain)
        assert scores[method] == pytest.approx(sim.render(planner.size).mean(), abs=1e-4)
    assert abs(scores["robot eyes"] - scores["human eyes"]) > 1
    assert methods["robot eyes"].identity != methods["human eyes"].identity  # a resumed run keeps them apart
    with pytest.raises(ValueError, match="unknown look 'alien'"):
        ModelReward(_FirstFrameMean(), look="alien")


def test_oracle_scores_the_criterion_it_plans_for():
    pressed_then_released = {"success": True, "final_success": False, "max_reward": 9.0, "final_reward": 2.0}
    held_at_the_end = {"success": True, "final_success": True, "max_reward": 6.0, "final_reward": 6.0}
    infos = [pressed_then_released, held_at_the_end]
    final, any_step = OracleReward(), OracleReward(criterion="any")
    assert np.argmax(final(np.zeros((2, 0)), "press the button", infos)) == 1
    assert np.argmax(any_step(np.zeros((2, 0)), "press the button", infos)) == 0
    assert final.identity != any_step.identity  # a resumed run does not mix the two
    with pytest.raises(ValueError, match="criterion"):
        OracleReward(criterion="sometimes")


def test_oracle_planner_beats_random_on_button_press():
    # at this small search only the any-step oracle finds presses; at the full preset's (32 x 3) the
    # final-step oracle held the button pressed at the end in 5 of 6 episodes, the any-step one in 2
    config = PlannerConfig(space=PlanSpace(3, 40), cem=CEMConfig(samples=8, elites=2, iterations=2))
    sim = TaskEnv("button-press")
    wins = {}
    for name, fn in (("oracle", OracleReward(criterion="any")), ("random", RandomReward())):
        wins[name] = 0
        for seed in range(4):
            sim.reset(seed)
            wins[name] += run_episode(sim, fn, "press the button", config, seed).success
    assert wins["oracle"] >= 3 and wins["random"] <= 1, wins


def test_protocol_configs_parse():
    for name in PROTOCOL_NAMES:
        protocol = get_protocol(name)
        assert protocol.sweeps and all(s.columns for s in protocol.sweeps.values())
    assert get_preset("quick").episodes < get_preset("full").episodes
    with pytest.raises(ValueError, match="unknown protocol"):
        get_protocol("nope")


def test_run_protocol_writes_results(tmp_path):
    sweep = Sweep("variant", ("drawer-close",), ("train", "colors"))
    protocol = ProtocolConfig("tiny", "", {"variants": sweep})
    preset = Preset("tiny", 1, 0, PlannerConfig(cem=CEMConfig(samples=4, elites=2, iterations=1)))
    summary = run_protocol(protocol, {}, tmp_path, preset=preset, progress=False)
    assert set(summary["results"]) == {"oracle", "random"}
    cell = summary["results"]["oracle"]["variants"]["colors"]
    assert cell["episodes"] == 1 and cell["seeds"] == [0] and 0 <= cell["success_rate"] <= 1
    assert (tmp_path / "tiny.json").is_file()
    assert len((tmp_path / "tiny.episodes.jsonl").read_text().splitlines()) == 4


def _mark(line: str) -> str:
    """An episode line stamped so that a rerun can tell it was kept, not replanned."""
    return json.dumps({**json.loads(line), "seconds": -1.0})


def test_interrupted_protocol_run_resumes(tmp_path):
    sweep = Sweep("variant", ("drawer-close",), ("train",))
    protocol = ProtocolConfig("tiny", "", {"variants": sweep})
    planner = PlannerConfig(cem=CEMConfig(samples=4, elites=2, iterations=1))
    preset = Preset("tiny", 2, 0, planner)
    unnamed = _ShapeCheckingReward(planner.num_frames, planner.size)  # no identity: never kept
    run_protocol(protocol, {"unnamed": unnamed}, tmp_path, preset=preset, progress=False)
    episodes = tmp_path / "tiny.episodes.jsonl"
    lines = episodes.read_text().splitlines()
    assert len(lines) == 6
    # Killed after three episodes, in the middle of writing the fourth.
    episodes.write_text("\n".join(_mark(line) for line in lines[:3]) + "\n" + lines[3][:20])
    summary = run_protocol(protocol, {"unnamed": unnamed}, tmp_path, preset=preset, progress=False)
    again = [json.loads(line) for line in episodes.read_text().splitlines()]
    assert sorted((r["method"], r["seed"]) for r in again) == sorted(
        (r["method"], r["seed"]) for r in map(json.loads, lines)
    )
    kept = {(r["method"], r["seed"]) for r in again if r["seconds"] == -1.0}
    expected = {(r["method"], r["seed"]) for r in map(json.loads, lines[:3]) if r["method"] != "unnamed"}
    assert kept == expected and expected
    assert summary["results"]["oracle"]["variants"]["train"]["episodes"] == 2
    # A different planner makes every earlier episode stale.
    episodes.write_text("\n".join(_mark(line) for line in episodes.read_text().splitlines()) + "\n")
    other = Preset("tiny", 2, 0, PlannerConfig(cem=CEMConfig(samples=5, elites=2, iterations=1)))
    with pytest.warns(UserWarning, match="does not name, and they are dropped from it: unnamed;"):
        run_protocol(protocol, {}, tmp_path, preset=other, progress=False)
    rerun = [json.loads(line) for line in episodes.read_text().splitlines()]
    assert len(rerun) == 4 and all(r["seconds"] != -1.0 for r in rerun)


class _ShapeCheckingReward:
    """A frame-using reward that checks every clip it is given holds the full episode's kept frames."""

    uses_frames = True

    def __init__(self, num_frames: int, size: int) -> None:
        self.shape = (num_frames, size, size, 3)

    def __call__(self, clips, instruction, infos):
        assert clips.dtype == np.uint8 and clips.shape[1:] == self.shape and len(infos) == len(clips)
        return clips.reshape(len(clips), -1).mean(1)


def test_receding_horizon_replans_on_the_executed_prefix():
    space = PlanSpace(num_waypoints=3, steps_per_waypoint=10)
    config = PlannerConfig(
        space, CEMConfig(samples=3, elites=1, iterations=1), num_frames=4, size=16, replan_every=10
    )
    sim = TaskEnv("drawer-close")
    result = run_episode(sim, _ShapeCheckingReward(4, 16), "close the drawer", config, seed=0)
    assert result.reward_calls == 3  # one search per replanning step
    assert result.candidate_scores.shape == (9,) and result.reward_curve.shape == (4,)


def test_shared_work_is_done_once_and_the_cost_is_split():
    space = PlanSpace(num_waypoints=2, steps_per_waypoint=10)
    config = PlannerConfig(space, CEMConfig(samples=3, elites=1, iterations=2), num_frames=4, size=16)
    sim = TaskEnv("drawer-close")
    root = sim.get_state()
    plan = space.decode(np.random.default_rng(2).uniform(size=space.dim))
    drawn = run_plan(sim, plan, space, 0, space.horizon, config.keep, 16)
    sim.set_state(root)
    reused = run_plan(sim, plan, space, 0, space.horizon, config.keep, 16, first_frame=drawn.frames[0])
    np.testing.assert_array_equal(drawn.frames, reused.frames)

    steps, renders = [], []
    step, render = sim.step, sim.render
    sim.step = lambda action: steps.append(1) or step(action)
    sim.render = lambda size: renders.append(1) or render(size)
    sim.set_state(root)
    result = run_episode(sim, _ShapeCheckingReward(4, 16), "close the drawer", config, seed=0)
    # 6 candidates, of which the best of iteration 1 comes back in iteration 2: 5 rollouts + the executed one
    assert len(steps) == 6 * space.horizon
    # the start frame once, 3 more kept frames per rollout
    assert len(renders) == 1 + 6 * 3
    split = result.cpu_split
    assert set(split) == {"simulate", "render", "reward", "plan"} and min(split.values()) >= 0
    assert split["render"] > 0 and split["simulate"] > 0
    assert sum(split.values()) == pytest.approx(result.cpu_seconds, rel=0.2, abs=0.05)
    sim.set_state(root)
    assert run_episode(sim, OracleReward(), "close the drawer", config, seed=0).cpu_split["render"] == 0


class _StopsAfter:
    """A reward that stops the run (as Ctrl-C would) on its call number `calls + 1`."""

    uses_frames = False

    def __init__(self, calls: int) -> None:
        self.left = calls

    def __call__(self, clips, instruction, infos):
        if self.left == 0:
            raise KeyboardInterrupt
        self.left -= 1
        return np.zeros(len(clips))


def test_a_stopped_run_has_a_summary_of_its_finished_rounds(tmp_path):
    planner = PlannerConfig(cem=CEMConfig(samples=4, elites=2, iterations=1))
    one = ProtocolConfig("one", "", {"variants": Sweep("variant", ("drawer-close",), ("train",))})
    run_protocol(one, {}, tmp_path / "count", preset=Preset("p", 1, 0, planner), progress=False)
    first = (tmp_path / "count" / "one.episodes.jsonl").read_text().splitlines()[0]
    per_episode = json.loads(first)["reward_calls"] + 1  # the planner's calls, then the reward curve's
    sweep = Sweep("variant", ("drawer-close",), ("train", "colors"))
    protocol = ProtocolConfig("tiny", "", {"variants": sweep})
    with pytest.raises(KeyboardInterrupt):  # stopped in its second round of episode seeds
        run_protocol(
            protocol,
            {"z": _StopsAfter(2 * per_episode)},
            tmp_path,
            Preset("p", 3, 0, planner),
            progress=False,
        )
    summary = json.loads((tmp_path / "tiny.json").read_text())
    assert (summary["episodes_per_cell"], summary["planned_episodes_per_cell"]) == (1, 3)
    assert summary["episode_seeds"] == [0]
    for method in ("z", "oracle", "random"):
        cells = summary["results"][method]["variants"]
        assert [cells[c]["episodes"] for c in ("train", "colors", "average")] == [1, 1, 2]
    lines = (tmp_path / "tiny.episodes.jsonl").read_text().splitlines()
    assert len(lines) == 8  # round 2's oracle and random episodes: kept for a resume, not summarized
    assert "Partial run" in build_report(tmp_path).read_text()
