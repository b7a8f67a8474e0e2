"""Both training stages on small synthetic data: losses fall, resume is exact, rewards separate outcomes."""

import csv
import json
from dataclasses import replace

import numpy as np
import pytest
import torch
from reward_checks import assert_rejects_bad_clips
from synthetic import render_clip
from typer.testing import CliRunner

from adapt2reward import RewardModel
from adapt2reward.cli import app
from adapt2reward.evaluation.heldout import evaluate_run
from adapt2reward.models.checkpoint import CheckpointError
from adapt2reward.training.adapt import train
from adapt2reward.training.config import TrainConfig


def _losses(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def _falls(rows, key, k=4):
    values = [float(r[key]) for r in rows if r.get(key) not in (None, "")]
    return np.mean(values[-k:]) < np.mean(values[:k])


def _train_config(data, stage1, out, **kw):
    base = dict(
        human=(str(data),),
        robot=(str(data),),
        init=str(stage1),
        out=str(out),
        epochs=3,
        steps_per_epoch=20,  # at 10, held-out AUC swings 0.62-0.89 across seeds (either text wording)
        batch_human=6,
        batch_success=6,
        batch_failure=6,
        lr=1e-3,
        save_every=4,
        heldout_fraction=0.3,
    )
    return TrainConfig(**(base | kw))


@pytest.fixture(scope="module")
def stage2(data, stage1, tmp_path_factory):
    out = tmp_path_factory.mktemp("stage2")
    train(_train_config(data, stage1, out), progress=False)
    return out, evaluate_run(out, progress=False)


def test_pretraining_lowers_the_contrastive_loss(stage1):
    rows = _losses(stage1 / "losses.csv")
    assert len(rows) == 16 and _falls(rows, "vlc")
    assert (stage1 / "model.safetensors").exists() and (stage1 / "config.json").exists()


def test_adaptation_lowers_every_loss_and_separates_heldout_outcomes(stage2):
    out, metrics = stage2
    rows = _losses(out / "losses.csv")
    assert len(rows) == 60
    for key in ("cdc", "vlc", "fvlc", "bce", "total"):
        assert _falls(rows, key), key
    assert metrics["clips"] > 0 and metrics["failures"] > 0 and metrics["successes"] > 0
    assert metrics["reward_auc"] > 0.8
    assert metrics["success_probability_auc"] > 0.8
    assert json.loads((out / "metrics.json").read_text())["reward_auc"] == metrics["reward_auc"]


def test_failure_modes_are_reclustered_and_kept_in_the_checkpoint(stage2):
    out, _ = stage2
    state = torch.load(out / "train_state.pt", weights_only=False)
    labels = np.asarray(state["modes"]["labels"])
    assert set(labels.tolist()) <= {0, 1, 2} and len(set(labels.tolist())) > 1
    assert set(state["modes"]["centroids"]) == {0, 1}


def test_resume_after_interruption_continues_where_it_stopped(data, stage1, stage2, tmp_path):
    reference, _ = stage2
    config = _train_config(data, stage1, tmp_path / "resumed")
    assert train(config, progress=False, stop_after=6) == 6  # interrupted mid-epoch
    assert len(_losses(tmp_path / "resumed" / "losses.csv")) == 6
    train(config, progress=False)
    resumed = RewardModel.load(tmp_path / "resumed").model.state_dict()
    for name, tensor in RewardModel.load(reference).model.state_dict().items():
        assert torch.equal(tensor, resumed[name]), name
    assert [r["step"] for r in _losses(tmp_path / "resumed" / "losses.csv")] == [str(i) for i in range(1, 61)]


def test_resume_with_another_config_is_refused(data, stage1, stage2):
    out, _ = stage2
    with pytest.raises(ValueError, match="another config"):
        train(_train_config(data, stage1, out, lr=5e-4), progress=False)


def test_reward_model_scores_and_round_trips(stage2):
    out, _ = stage2
    model = RewardModel.load(out)
    rng = np.random.default_rng(5)
    success = np.stack([render_clip("drawer-close", "robot", "success", rng)[0] for _ in range(4)])
    failure = np.stack([render_clip("drawer-close", "robot", "wrong_way", rng)[0] for _ in range(4)])
    clips = np.concatenate([success, failure])
    rewards = model.reward(clips, ["close the drawer"] * 8)
    assert rewards.shape == (8,) and rewards.dtype == torch.float32
    assert rewards[:4].mean() > rewards[4:].mean()
    again = RewardModel.load(out).reward(torch.from_numpy(clips), "close the drawer")
    assert torch.equal(rewards, again)
    probs = model.success_probability(clips, "close the drawer")
    assert ((probs >= 0) & (probs <= 1)).all() and probs[:4].mean() > probs[4:].mean()
    dense = model.dense_rewards(np.concatenate(list(success[:2])), "close the drawer")
    assert dense.shape == (16,)
    assert torch.allclose(dense[7], model.reward(success[:1], "close the drawer")[0], atol=1e-5)


def test_reward_model_rejects_bad_input(stage2, tmp_path):
    out, _ = stage2
    model = RewardModel.load(out)
    assert_rejects_bad_clips(model)

    other = tmp_path / "other"
    other.mkdir()
    config = json.loads((out / "config.json").read_text())
    config["model"]["backbone"]["kind"] = "minilm-smallcnn"
    (other / "config.json").write_text(json.dumps(config))
    (other / "model.safetensors").write_bytes((out / "model.safetensors").read_bytes())
    with pytest.raises(CheckpointError, match="does not fit this model"):
        RewardModel.load(other)
    config["model"]["backbone"]["kind"] = "minilm-efficientnet"
    config["model"]["backbone"]["embed_dim"] = 64
    (other / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match=r"4 tensors of the wrong shape \['text.proj.bias"):
        RewardModel.load(other)
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(out / "model.safetensors"))
    del tensors["success_head.bias"]
    save_file(tensors, str(other / "model.safetensors"))
    (other / "config.json").write_text((out / "config.json").read_text())
    with pytest.raises(CheckpointError, match=r"1 missing \['success_head.bias'\]"):
        RewardModel.load(other)
    with pytest.raises(CheckpointError, match="does not exist"):
        RewardModel.load(tmp_path / "nowhere")


