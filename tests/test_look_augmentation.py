"""Look augmentation: reproducible copies that change colours and framing, robot clips only, cached apart."""

import pytest
import torch
from synthetic import make_dataset

from adapt2reward.data.clip_bank import ClipBank
from adapt2reward.data.dataset import ClipDataset
from adapt2reward.data.look_augmentation import LookAugmentation
from adapt2reward.json_config import ConfigError
from adapt2reward.models import Adapt2RewardModel, BackboneConfig, ModelConfig
from adapt2reward.training.config import TrainConfig

torch.set_num_threads(2)


def _clip(seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (4, 3, 16, 16), generator=g, dtype=torch.uint8)


def test_a_copy_is_reproducible_and_each_copy_differs():
    augment = LookAugmentation(copies=2)
    video = _clip()
    first = augment.apply(video, "clip-a", 1)
    assert first.dtype == torch.uint8 and first.shape == video.shape
    assert torch.equal(first, augment.apply(video, "clip-a", 1))
    assert not torch.equal(first, augment.apply(video, "clip-a", 2))
    assert not torch.equal(first, augment.apply(video, "clip-b", 1))
    assert not torch.equal(first, video)


def test_without_ranges_a_copy_is_the_clip():
    still = LookAugmentation(
        copies=1, hue=0, saturation=0, brightness=0, contrast=0, zoom=0, rotate=0, shift=0
    )
    video = _clip(1)
    assert (still.apply(video, "clip", 1).int() - video.int()).abs().max() <= 1


def test_hue_rotation_keeps_grey_and_turns_red():
    augment = LookAugmentation(copies=1, saturation=0, brightness=0, contrast=0, zoom=0, rotate=0, shift=0)
    grey = torch.full((2, 3, 8, 8), 128, dtype=torch.uint8)
    assert (augment.apply(grey, "clip", 1).int() - 128).abs().max() <= 1
    red = torch.zeros(2, 3, 8, 8, dtype=torch.uint8)
    red[:, 0] = 200
    turned = [augment.apply(red, f"clip-{i}", 1)[0, :, 4, 4] for i in range(8)]
    assert any(int(t[0]) < 150 for t in turned)  # some copies are no longer mostly red


def test_the_digest_ignores_how_many_copies():
    assert LookAugmentation(copies=1).digest == LookAugmentation(copies=4).digest
    assert LookAugmentation(copies=1).digest != LookAugmentation(copies=1, hue=30).digest


def test_bad_ranges_name_the_field():
    with pytest.raises(ConfigError, match="hue"):
        LookAugmentation(hue=200)
    with pytest.raises(ConfigError, match="domains"):
        LookAugmentation(domains=("robot", "cartoon"))
    with pytest.raises(ConfigError, match="look_augmentation.*copies"):
        TrainConfig(robot=("data",), look_augmentation={"copies": -1})


def test_a_bank_adds_copies_of_robot_clips_only_with_their_own_cached_features(tmp_path):
    data = make_dataset(
        tmp_path / "data",
        robot_tasks=("drawer-close",),
        human_tasks=("drawer-close",),
        robot_per_task=3,
        human_per_task=2,
    )
    items = ClipDataset([str(data)]).items
    robot = sum(record.domain == "robot" for _, record in items)
    torch.manual_seed(0)
    model = Adapt2RewardModel(ModelConfig(backbone=BackboneConfig(num_frames=4, temporal_depth=1))).eval()
    plain = ClipBank.load(items, model.video, "clips", progress=False)
    augment = LookAugmentation(copies=2)
    bank = ClipBank.load(items, model.video, "clips", progress=False, augment=augment)
    assert len(bank) == len(plain) + 2 * robot
    assert sum(r.domain == "human" for r in bank.records) == sum(r.domain == "human" for r in plain.records)
    first = bank.records.index(next(r for r in bank.records if r.domain == "robot"))
    assert bank.records[first] is bank.records[first + 1] is bank.records[first + 2]
    assert bank.keys[first + 1] == augment.key(bank.records[first].id, 1)
    assert not torch.equal(bank.frame_features[first], bank.frame_features[first + 1])
    with torch.no_grad():
        fresh = model.encode_frames(bank.videos)
    assert torch.allclose(bank.frame_features, fresh, atol=1e-4)
    # The copies' features are cached beside the clips' and served again.
    store = torch.load(next((data / "features").glob("*.pt")))
    assert augment.key(bank.records[first].id, 2) in store
    again = ClipBank.load(items, model.video, "clips", progress=False, augment=augment)
    assert torch.equal(again.frame_features, bank.frame_features)
