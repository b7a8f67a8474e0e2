"""`a2r eval target-clips`: evaluation-only clips of the target tasks in both domains, both outcomes,
recorded once, scored per method, domain and task, and shown in the report."""

import inspect
import json
import shutil

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import adapt2reward.evaluation.target_clips as tc
from adapt2reward.cli import app
from adapt2reward.data.clip_io import load_clip
from adapt2reward.data.generate import clip_seed, plan_jobs
from adapt2reward.data.generation_config import GenerationConfig
from adapt2reward.envs.policy_success import EVAL_SEED
from adapt2reward.envs.recording import ClipSpec, record_clip
from adapt2reward.evaluation.bench_probes import probe_seed
from adapt2reward.evaluation.protocols import CONFIG_DIR, get_preset
from adapt2reward.evaluation.report import build_report
from adapt2reward.planning.candidate_clips import record_planner_dataset
from adapt2reward.reward.protocol import LearnedReward
from adapt2reward.tasks import get_task


@pytest.fixture(scope="module")
def clip_set(tmp_path_factory):
    """One clip per target task, domain and outcome (12 real clips, 8 frames of 64 px)."""
    cache = tmp_path_factory.mktemp("target-clips") / "cache"
    return cache, tc.record_target_clips(cache, tc.target_tasks(), clips=1, progress=False)


class OutcomeReader(LearnedReward):
    """Reads a clip's outcome from its frames (looked up among the recorded clips): 1 for a success, 0
    for a failure, and the opposite when the instruction is not the clip's task's, so that scoring a clip
    against the wrong instruction shows. `sign=-1` turns it around."""

    def __init__(self, cache, records, sign: float = 1.0) -> None:
        self.known = {load_clip(cache, r).tobytes(): r for r in records}
        self.sign = sign

    def reward(self, clips, instructions):
        out = []
        for clip, text in zip(np.asarray(clips), instructions, strict=True):
            record = self.known[clip.tobytes()]
            own = text == get_task(record.task).instruction
            out.append(self.sign * (float(record.success) if own else 1.0 - float(record.success)))
        return torch.tensor(out)


def test_clips_hold_both_outcomes_in_both_domains_with_seeds_no_other_set_uses(clip_set):
    cache, records = clip_set
    config = json.loads((CONFIG_DIR / "task-generalization.json").read_text())
    targets = tuple(t for sweep in config["sweeps"].values() for t in sweep["tasks"])
    assert tc.target_tasks() == targets  # read from the protocol, not a copy of it
    groups = {(r.task, r.domain, r.success) for r in records}
    assert groups == {(t, d, s) for t in targets for d in ("robot", "human") for s in (True, False)}
    assert all(r.extra["evaluation_only"] and r.instruction == get_task(r.task).instruction for r in records)

    # labels are the simulator's: replaying a human failure and a robot success gives the same clip
    for record in (
        next(r for r in records if r.domain == "human" and not r.success),
        next(r for r in records if r.domain == "robot" and r.success),
    ):
        clip = record_clip(ClipSpec(record.task, record.domain, record.behaviour, "train", record.seed))
        assert clip.success == record.success
        np.testing.assert_array_equal(clip.frames, load_clip(cache, record))

    seeds = {r.seed for r in records}
    assert all(tc.SEED_BASE <= s < tc.SEED_BASE + tc.SEED_SPAN for s in seeds)
    # not a seed of the default dataset (any attempt of any slot) ...
    generator = GenerationConfig()
    dataset = {clip_seed(generator.seed, j.id, a) for j in plan_jobs(generator) for a in range(6)}
    assert not seeds & dataset
    # ... nor of a planning preset's episodes, the RL and transfer evaluations, the planner's own clips
    used = set()
    for preset in ("quick", "full", "full-20", "validation"):
        first = get_preset(preset).seed
        used |= set(range(first, first + 20))
    used |= set(range(EVAL_SEED, EVAL_SEED + 1000))
    planner = inspect.signature(record_planner_dataset).parameters["seed"].default
    used |= set(range(planner, planner + 1000))
    assert not seeds & used and probe_seed("x", 0) >= 2**31 > max(seeds)


def test_a_reward_reading_the_outcome_scores_auc_1_and_its_negation_0(clip_set):
    cache, records = clip_set
    models = {"reader": OutcomeReader(cache, records), "inverted": OutcomeReader(cache, records, -1.0)}
    result = tc.score_target_clips(models, cache, records, progress=False)
    tasks = list(tc.target_tasks())
    assert result["tasks"] == tasks
    for domain in ("robot", "human"):
        assert result["auc"]["reader"][domain] == dict.fromkeys([*tasks, "mean"], 1.0)
        assert result["auc"]["inverted"][domain] == dict.fromkeys([*tasks, "mean"], 0.0)
        assert all(c == {"success": 1, "failure": 1} for c in result["clips"][domain].values())
    assert len(result["scores"]["reader"]) == len(result["clip_ids"]) == len(records) == 12