def test_score_command_prints_reward_json(stage2, tmp_path):
    from adapt2reward.data.clip_io import write_video

    out, _ = stage2
    clip, _ = render_clip("button-press", "robot", "success", np.random.default_rng(0))
    write_video(tmp_path / "clip.mp4", clip)
    result = CliRunner().invoke(
        app, ["score", str(tmp_path / "clip.mp4"), "press the button", "--checkpoint", str(out)]
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert set(scores) == {"reward", "success_probability"} and -1 <= scores["reward"] <= 1
    bad = CliRunner().invoke(
        app, ["score", str(tmp_path / "missing.mp4"), "press it", "--checkpoint", str(out)]
    )
    assert bad.exit_code == 2 and "does not exist" in bad.output
    args = ["score", str(tmp_path / "clip.mp4"), "press the button", "--checkpoint", str(out)]
    on_cpu = CliRunner().invoke(app, [*args, "--device", "cpu"])
    assert on_cpu.exit_code == 0 and json.loads(on_cpu.stdout) == scores
    if not torch.cuda.is_available():
        no_gpu = CliRunner().invoke(app, [*args, "--device", "cuda"])
        assert no_gpu.exit_code == 2 and "no CUDA device" in no_gpu.output
    unknown = CliRunner().invoke(app, [*args, "--device", "tpu"])
    assert unknown.exit_code == 2 and "unknown device 'tpu'" in unknown.output


@pytest.mark.parametrize(
    ("changes", "parts"),
    [
        ({"ablation": "no-failure"}, {"cdc", "vlc"}),
        ({"ablation": "bce-only"}, {"cdc", "vlc", "bce"}),
        ({"num_modes": 1, "failure_sources": ("random",)}, {"cdc", "vlc", "fvlc", "bce"}),
        ({"num_modes": 4, "choose_k": "silhouette"}, {"cdc", "vlc", "fvlc", "bce"}),
        ({"order_weight": 1.0}, {"cdc", "vlc", "fvlc", "bce", "order"}),
        ({"keep_weight": 1.0}, {"cdc", "vlc", "fvlc", "bce", "keep"}),
    ],
)
def test_ablation_switches_train(data, stage1, tmp_path, changes, parts):
    config = _train_config(data, stage1, tmp_path, epochs=1, steps_per_epoch=2, **changes)
    train(config, progress=False)
    rows = _losses(tmp_path / "losses.csv")
    assert {k for k, v in rows[-1].items() if v not in ("", None)} - {"step", "epoch", "total"} == parts
    assert evaluate_run(tmp_path, progress=False)["clips"] > 0
    state = torch.load(tmp_path / "train_state.pt", weights_only=False)
    if "fvlc" in parts:
        ks = RewardModel.load(tmp_path).model.prompts.mode_mask.sum(1)
        assert ((ks >= 1) & (ks <= config.num_modes)).all()
        assert set(np.unique(state["modes"]["labels"])) <= set(range(config.num_modes))
    else:
        assert state["modes"] is None


def test_training_device_is_checked_before_any_work(data, stage1, tmp_path):
    from adapt2reward.training.device import training_device

    device, autocast = training_device("cpu")
    with autocast():  # on the CPU the forward runs in fp32 as before
        assert torch.ones(2).dtype == torch.float32 and device.type == "cpu"
    if not torch.cuda.is_available():
        out = tmp_path / "gpu-run"
        args = ["train", "--human", str(data), "--robot", str(data), "--init", str(stage1), "--out", str(out)]
        result = CliRunner().invoke(app, [*args, "--device", "cuda"])
        assert result.exit_code == 2 and "no CUDA device" in result.output
        assert not (out / "model.safetensors").exists()


def test_no_method_is_measured_on_clips_or_tasks_it_trained_on(data, stage2, tmp_path):
    from adapt2reward.evaluation.heldout import heldout_items
    from adapt2reward.evaluation.leakage import LeakError, trained_robot_clips
    from adapt2reward.evaluation.protocols import get_protocol
    from adapt2reward.evaluation.runner import run_evaluation

    out, _ = stage2
    heldout = {r.id for _, r in heldout_items(out)}
    trained = {r.id for r in trained_robot_clips(out)}
    assert heldout and trained and not heldout & trained

    # a method trained with another held-out split has seen some of these held-out clips
    leaky = tmp_path / "leaky"
    leaky.mkdir()
    config = json.loads((out / "config.json").read_text())
    config["train"]["split_seed"] = 1
    (leaky / "config.json").write_text(json.dumps(config))
    methods = {"adapt2reward": ("adapt2reward", out), "leaky": ("adapt2reward", leaky)}
    with pytest.raises(LeakError, match="'leaky'.*trained on .* held-out clips"):
        run_evaluation("offline", methods, out, tmp_path / "offline", progress=False)
    assert not (tmp_path / "offline").exists()  # refused before any work
    args = ["eval", "offline", "--checkpoint", str(out), "--out", str(tmp_path / "cli"), "--model"]
    result = CliRunner().invoke(app, [*args, f"leaky={leaky}"])
    assert result.exit_code == 2 and "held-out clips" in result.output

    # a protocol of tasks unseen on the robot refuses a method with robot clips of them
    protocol = tmp_path / "unseen.json"
    sweep = {"by": "task", "tasks": ["drawer-close"], "variants": ["train"]}
    protocol.write_text(json.dumps({"unseen_robot_tasks": True, "sweeps": {"targets": sweep}}))
    with pytest.raises(LeakError, match="robot clips of \\['drawer-close'\\]"):
        run_evaluation(str(protocol), {"adapt2reward": ("adapt2reward", out)}, out, tmp_path / "p")
    assert get_protocol("task-generalization").unseen_robot_tasks


def test_an_ensemble_folder_scores_as_its_members_and_answers_for_their_training(stage1, stage2, tmp_path):
    from adapt2reward.baselines import checkpoint_clip_shape, checkpoint_kind, load_reward
    from adapt2reward.cli import _methods
    from adapt2reward.data.clip_io import save_clip
    from adapt2reward.evaluation.leakage import LeakError, trained_clip_keys, trained_robot_clips
    from adapt2reward.evaluation.runner import checkpoint_identity, run_evaluation

    out, _ = stage2
    ensemble = tmp_path / "ensemble"
    args = ["ensemble", "--member", str(out), "--member", str(stage1), "--out", str(ensemble)]
    result = CliRunner().invoke(app, [*args, "--penalty", "0.5"])
    assert result.exit_code == 0, result.output
    assert checkpoint_kind(ensemble) == "ensemble"
    assert _methods(ensemble, "e", None, [f"m={out}"]) == {
        "e": ("ensemble", ensemble),
        "m": ("adapt2reward", out),
    }
    rng = np.random.default_rng(3)
    clips = np.stack([render_clip("drawer-close", "robot", o, rng)[0] for o in ("success", "wrong_way")])
    members = torch.stack([RewardModel.load(p).reward(clips, "close the drawer") for p in (out, stage1)])
    expected = members.mean(0) - 0.5 * members.std(0, correction=0)
    assert torch.allclose(load_reward(ensemble).reward(clips, "close the drawer"), expected)
    loaded = load_reward(ensemble)
    assert checkpoint_clip_shape(ensemble) == (loaded.num_frames, loaded.image_size) > (0, 0)
    assert str(out.resolve()) in checkpoint_identity("ensemble", ensemble) and "penalty=0.5" in (
        checkpoint_identity("ensemble", ensemble)
    )
    # the leak checks read the members' training
    assert {r.id for r in trained_robot_clips(ensemble)} == {r.id for r in trained_robot_clips(out)}
    assert trained_clip_keys(ensemble) == trained_clip_keys(out) | trained_clip_keys(stage1)
    protocol = tmp_path / "unseen.json"
    sweep = {"by": "task", "tasks": ["drawer-close"], "variants": ["train"]}
    protocol.write_text(json.dumps({"unseen_robot_tasks": True, "sweeps": {"targets": sweep}}))
    with pytest.raises(LeakError, match="'mixed'.*robot clips of \\['drawer-close'\\]"):
        run_evaluation(str(protocol), {"mixed": ("ensemble", ensemble)}, out, tmp_path / "p")
    # `a2r score` reads any checkpoint folder, an ensemble included
    clip = tmp_path / "clip.npz"
    save_clip(clip, clips[0])
    scored = CliRunner().invoke(app, ["score", str(clip), "close the drawer", "--checkpoint", str(ensemble)])
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.stdout)["reward"] == pytest.approx(float(expected[0]), abs=1e-5)
    assert 0.0 <= json.loads(scored.stdout)["success_probability"] <= 1.0
    one = CliRunner().invoke(app, ["ensemble", "--member", str(out), "--out", str(tmp_path / "one")])
    assert one.exit_code == 2 and "at least two" in one.output and not (tmp_path / "one").exists()


