"""Robot clips from the planner's own search: labels from the simulator, a dataset that resumes."""

import numpy as np
import pytest

from adapt2reward.data.records import read_manifest
from adapt2reward.planning.candidate_clips import Candidates, keep_balanced, record_planner_dataset
from adapt2reward.planning.cem import CEMConfig
from adapt2reward.planning.episode import PlannerConfig
from adapt2reward.planning.plan import PlanSpace

TINY = PlannerConfig(
    space=PlanSpace(num_waypoints=2, steps_per_waypoint=8), cem=CEMConfig(samples=6, elites=2, iterations=2)
)


def test_keep_balanced_takes_half_successes_when_there_are_enough():
    final = np.array([True] * 3 + [False] * 20)
    candidates = Candidates(np.zeros((23, 2, 4, 4, 3), np.uint8), {"final_success": final})
    keep = keep_balanced(candidates, 10, np.random.default_rng(0))
    assert len(keep) == 10 and final[keep].sum() == 3  # only 3 successes exist: the rest failures
    keep = keep_balanced(candidates, 4, np.random.default_rng(0))
    assert final[keep].sum() == 2 and len(set(keep.tolist())) == 4


@pytest.mark.slow
def test_planner_dataset_is_labelled_by_the_simulator_and_resumes(tmp_path):
    written = record_planner_dataset(tmp_path, ["drawer-close"], 1, TINY, per_episode=6, progress=False)
    records = read_manifest(tmp_path)
    assert written == len(records) == 6
    assert {r.behaviour for r in records} == {"planner"} and {r.domain for r in records} == {"robot"}
    for r in records:
        assert r.failure_source == (None if r.success else "planner")
        assert (tmp_path / r.path).is_file() and r.extra["episode"] == "drawer-close/train/20000"
    assert record_planner_dataset(tmp_path, ["drawer-close"], 1, TINY, per_episode=6, progress=False) == 0
    assert len(read_manifest(tmp_path)) == 6  # the finished episode is not recorded again
    with pytest.raises(ValueError, match="per_episode >= 2"):
        record_planner_dataset(tmp_path, ["drawer-close"], 1, TINY, per_episode=1)


@pytest.mark.slow
def test_planner_clips_filmed_in_the_human_look_are_the_same_candidates(tmp_path):
    from adapt2reward.data import load_clip

    robot, human = tmp_path / "robot", tmp_path / "human"
    for out, look in ((robot, "robot"), (human, "human")):
        record_planner_dataset(out, ["drawer-close"], 1, TINY, per_episode=6, progress=False, look=look)
    for a, b in zip(read_manifest(robot), read_manifest(human), strict=True):
        assert (
            b.id == f"{a.id}~train~human-look" and b.extra["view_of"] == a.id and b.extra["look"] == "human"
        )
        assert (a.success, a.extra["max_reward"], b.domain) == (b.success, b.extra["max_reward"], "robot")
        assert np.abs(load_clip(robot, a).astype(int) - load_clip(human, b)).mean() > 10  # another look
    with pytest.raises(ValueError, match="unknown look 'alien'"):
        record_planner_dataset(tmp_path / "bad", ["drawer-close"], 1, TINY, look="alien")


class BrightnessGuide:
    """A guide that reads frames (brighter is better) and remembers every clip it was shown."""

    uses_frames = True
    identity = "brightness"

    def __init__(self) -> None:
        self.seen: set[bytes] = set()

    def __call__(self, clips, instruction, infos):
        self.seen.update(clip.tobytes() for clip in clips)
        return clips.reshape(len(clips), -1).mean(axis=1)


@pytest.mark.slow
def test_a_frame_reading_guide_searches_alone_and_is_named_in_every_record(tmp_path):
    from adapt2reward.data import load_clip

    guide = BrightnessGuide()
    record_planner_dataset(tmp_path, ["drawer-close"], 1, TINY, per_episode=6, progress=False, guides=[guide])
    records = read_manifest(tmp_path)
    assert len(records) >= 2 and all(r.extra["guides"] == ["brightness"] for r in records)
    assert all(load_clip(tmp_path, r).tobytes() in guide.seen for r in records)  # no oracle or noise clip


def test_guides_are_checked_before_any_episode(tmp_path):
    with pytest.raises(ValueError, match="at least one guide"):
        record_planner_dataset(tmp_path, ["drawer-close"], 1, TINY, guides=[])
    with pytest.raises(ValueError, match=r"brightness\) cannot film the robot's search in the 'human' look"):
        record_planner_dataset(tmp_path, ["drawer-close"], 1, TINY, look="human", guides=[BrightnessGuide()])
    assert not (tmp_path / "manifest.jsonl").exists()


def test_cli_guide_is_the_checkpoints_reward(stage1, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import adapt2reward.planning.candidate_clips as candidate_clips
    from adapt2reward.cli import app

    calls = {}
    monkeypatch.setattr(candidate_clips, "record_planner_dataset", lambda *a, **kw: calls.update(kw) or 0)
    result = CliRunner().invoke(app, ["record-planner", "--out", str(tmp_path), "--guide", str(stage1)])
    assert result.exit_code == 0, result.output
    (guide,) = calls["guides"]
    assert guide.uses_frames and str(stage1.resolve()) in guide.identity
    clips = np.zeros((2, 8, 64, 64, 3), np.uint8)  # the clip shape the stage-1 model reads
    assert guide(clips, "close the drawer", [{}, {}]).shape == (2,)  # it loads and scores with the model
    monkeypatch.undo()
    result = CliRunner().invoke(
        app, ["record-planner", "--out", str(tmp_path / "out"), "--guide", str(tmp_path / "none")]
    )
    assert result.exit_code == 2 and "Invalid value for '--guide'" in result.output  # a usage error
    assert not (tmp_path / "out").exists()  # refused before anything is written