def test_a_rerun_reuses_the_cache_and_more_clips_records_only_the_new_slots(clip_set, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    shutil.copytree(clip_set[0], cache)
    recorded, record_slot = [], tc.record_slot

    def counted(slot, *args):
        recorded.append(slot.id)
        return record_slot(slot, *args)

    monkeypatch.setattr(tc, "record_slot", counted)
    again = tc.record_target_clips(cache, tc.target_tasks(), clips=1, progress=False)
    assert recorded == [] and again == clip_set[1]
    more = tc.record_target_clips(cache, tc.target_tasks(), clips=2, progress=False)
    assert len(recorded) == 12 and all(i.endswith("-0001") for i in recorded)
    assert more[::2] == clip_set[1]  # the first slots are the cached clips, unchanged
    assert {r.behaviour for r in more if r.id.endswith("failure-0001")} <= {
        "random_actions",
        "random_waypoints",
    }
    with pytest.raises(ValueError, match="other settings"):
        tc.record_target_clips(cache, tc.target_tasks(), clips=1, num_frames=4, progress=False)


def test_the_report_shows_the_section_with_seeds_as_mean_and_sd(clip_set, tmp_path):
    cache, records = clip_set
    reader, inverted = OutcomeReader(cache, records), OutcomeReader(cache, records, -1.0)
    models = {"a2r": reader, "a2r [seed 1]": reader, "a2r [seed 2]": inverted, "dvd": inverted}
    result = {"protocol": "task-generalization", "clips_per_group": 1}
    result |= tc.score_target_clips(models, cache, records, progress=False)
    (tmp_path / tc.TARGET_CLIPS_NAME).write_text(json.dumps(result))
    text = build_report(tmp_path).read_text()  # the only result in the folder
    section = text[text.index("## Target-task clip AUC (both domains)") :]
    assert "| method | robot mean | human mean | robot drawer-open |" in section
    assert "| a2r (mean ± sd, 3 seeds) | 0.67 ± 0.47 | 0.67 ± 0.47 |" in section
    assert "| dvd | 0.00 | 0.00 |" in section and "Each training run of a2r" in section
    assert "0.5 is chance" in section and "below 0.5 is inverted" in section
    assert f"seeds {tc.SEED_BASE}-" in section and "evaluation only" in section


def _invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_bad_clip_counts_and_missing_checkpoints_are_one_line(tmp_path):
    for args, words in (
        (["--checkpoint", tmp_path, "--clips", "0"], "--clips must lie in 1-"),
        (["--checkpoint", tmp_path / "nowhere"], "does not exist"),
    ):
        result = _invoke("eval", "target-clips", *args, "--out", tmp_path / "out")
        assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
        assert result.output.startswith("error: ") and words in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


def test_the_command_scores_checkpoints_and_refuses_one_trained_on_the_clips(clip_set, stage1, tmp_path):
    cache = tmp_path / "cache"
    shutil.copytree(clip_set[0], cache)
    out = tmp_path / "results"
    common = ["eval", "target-clips", "--checkpoint", stage1, "--name", "zs", "--clip-cache", cache]
    result = _invoke(*common, "--model", f"zs [seed 1]={stage1}", "--clips", "1", "--out", out)
    assert result.exit_code == 0, result.output
    written = json.loads((out / tc.TARGET_CLIPS_NAME).read_text())
    assert set(written["auc"]) == {"zs", "zs [seed 1]"} and written["cache"] == str(cache)
    for domain in ("robot", "human"):
        assert all(0.0 <= v <= 1.0 for v in written["auc"]["zs"][domain].values())
    assert written["scores"]["zs"] == written["scores"]["zs [seed 1]"]  # the same model, the same clips
    assert "zs (mean ± sd, 2 seeds)" in _report(out)

    # a checkpoint whose training data holds clips of the evaluation's seeds is refused before scoring
    leaky = tmp_path / "leaky"
    shutil.copytree(stage1, leaky)
    config = json.loads((leaky / "config.json").read_text())
    config["train"]["data"] = [str(cache)]
    (leaky / "config.json").write_text(json.dumps(config))
    result = _invoke(*common, "--model", f"leaky={leaky}", "--clips", "1", "--out", tmp_path / "no")
    assert result.exit_code == 2 and "'leaky'" in result.output and "evaluation clips" in result.output
    assert not (tmp_path / "no").exists()


def _report(folder) -> str:
    result = _invoke("report", "--results", folder)
    assert result.exit_code == 0, result.output
    return (folder / "REPORT.md").read_text()


def test_every_slot_tries_its_own_seeds_inside_the_range():
    slots = tc.plan_slots(["drawer-open"], tc.MAX_CLIPS)
    seeds = [
        s.seed(a) for s in slots if s.domain == "robot" and s.outcome == "success" for a in range(tc.ATTEMPTS)
    ]
    assert len(set(seeds)) == len(seeds) and max(seeds) < tc.SEED_BASE + tc.SEED_SPAN
    with pytest.raises(ValueError, match="--clips must lie in"):
        tc.plan_slots(["drawer-open"], tc.MAX_CLIPS + 1)