def _mirrored_views(data, out, domain="human"):
    """A second-view folder: every synthetic clip of `domain` mirrored and recoloured, linked by `view_of`."""

    from adapt2reward.data import load_clip, read_manifest
    from adapt2reward.data.clip_io import save_clip
    from adapt2reward.data.records import append_records

    out.mkdir()
    views = []
    for record in read_manifest(data):
        if record.domain == domain:
            frames = load_clip(data, record)[:, :, ::-1, ::-1]  # another side, another palette
            view = replace(record, id=record.id + "~view", path=f"clips/{record.id}~view.npz")
            save_clip(out / view.path, np.ascontiguousarray(frames))
            views.append(replace(view, extra={"view_of": record.id}))
    append_records(out, views)
    return out


def test_view_term_lowers_its_loss_and_needs_second_views(data, tmp_path):
    from synthetic import BACKBONE

    from adapt2reward.training.config import PretrainConfig
    from adapt2reward.training.pretrain import pretrain

    views = _mirrored_views(data, tmp_path / "views")
    config = PretrainConfig(
        data=(str(data), str(views)),
        out=str(tmp_path / "stage1"),
        backbone=BACKBONE,
        batch_size=16,
        epochs=2,
        steps_per_epoch=10,
        lr=1e-3,
        view_weight=1.0,
    )
    pretrain(config, progress=False)
    rows = _losses(tmp_path / "stage1" / "losses.csv")
    assert len(rows) == 20 and _falls(rows, "view") and _falls(rows, "vlc")
    with pytest.raises(ValueError, match="view_weight=1.0 needs clips filmed twice"):
        pretrain(
            PretrainConfig(data=(str(data),), out=str(tmp_path / "none"), backbone=BACKBONE, view_weight=1.0),
            progress=False,
        )
    with pytest.raises(ValueError, match="view_weight"):
        PretrainConfig(data=(str(data),), view_weight=-1.0)


