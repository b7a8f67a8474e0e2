"""The relative reward: an instruction competes with reference instructions at the model's scale."""

import json
import shutil

import numpy as np
import pytest
import torch

from adapt2reward.reward.reward_model import RewardModel
from adapt2reward.reward.scoring import Scorer, ScoringConfig

TEXTS = {
    "turn the faucet off": [1.0, 0.0, 0.0],
    "turn the faucet on": [0.8, 0.6, 0.0],
    "open it": [0, 0, 1.0],
}


def _encode(texts):
    return torch.nn.functional.normalize(torch.tensor([TEXTS[t] for t in texts]), dim=-1)


def _relative(**kwargs):
    reference = {"faucet-close": "turn the faucet off", "faucet-open": "turn the faucet on", "x": "open it"}
    return ScoringConfig("relative", reference=reference, **kwargs)


def test_relative_reward_prefers_the_clip_that_matches_this_instruction_better_than_the_others():
    # clip a: the opposite motion (on), closer in cosine to "off" than clip b; clip b: between the two texts
    on = _encode(["turn the faucet on"])[0]
    off = _encode(["turn the faucet off"])[0]
    a = on
    b = torch.nn.functional.normalize(off + 0.05 * on, dim=0)
    video = torch.stack([a, b])
    cosine = Scorer(ScoringConfig(), _encode, 20.0)(video, ["turn the faucet off"] * 2)
    relative = Scorer(_relative(), _encode, 20.0)(video, ["turn the faucet off"] * 2)
    assert cosine[1] > cosine[0] > 0.75  # the cosine rewards the opposite motion highly too
    assert relative[1] - relative[0] > 3.0  # relatively, "on" takes the mass from "off" for clip a
    assert torch.all(relative <= 0)  # a log-probability


def test_the_scored_instructions_own_task_does_not_compete_with_it():
    config = _relative(phrasings={"faucet-close": ("turn the faucet off", "shut off the faucet")})
    assert config.competitors("turn the faucet off") == ["turn the faucet on", "open it"]
    assert config.competitors("shut off the faucet") == ["turn the faucet on", "open it"]
    assert len(config.competitors("press the button")) == 3


def test_scoring_config_names_what_is_wrong():
    with pytest.raises(ValueError, match=r"ScoringConfig.kind: must be one of .*got 'softmax'"):
        ScoringConfig("softmax")
    with pytest.raises(ValueError, match="reference set"):
        ScoringConfig("relative")
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['refs'\]"):
        ScoringConfig.from_dict({"kind": "relative", "refs": {}})
    assert ScoringConfig.from_dict(_relative().to_dict()) == _relative()


def test_a_checkpoint_scores_as_its_config_says_and_the_caller_can_override(stage1, tmp_path):
    ckpt = tmp_path / "relative"
    shutil.copytree(stage1, ckpt)
    config = json.loads((ckpt / "config.json").read_text())
    config["scoring"] = {"kind": "relative", "reference": {"drawer-open": "open the drawer"}}
    (ckpt / "config.json").write_text(json.dumps(config))
    clips = np.random.default_rng(0).integers(0, 255, (3, 8, 64, 64, 3), dtype=np.uint8)
    relative = RewardModel.load(ckpt)
    assert relative.scoring.kind == "relative"
    rewards = relative.reward(clips, "close the drawer")
    assert torch.all(rewards < 0)
    dense = relative.dense_rewards(clips[0], "close the drawer")
    assert dense.shape == (8,) and torch.all(dense < 0)
    relative.save_pretrained(tmp_path / "exported")
    assert RewardModel.from_pretrained(tmp_path / "exported").scoring == relative.scoring
    cosine = RewardModel.load(ckpt, scoring=ScoringConfig())
    assert torch.allclose(
        cosine.reward(clips, "close the drawer"), RewardModel.load(stage1).reward(clips, "close the drawer")
    )
    config["scoring"] = {"kind": "relative"}
    (ckpt / "config.json").write_text(json.dumps(config))
    with pytest.raises(Exception, match="invalid 'scoring' section"):
        RewardModel.load(ckpt)


def test_rescore_writes_a_checkpoint_that_scores_relatively_and_refuses_what_it_cannot(stage1, tmp_path):
    from adapt2reward.models.checkpoint import CheckpointError
    from adapt2reward.reward.rescoring import reference_scoring, rescore_checkpoint

    with pytest.raises(CheckpointError, match="not an Adapt2Reward stage-2 checkpoint"):
        rescore_checkpoint(stage1, tmp_path / "no", "relative")  # stage 1 trained on no task list
    with pytest.raises(CheckpointError, match="not of stage 2"):
        reference_scoring({"stage": "pretrain"})
    ckpt = tmp_path / "stage2"
    shutil.copytree(stage1, ckpt)
    config = json.loads((ckpt / "config.json").read_text())
    config["stage"] = "adapt"
    config["train"] = {"tasks": ["drawer-close", "faucet-open"], "human_tasks": ["faucet-close"]}
    (ckpt / "config.json").write_text(json.dumps(config))

    out = rescore_checkpoint(ckpt, tmp_path / "relative", "relative")
    reference = reference_scoring(config)
    # the robot and human tasks and their opposites; faucet-open's opposite is faucet-close, already in
    assert list(reference.reference) == ["drawer-close", "faucet-open", "faucet-close", "drawer-open"]
    model = RewardModel.load(out)
    assert model.scoring == reference
    clips = np.random.default_rng(1).integers(0, 255, (2, 8, 64, 64, 3), dtype=np.uint8)
    expected = RewardModel.load(ckpt, scoring=reference).reward(clips, "turn the faucet off")
    assert torch.allclose(model.reward(clips, "turn the faucet off"), expected)
    assert "scoring" not in json.loads((ckpt / "config.json").read_text())  # the source is untouched
    back = RewardModel.load(rescore_checkpoint(out, tmp_path / "cosine", "cosine"))
    assert torch.allclose(
        back.reward(clips, "open the drawer"), RewardModel.load(ckpt).reward(clips, "open the drawer")
    )

    with pytest.raises(FileExistsError, match="not empty"):
        rescore_checkpoint(ckpt, out, "relative")
    with pytest.raises(ValueError, match="is the checkpoint itself"):
        rescore_checkpoint(ckpt, ckpt, "relative")
    with pytest.raises(ValueError, match=r"unknown scoring 'softmax'"):
        rescore_checkpoint(ckpt, tmp_path / "x", "softmax")
