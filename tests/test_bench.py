"""`a2r bench`: the metric functions on hand-made numbers, the command end to end on synthetic clips with
a tiny model and a tiny probe set, and save_pretrained / from_pretrained."""

import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from adapt2reward.cli import app
from adapt2reward.evaluation import bench_metrics as bm
from adapt2reward.evaluation.bench import (
    BenchSettings,
    make_context,
    method_kind,
    method_metrics,
    score_method,
)
from adapt2reward.evaluation.bench_data import load_clip_set
from adapt2reward.models import Adapt2RewardModel
from adapt2reward.models.checkpoint import CheckpointError
from adapt2reward.reward import LearnedReward, RewardModel

# Metric functions -------------------------------------------------------------------------------------


def test_auc_threshold_f1_accuracy():
    assert bm.success_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == pytest.approx(0.75)
    assert bm.choose_threshold([0.1, 0.2, 0.6, 0.7], [0, 0, 1, 1]) == pytest.approx(0.4)
    assert bm.threshold_scores([0.1, 0.2, 0.6, 0.7], [0, 0, 1, 1], 0.4) == {
        "f1": 1.0,
        "accuracy": 1.0,
        "precision": 1.0,
        "recall": 1.0,
    }
    # called [F, F, T, T] on labels [F, T, F, T]: TP 1, FP 1, FN 1 -> F1 = 2 / 4
    scored = bm.threshold_scores([0.1, 0.5, 0.6, 0.9], [0, 1, 0, 1], 0.55)
    assert scored["f1"] == pytest.approx(0.5) and scored["accuracy"] == pytest.approx(0.5)
    # every clip a success: the threshold below the lowest score gives F1 = 2p / (1 + p) at p = 1/2
    assert bm.choose_threshold([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]) == pytest.approx(0.5)


def test_calibration_split_is_fixed_by_clip_id():
    ids = [f"clip-{i}" for i in range(2000)]
    mask = bm.calibration_mask(ids, 0.3)
    assert 0.25 < mask.mean() < 0.35
    assert (bm.calibration_mask(list(reversed(ids)), 0.3) == mask[::-1]).all()


def test_expected_calibration_error_and_bins():
    # two bins: confidence 0.05 with no success, 0.95 with all successes -> 0.05 each, half the clips each
    assert bm.expected_calibration_error([0.05, 0.05, 0.95, 0.95], [0, 0, 1, 1]) == pytest.approx(0.05)
    # one bin: confidence 0.8, 3 of 5 successes -> |0.6 - 0.8|
    assert bm.expected_calibration_error([0.8] * 5, [1, 1, 1, 0, 0]) == pytest.approx(0.2)
    bins = bm.reliability_bins([0.0, 1.0, 0.15], [0, 1, 1])
    assert [(b["low"], b["count"]) for b in bins] == [(0.0, 1), (0.1, 1), (0.9, 1)]


def test_voc_and_rank_correlation():
    assert bm.voc([0.1, 0.2, 0.5, 0.9]) == pytest.approx(1.0)
    assert bm.voc([0.9, 0.5, 0.2, 0.1]) == pytest.approx(-1.0)
    assert bm.voc([0.3, 0.3, 0.3]) == 0.0  # a flat reward carries no order
    assert bm.voc([0.3]) is None
    assert bm.rank_correlation([1, 2, 3], [0, 0, 0]) is None  # nothing to follow
    assert bm.rank_correlation([1, 3, 2], [0, 2, 1]) == pytest.approx(1.0)


def test_confusion_matrix_with_opposites():
    # columns: task 0, task 1, then task 0's opposite (no clips of its own)
    scores = np.array([[0.9, 0.1, 0.5], [0.4, 0.2, 0.6], [0.1, 0.8, 0.0], [0.3, 0.7, 0.2]])
    truth = [0, 0, 1, 1]
    mean, top1 = bm.confusion_matrices(scores, truth, 2)
    np.testing.assert_allclose(mean, [[0.65, 0.15, 0.55], [0.2, 0.75, 0.1]])
    np.testing.assert_allclose(top1, [[0.5, 0.0, 0.5], [0.0, 1.0, 0.0]])
    # task 0's clips against its opposite: 0.9 > 0.5 yes, 0.4 > 0.6 no; task 1 has no opposite
    assert bm.opposite_preference(scores, truth, [2, None]) == pytest.approx(0.5)
    assert bm.opposite_preference(scores, truth, [None, None]) is None
    # a reward that scores own and opposite alike gets half the credit, and no preference
    tied = np.array([[0.5, 0.1, 0.5]])
    np.testing.assert_allclose(bm.confusion_matrices(tied, [0], 2)[1], [[0.5, 0.0, 0.5], [np.nan] * 3])
    assert bm.opposite_preference(tied, [0], [2, None]) == 0.0