def _robot_free_task_auc(model_dir, seed=11):
    """Reward AUC of robot-look drawer-open clips (a task only the human data has): successes against
    attempts that stop short or go the wrong way."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    outcomes = ["success"] * 8 + ["stop_short"] * 4 + ["wrong_way"] * 4
    clips = np.stack([render_clip("drawer-open", "robot", o, rng)[0] for o in outcomes])
    rewards = RewardModel.load(model_dir).reward(clips, ["open the drawer"] * len(clips))
    return roc_auc_score([o == "success" for o in outcomes], rewards.numpy())


def test_human_failures_teach_success_on_a_task_the_robot_never_did(data, stage1, tmp_path):
    from synthetic import make_dataset

    from adapt2reward.data.run_data import load_human_items
    from adapt2reward.training.config import PretrainConfig
    from adapt2reward.training.pretrain import human_clips

    failures = make_dataset(
        tmp_path / "human-failures", robot_tasks=(), human_per_task=0, human_failures_per_task=12, seed=3
    )
    human = (str(data), str(failures))
    assert all(r.success for _, r in load_human_items(human))  # an unfinished attempt is no demonstration
    assert all(r.success for r in human_clips(PretrainConfig(data=human), progress=False).records)
    out = tmp_path / "run"
    train(_train_config(data, stage1, out, human=human, human_failure_weight=1.0), progress=False)
    rows = _losses(out / "losses.csv")
    assert _falls(rows, "human_bce") and _falls(rows, "bce")
    assert _robot_free_task_auc(out) > 0.8

    with pytest.raises(ValueError, match="holds no failure clips"):
        train(_train_config(data, stage1, tmp_path / "none", human_failure_weight=1.0), progress=False)
    with pytest.raises(ValueError, match="human_failure_weight"):
        _train_config(data, stage1, tmp_path, human=(), human_failure_weight=1.0)


def test_embodiment_pair_term_lowers_its_loss_and_needs_copies(data, stage1, tmp_path):
    copies = _mirrored_views(data, tmp_path / "copies", domain="robot")  # stands in for the human look
    out = tmp_path / "run"
    config = _train_config(
        data, stage1, out, epochs=2, embodiment_pairs=(str(copies),), embodiment_pair_weight=1.0
    )
    train(config, progress=False)
    rows = _losses(out / "losses.csv")
    assert len(rows) == 40 and _falls(rows, "pair") and _falls(rows, "bce")
    human_views = _mirrored_views(data, tmp_path / "human-views")  # copies of human clips only
    with pytest.raises(ValueError, match="hold no copy of a robot training clip"):
        none = _train_config(data, stage1, tmp_path / "none", embodiment_pairs=(str(human_views),))
        train(replace(none, embodiment_pair_weight=1.0), progress=False)
    with pytest.raises(ValueError, match="embodiment_pair_weight"):
        _train_config(data, stage1, tmp_path, embodiment_pair_weight=1.0)


def test_look_translator_reads_held_out_robot_clips_as_their_copies(data, stage1, stage2, tmp_path):
    from adapt2reward.data import load_clip, read_manifest
    from adapt2reward.data.transforms import to_video_tensor
    from adapt2reward.training.look_translation import translate_checkpoint

    source = stage2[0]
    copies = _mirrored_views(data, tmp_path / "copies", domain="robot")  # stands in for the human look
    out = tmp_path / "translated"
    result = CliRunner().invoke(
        app,
        ["translate-look", "--checkpoint", str(source), "--pairs", str(copies), "--out", str(out)]
        + ["--ridge", "10", "--strength", "1"],
    )
    assert result.exit_code == 0, result.output
    fitted = json.loads(result.stdout)["look_translator"]
    trained = {r.id for r in read_manifest(data) if r.domain == "robot"} - _heldout_ids(source)
    assert 0 < fitted["clips"] <= len(trained)  # only the run's own robot training clips are fitted on

    model = RewardModel.load(out, runtime="torch").model
    copy_of = {r.extra["view_of"]: r for r in read_manifest(copies)}
    heldout = [r for r in read_manifest(data) if r.id in _heldout_ids(source)]

    def features(root, records):
        clips = torch.cat([to_video_tensor(load_clip(root, r)[None], 8, 64) for r in records])
        with torch.no_grad():
            return model.encode_frames(clips)

    own, theirs = features(data, heldout), features(copies, [copy_of[r.id] for r in heldout])
    with torch.no_grad():
        read = model.video.look_translator(own)
    assert (read - theirs).pow(2).mean() < 0.5 * (own - theirs).pow(2).mean()

    both = tmp_path / "both"
    result = CliRunner().invoke(
        app,
        ["translate-look", "--checkpoint", str(source), "--pairs", str(copies), "--out", str(both)]
        + ["--both-readings"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["look_translator"]["readings"] == "both"
    assert RewardModel.load(both, runtime="torch").model.video.look_translator.both_readings

    with pytest.raises(ValueError, match=r"strength must lie in \(0, 1\]"):  # before any clip loads
        translate_checkpoint(source, [str(tmp_path / "no-such-pairs")], tmp_path / "bad", strength=1.5)
    with pytest.raises(CheckpointError, match="already reads video through a look translator"):
        translate_checkpoint(out, [str(copies)], tmp_path / "twice")
    with pytest.raises(ValueError, match="is the checkpoint itself"):
        translate_checkpoint(source, [str(copies)], source)
    with pytest.raises(CheckpointError, match="not a stage-2 checkpoint"):
        translate_checkpoint(stage1, [str(copies)], tmp_path / "stage1")
    with pytest.raises(ValueError, match="hold no copy of a robot training clip"):
        translate_checkpoint(source, [str(_mirrored_views(data, tmp_path / "human"))], tmp_path / "none")
    assert not (tmp_path / "none").exists()


def test_encoder_translator_trains_on_the_runs_pairs_and_survives_its_checkpoint(data, stage2, tmp_path):
    from adapt2reward.data import load_clip, read_manifest
    from adapt2reward.data.transforms import to_video_tensor

    source = stage2[0]
    copies = _mirrored_views(data, tmp_path / "copies", domain="robot")
    out = tmp_path / "encoder"
    args = ["translate-look", "--checkpoint", str(source), "--pairs", str(copies), "--out", str(out)]
    result = CliRunner().invoke(app, args + ["--encoder-blocks", "2", "--epochs", "2", "--lr", "3e-4"])
    assert result.exit_code == 0, result.output
    fitted = json.loads(result.stdout)["look_translator"]
    errors = [row["robot_relative_error"] for row in fitted["pair_error"]]
    assert len(errors) == 3 and errors[0] == pytest.approx(1.0, abs=1e-4) and errors[-1] < errors[0]
    assert fitted["encoder"]["blocks"] == 2 and "ridge" not in fitted

    model = RewardModel.load(out, runtime="torch").model  # strict load: every translator tensor was saved
    assert model.config.look_translator_blocks == 2
    heldout = [r for r in read_manifest(data) if r.id in _heldout_ids(source)][:4]
    clips = torch.cat([to_video_tensor(load_clip(data, r)[None], 8, 64) for r in heldout])
    with torch.no_grad():
        raw, translated = model.video.frame_input_pass()(clips.flatten(0, 1).float()).chunk(2, dim=-1)
        again = RewardModel.load(out, runtime="torch").model.encode_video(clips)
    assert not torch.allclose(raw, translated, atol=1e-3)  # the trained copy, not the frozen original
    assert torch.allclose(model.encode_video(clips), again, atol=1e-6)

    bad = CliRunner().invoke(app, args[:-1] + [str(tmp_path / "bad"), "--encoder-blocks", "17"])
    assert bad.exit_code == 2 and "blocks: must lie in 1..16" in bad.output
    assert not (tmp_path / "bad").exists()


def _heldout_ids(checkpoint):
    from adapt2reward.training.adapt import robot_training_items

    config = TrainConfig.from_dict(json.loads((checkpoint / "config.json").read_text())["train"])
    split, failures = robot_training_items(config)
    trained = {r.id for _, r in split.success + failures}
    return {r.id for r in split.records if r.id not in trained}
