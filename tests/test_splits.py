"""Training and held-out robot clips never overlap (a leak would inflate every held-out AUC), and a split
that leaked would be refused before any evaluation."""

import json

import pytest
from synthetic import make_dataset

from adapt2reward.data import run_data
from adapt2reward.data.dataset import ClipDataset
from adapt2reward.data.splits import split_heldout
from adapt2reward.evaluation.heldout import heldout_items
from adapt2reward.evaluation.leakage import LeakError, check_unseen_clips, trained_robot_clips
from adapt2reward.training.config import TrainConfig


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A stage-2 checkpoint's config (all that the split needs) over a small robot dataset."""
    root = tmp_path_factory.mktemp("split")
    data = make_dataset(root / "data", human_tasks=(), robot_per_task=30)
    config = TrainConfig(robot=(str(data),), heldout_fraction=0.3)
    ckpt = root / "ckpt"
    ckpt.mkdir()
    saved = {"stage": "adapt", "train": config.to_dict(), "tasks": ["button-press", "drawer-close"]}
    (ckpt / "config.json").write_text(json.dumps(saved))
    return data, ckpt


def keys(items) -> tuple[set, set]:
    return {r.id for _, r in items}, {(str(root), r.path) for root, r in items}


def test_training_and_heldout_clips_are_disjoint_and_cover_the_data(checkpoint):
    data, ckpt = checkpoint
    split = run_data.load_robot_split([str(data)], heldout_fraction=0.3)
    trained_ids, trained_paths = keys(split.success + split.failure)
    heldout = heldout_items(ckpt)
    heldout_ids, heldout_paths = keys(heldout)
    assert not trained_ids & heldout_ids and not trained_paths & heldout_paths
    assert trained_ids | heldout_ids == {r.id for r in ClipDataset([str(data)], domain="robot").records}
    assert 0.15 < len(heldout_ids) / (len(heldout_ids) + len(trained_ids)) < 0.45
    assert {r.id for r in trained_robot_clips(ckpt)} == trained_ids  # as the leak check lists them
    check_unseen_clips({"adapt2reward": ckpt}, [r for _, r in heldout])  # no leak: no error


def test_the_split_is_stable_under_reordering(checkpoint):
    data, _ = checkpoint
    records = ClipDataset([str(data)], domain="robot").records
    _, heldout = split_heldout(records, 0.3, seed=0)
    _, heldout_reversed = split_heldout(records[::-1], 0.3, seed=0)
    assert {records[i].id for i in heldout} == {records[::-1][i].id for i in heldout_reversed}


def test_a_split_made_to_leak_is_refused(checkpoint, monkeypatch):
    _, ckpt = checkpoint
    heldout = [r for _, r in heldout_items(ckpt)]
    # training that kept every clip (its split ignored the held-out share) has seen the held-out clips
    monkeypatch.setattr(run_data, "split_heldout", lambda records, fraction, seed: (range(len(records)), []))
    with pytest.raises(LeakError, match="trained on .* of the held-out clips"):
        check_unseen_clips({"leaky": ckpt}, heldout)