def test_over_reward_mean_sd_and_paired_bootstrap():
    np.testing.assert_array_equal(bm.over_reward([0.2, 0.6, 0.9], [0.1, 0.5, 0.7]), [0, 1, 1])
    assert bm.mean_sd([0.5, None, 0.7]) == pytest.approx((0.6, 0.1))
    values = np.linspace(0, 1, 50)
    same = bm.paired_bootstrap(lambda i: values[i].mean(), lambda i: values[i].mean(), 50, 100)
    assert same["difference"] == 0 and same["ci95_low"] == 0 and same["ci95_high"] == 0
    shifted = bm.paired_bootstrap(lambda i: values[i].mean() + 0.1, lambda i: values[i].mean(), 50, 100)
    assert shifted["difference"] == pytest.approx(0.1)
    assert shifted["ci95_low"] == pytest.approx(0.1) and shifted["ci95_high"] == pytest.approx(0.1)
    noisy = bm.paired_bootstrap(lambda i: values[i].mean(), lambda i: 0.0, 50, 200)
    assert noisy["ci95_low"] < 0.5 < noisy["ci95_high"]


# The command and its parts ------------------------------------------------------------------------------


def _tiny(seed: int, like: RewardModel) -> RewardModel:
    torch.manual_seed(seed)
    return RewardModel(Adapt2RewardModel(like.model.config))


@pytest.fixture(scope="module")
def checkpoints(tiny_model, tmp_path_factory):
    """Three tiny reward folders (save_pretrained): two seeds of one method and another method."""
    root = tmp_path_factory.mktemp("bench-models")
    for name, seed in (("a", 0), ("a-seed1", 1), ("b", 2)):
        _tiny(seed, tiny_model).save_pretrained(root / name)
    return root


def test_bench_end_to_end_with_seeds_and_probes(data, checkpoints, tmp_path):
    out = tmp_path / "bench"
    args = [
        "bench",
        "--out",
        str(out),
        "--data",
        str(data),
        "--model",
        f"tiny={checkpoints / 'a'}",
        "--model",
        f"tiny [seed 1]={checkpoints / 'a-seed1'}",
        "--model",
        f"other={checkpoints / 'b'}",
        "--probes",
        "1",
        "--bootstrap",
        "50",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "bench.json").read_text())
    assert summary["groups"] == {"tiny": ["tiny", "tiny [seed 1]"], "other": ["other"]}
    assert summary["clip_set"]["clips"] == 72 and "crc32" in summary["clip_set"]["calibration_split"]
    metrics = summary["methods"]["tiny"]["metrics"]
    assert 0.0 <= metrics["auc"] <= 1.0 and metrics["calibration_clips"] + metrics["test_clips"] == 72
    assert {"f1", "accuracy", "threshold", "voc", "progress_spearman"} <= metrics.keys()
    assert 0.0 <= metrics["success_probability"]["ece"] <= 1.0
    confusion = metrics["confusion"]
    # drawer-open joins the columns as drawer-close's opposite
    assert confusion["columns"] == ["drawer-close", "button-press", "drawer-open"]
    assert confusion["opposites"] == [[0, 2]]
    assert np.allclose(np.nansum(confusion["top1"], axis=1), 1.0)
    over = metrics["over_reward"]
    assert set(over["per_kind"]) == {"idle", "wrong_way", "wrong_object", "undone", "near_miss"}
    assert over["all"] is not None
    assert set(summary["paired"]["other"]) == {"auc", "f1", "voc", "top1_accuracy", "over_reward"}
    report = (out / "BENCH.md").read_text()
    assert "tiny (mean ± sd, 2 seeds)" in report and "Paired with tiny" in report
    for png in ("bench-confusion.png", "bench-probes.png", "bench-reliability.png"):
        assert (out / png).stat().st_size > 1000
    # probe records: failures by the simulator, seeds disjoint from the generator's 31-bit seeds
    probes = [json.loads(line) for line in (out / "probes" / "manifest.jsonl").read_text().splitlines()]
    assert probes and all(not p["success"] and p["seed"] >= 2**31 for p in probes)

    # a rerun reuses the probe clips instead of recording them again
    stamps = {p: p.stat().st_mtime_ns for p in (out / "probes").rglob("*.npz")}
    again = CliRunner().invoke(app, [*args[:-1], "0"])
    assert again.exit_code == 0, again.output
    assert {p: p.stat().st_mtime_ns for p in (out / "probes").rglob("*.npz")} == stamps
    assert json.loads((out / "bench.json").read_text())["paired"] == {}


