"""The per-frame feature store of a dataset: reused while the frozen frame encoder is the same, never after
its weights (or the clip shape it is fed) change."""

import torch
from synthetic import make_dataset

from adapt2reward.data.clip_bank import ClipBank
from adapt2reward.data.dataset import ClipDataset
from adapt2reward.data.feature_store import encoder_digest
from adapt2reward.models import Adapt2RewardModel, BackboneConfig, ModelConfig

torch.set_num_threads(2)


def fresh_frame_features(model: Adapt2RewardModel, bank: ClipBank) -> torch.Tensor:
    with torch.no_grad():
        return model.encode_frames(bank.videos)


def test_changed_encoder_weights_are_never_served_cached_features(tmp_path):
    data = make_dataset(tmp_path / "data", robot_tasks=("drawer-close",), human_tasks=(), robot_per_task=3)
    items = ClipDataset([str(data)]).items
    torch.manual_seed(0)
    model = Adapt2RewardModel(ModelConfig(backbone=BackboneConfig(num_frames=4, temporal_depth=1))).eval()
    assert model.video.frame_encoder_frozen

    bank = ClipBank.load(items, model.video, "robot", progress=False)
    stores = list((data / "features").glob("*.pt"))
    assert len(stores) == 1
    assert torch.allclose(bank.frame_features, fresh_frame_features(model, bank), atol=1e-4)

    # the same encoder reads the store back (shown by planting marked features in it)
    planted = {clip_id: torch.full_like(f, 7.0) for clip_id, f in torch.load(stores[0]).items()}
    torch.save(planted, stores[0])
    again = ClipBank.load(items, model.video, "robot", progress=False)
    assert torch.equal(again.frame_features, torch.full_like(bank.frame_features, 7.0))

    # another encoder (here: one weight changed, as fine-tuning would) computes its own features
    with torch.no_grad():
        next(model.video.frame_encoder.parameters()).add_(0.05)
    changed = ClipBank.load(items, model.video, "robot", progress=False)
    assert not torch.equal(changed.frame_features, again.frame_features)
    assert torch.allclose(changed.frame_features, fresh_frame_features(model, changed), atol=1e-4)
    assert len(list((data / "features").glob("*.pt"))) == 2


def test_digest_covers_weights_and_clip_shape():
    encoder = torch.nn.Conv2d(3, 4, 3)
    digest = encoder_digest(encoder, 8, 64)
    assert digest == encoder_digest(encoder, 8, 64)
    assert len({digest, encoder_digest(encoder, 4, 64), encoder_digest(encoder, 8, 32)}) == 3
    with torch.no_grad():
        encoder.bias[0] += 1e-3
    assert encoder_digest(encoder, 8, 64) != digest