def test_bench_errors(data, checkpoints, tmp_path):
    runner = CliRunner()
    base = ["bench", "--out", str(tmp_path / "o")]
    missing = runner.invoke(app, [*base, "--data", str(data), "--model", f"x={tmp_path / 'nope'}"])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    no_data = runner.invoke(
        app, [*base, "--data", str(tmp_path / "nothing"), "--model", f"x={checkpoints / 'a'}"]
    )
    assert no_data.exit_code == 2 and "is not a folder" in no_data.output
    no_clips = runner.invoke(
        app, [*base, "--data", str(data), "--tasks", "door-open", "--model", f"x={checkpoints / 'a'}"]
    )
    assert no_clips.exit_code == 2 and "no labelled clips" in no_clips.output
    one_label = runner.invoke(
        app, [*base, "--data", str(data), "--domain", "human", "--model", f"x={checkpoints / 'a'}"]
    )
    assert one_label.exit_code == 2 and "needs both labels" in one_label.output
    bad_spec = runner.invoke(app, [*base, "--data", str(data), "--model", str(checkpoints / "a")])
    assert bad_spec.exit_code == 2 and "NAME=PATH" in bad_spec.output


class _RewardOnly(LearnedReward):
    """A reward with neither success probabilities nor dense rewards of its own (the protocol's defaults)."""

    def __init__(self, model: RewardModel) -> None:
        self._model = model

    def reward(self, clips, instructions):
        return self._model.reward(clips, instructions)


def test_metric_skipped_for_a_reward_without_success_probability(data, tiny_model):
    clips = load_clip_set([data], progress=False)
    context = make_context(clips, BenchSettings(), progress=False)
    scores = score_method(_RewardOnly(tiny_model), "dvd", context, progress=False)
    metrics = method_metrics(scores, context)
    assert "success_probability" not in metrics and "over_reward" not in metrics
    assert metrics["voc"] is not None  # dense rewards from prefixes


def test_stage1_checkpoint_is_zero_shot(checkpoints, tmp_path):
    folder = tmp_path / "stage1"
    folder.mkdir()
    for name in ("model.safetensors", "config.json"):
        (folder / name).write_bytes((checkpoints / "a" / name).read_bytes())
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps(config | {"stage": "pretrain"}))
    assert method_kind(folder) == "zero-shot"
    assert method_kind(checkpoints / "a") == "adapt2reward"


# Sharing a reward ----------------------------------------------------------------------------------------


def test_save_pretrained_round_trip(tiny_model, tmp_path, data):
    out = tmp_path / "shared"
    bench = tmp_path / "bench.json"
    bench.write_text(
        json.dumps(
            {
                "clip_set": {"clips": 4, "successes": 2, "tasks": ["drawer-close"], "variants": ["train"]},
                "methods": {
                    "mine": {
                        "path": str(tmp_path),
                        "metrics": {"auc": 0.875, "confusion": {"top1_accuracy": 0.5}, "voc": 0.25},
                    }
                },
            }
        )
    )
    tiny_model.save_pretrained(out, bench=bench)
    assert {p.name for p in out.iterdir()} == {"model.safetensors", "config.json", "README.md"}
    config = json.loads((out / "config.json").read_text())
    assert config["model_type"] == "adapt2reward" and "train" not in config
    card = (out / "README.md").read_text()
    assert "## Intended use" in card and "| success ROC AUC of the reward | 0.88 |" in card
    assert "MetaWorld" in card and "simulated" in card

    loaded = RewardModel.from_pretrained(out)
    clips = np.random.default_rng(0).integers(0, 255, (3, 8, 64, 64, 3), dtype=np.uint8)
    for text in ("close the drawer", "press the button"):
        torch.testing.assert_close(loaded.reward(clips, text), tiny_model.reward(clips, text))
        torch.testing.assert_close(
            loaded.success_probability(clips, text), tiny_model.success_probability(clips, text)
        )
    assert RewardModel.load(out).reward(clips, "close the drawer").shape == (3,)  # a checkpoint folder too
    with pytest.raises(CheckpointError, match="no config.json"):
        RewardModel.from_pretrained(tmp_path / "empty")
