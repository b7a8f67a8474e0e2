import numpy as np
import pytest
import torch
import torch.nn.functional as F

from adapt2reward.data.transforms import frame_indices
from adapt2reward.models import Adapt2RewardModel, BackboneConfig, ModelConfig
from adapt2reward.models.look_translator import LookTranslator
from adapt2reward.reward.feature_cache import CachedVideoEncoder
from adapt2reward.reward.reward_model import RewardModel

torch.set_num_threads(2)


def test_fit_recovers_an_affine_map_on_held_out_frames():
    gen = torch.Generator().manual_seed(0)
    robot = torch.randn(600, 16, generator=gen)
    a, b = torch.randn(16, 16, generator=gen), torch.randn(16, generator=gen)
    human = robot @ a + b + 0.01 * torch.randn(600, 16, generator=gen)
    translator = LookTranslator(16).fit(robot[:500], human[:500], ridge=1e-3)
    error = (translator(robot[500:]) - human[500:]).pow(2).mean()
    assert error < 1e-3 * human[500:].var()
    assert torch.allclose(LookTranslator(16)(robot), robot)  # unfitted: the identity
    half = LookTranslator(16).fit(robot[:500], human[:500], ridge=1e-3, strength=0.5)
    assert torch.allclose(half(robot), (robot + translator(robot)) / 2, atol=1e-4)


@pytest.mark.parametrize(
    ("robot", "human", "ridge", "match"),
    [
        ((10, 16), (9, 16), 1.0, "paired frame features"),
        ((10, 8), (10, 8), 1.0, r"\(N, 16\)"),
        ((10, 16), (10, 16), 0.0, "ridge must be positive"),
        ((10, 16), (10, 16), -1.0, "ridge must be positive"),
    ],
)
def test_fit_rejects_unpaired_features_and_a_bad_ridge(robot, human, ridge, match):
    with pytest.raises(ValueError, match=match):
        LookTranslator(16).fit(torch.zeros(robot), torch.zeros(human), ridge)


def test_every_video_the_model_scores_goes_through_the_translator():
    torch.manual_seed(0)
    model = Adapt2RewardModel(ModelConfig(backbone=BackboneConfig(num_frames=4), look_translator=True)).eval()
    gen = torch.Generator().manual_seed(1)
    video = torch.randint(0, 256, (3, 4, 3, 64, 64), dtype=torch.uint8, generator=gen)
    with torch.no_grad():
        plain = model.encode_video(video)
        feats = model.encode_frames(video)
        model.video.look_translator.fit(feats.flatten(0, 1), feats.flatten(0, 1).flip(0), ridge=1.0)
        translated = model.encode_video(video)
        expected = model.encode_video_from_frame_features(feats)
        by_hand = F.normalize(
            model.video.forward_from_frame_features(model.video.look_translator(feats)), dim=-1
        )
    assert not torch.allclose(plain, translated, atol=1e-3)
    assert torch.allclose(translated, expected, atol=1e-5)
    assert torch.allclose(translated, by_hand, atol=1e-5)
    cached = CachedVideoEncoder(model, runtime="torch")(video)
    assert torch.allclose(cached, translated, atol=1e-5)


def test_both_readings_sum_the_raw_and_translated_readings():
    torch.manual_seed(0)
    config = ModelConfig(backbone=BackboneConfig(num_frames=4), look_translator=True, look_readings="both")
    model = Adapt2RewardModel(config).eval()
    gen = torch.Generator().manual_seed(1)
    video = torch.randint(0, 256, (3, 4, 3, 64, 64), dtype=torch.uint8, generator=gen)
    with torch.no_grad():
        feats = model.encode_frames(video)
        model.video.look_translator.fit(feats.flatten(0, 1), feats.flatten(0, 1).flip(0), ridge=1.0)
        both = model.encode_video(video)
        raw = F.normalize(model.video.forward_from_frame_features(feats), dim=-1)
        translated = F.normalize(
            model.video.forward_from_frame_features(model.video.look_translator(feats)), dim=-1
        )
    assert torch.allclose(both, F.normalize(raw + translated, dim=-1), atol=1e-5)
    assert not torch.allclose(both, raw, atol=1e-3) and not torch.allclose(both, translated, atol=1e-3)
    assert torch.allclose(CachedVideoEncoder(model, runtime="torch")(video), both, atol=1e-5)
    assert torch.allclose(model.encode_video_from_frame_features(feats), both, atol=1e-5)


@pytest.mark.parametrize("readings", ["translated", "both"])
def test_dense_rewards_translate_each_distinct_frame_once(readings):
    torch.manual_seed(0)
    config = ModelConfig(backbone=BackboneConfig(num_frames=4), look_translator=True, look_readings=readings)
    network = Adapt2RewardModel(config).eval()
    gen = torch.Generator().manual_seed(2)
    trajectory = torch.randint(0, 256, (6, 64, 64, 3), dtype=torch.uint8, generator=gen)
    frames = trajectory.permute(0, 3, 1, 2).contiguous()
    with torch.no_grad():
        feats = network.encode_frames(frames[:, None])[:, 0]
    network.video.look_translator.fit(feats, feats.flip(0), ridge=1.0)
    translated = []
    network.video.look_translator.register_forward_hook(
        lambda m, args, out: translated.append(args[0].shape[:-1].numel())
    )
    reward = RewardModel(network, runtime="torch")
    dense = reward.dense_rewards(trajectory.numpy(), "close the drawer")
    assert sum(translated) == 6  # the 6 prefixes hold 24 frames, 6 of them distinct
    index = torch.from_numpy(np.stack([frame_indices(k, 4) for k in range(1, 7)]))
    with torch.no_grad():
        video = network.encode_video(frames[index])
        expected = (video * reward.text_features(["close the drawer"] * 6)).sum(-1)
    assert torch.allclose(dense, expected, atol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"look_readings": "both"}, "'both' needs look_translator"),
        ({"look_readings": "raw"}, "must be one of"),
        ({"look_translator": True, "look_translator_blocks": 17}, r"must lie in 0\.\.16"),
        ({"look_translator_blocks": 2}, "needs look_translator"),
        (
            {
                "look_translator": True,
                "look_translator_blocks": 2,
                "backbone": BackboneConfig(kind="hf-clip", hf_clip_path="clip"),
            },
            "EfficientNet",
        ),
    ],
)
def test_look_readings_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ModelConfig(**kwargs)


def test_translator_needs_a_frozen_frame_encoder():
    with pytest.raises(ValueError, match="look_translator"):
        ModelConfig(backbone=BackboneConfig(frame_trainable_blocks=1), look_translator=True)


@pytest.mark.parametrize("strength", [0.0, 1.5])
def test_fit_rejects_a_strength_outside_0_1(strength):
    with pytest.raises(ValueError, match=r"strength must lie in \(0, 1\]"):
        LookTranslator(4).fit(torch.randn(10, 4), torch.randn(10, 4), ridge=1.0, strength=strength)


def _encoder_translated(blocks: int = 2, readings: str = "translated") -> Adapt2RewardModel:
    config = ModelConfig(
        backbone=BackboneConfig(num_frames=4),
        look_translator=True,
        look_readings=readings,
        look_translator_blocks=blocks,
    )
    return Adapt2RewardModel(config).eval()


def test_an_untrained_encoder_translator_reads_frames_as_the_frame_encoder_does():
    torch.manual_seed(0)
    model = _encoder_translated()
    video = torch.randint(
        0, 256, (3, 4, 3, 64, 64), dtype=torch.uint8, generator=torch.Generator().manual_seed(1)
    )
    frames = video.flatten(0, 1).float()
    with torch.no_grad():
        pairs = model.video.frame_input_pass()(frames)
        raw = model.video.frame_encoder(frames)
        plain = F.normalize(model.video.forward_from_frame_features(raw.view(3, 4, -1)), dim=-1)
        scored = model.encode_video(video)
    assert pairs.shape == (12, 2 * raw.shape[1])
    assert torch.allclose(pairs[:, : raw.shape[1]], raw, atol=1e-5)  # the shared trunk changes nothing
    assert torch.allclose(pairs[:, raw.shape[1] :], raw, atol=1e-5)  # the copy starts as the original
    assert torch.allclose(scored, plain, atol=1e-5)
    with pytest.raises(ValueError, match="from pixels"):
        model.encode_video_from_frame_features(raw.view(3, 4, -1))


def test_a_trained_encoder_translator_reads_held_out_pairs_closer_and_the_scores_follow():
    from adapt2reward.training.encoder_translation import EncoderFitConfig, fit_encoder_translator

    torch.manual_seed(0)
    model = _encoder_translated(readings="both")
    gen = torch.Generator().manual_seed(3)
    low = torch.randint(0, 256, (80, 3, 8, 8), generator=gen).float()
    smooth = F.interpolate(low, size=64, mode="bilinear").round().clamp(0, 255).to(torch.uint8)
    robot = smooth.view(20, 4, 3, 64, 64)
    human = robot.flip(2)  # the same frames with the colour channels swapped stand in for the other look
    with torch.no_grad():
        before = model.encode_video(robot[:3])
    settings = EncoderFitConfig(blocks=2, epochs=3, lr=1e-4, batch=16)
    history = fit_encoder_translator(model.video.frame_input_pass(), robot, human, settings, progress=False)
    assert history[0]["robot_relative_error"] == pytest.approx(1.0, abs=1e-4)  # the copy starts as f
    assert history[-1]["robot_relative_error"] < 0.95  # held-out robot frames read closer to their twins
    assert not any(p.requires_grad for p in model.video.look_translator.parameters())
    with torch.no_grad():
        after = model.encode_video(robot[:3])
        pairs = model.video.frame_input_pass()(robot[:3].flatten(0, 1).float()).view(3, 4, -1)
        raw, translated = (model.video.forward_from_frame_features(x) for x in pairs.chunk(2, dim=-1))
    assert not torch.allclose(before, after, atol=1e-3)
    both = F.normalize(F.normalize(raw, dim=-1) + F.normalize(translated, dim=-1), dim=-1)
    assert torch.allclose(after, both, atol=1e-5)
    assert torch.allclose(CachedVideoEncoder(model, runtime="torch")(robot[:3]), after, atol=1e-5)


def test_the_encoder_translator_fit_rejects_unpaired_clips_and_too_few_pairs():
    from adapt2reward.training.encoder_translation import EncoderFitConfig, fit_encoder_translator

    frame_pass = _encoder_translated().video.frame_input_pass()
    clips = torch.zeros(4, 2, 3, 64, 64, dtype=torch.uint8)
    with pytest.raises(ValueError, match="paired clips must both have shape"):
        fit_encoder_translator(frame_pass, clips, clips[:3], EncoderFitConfig(), progress=False)
    with pytest.raises(ValueError, match="too few to hold out"):
        fit_encoder_translator(frame_pass, clips, clips, EncoderFitConfig(), progress=False)
    with pytest.raises(ValueError, match="blocks: must lie in 1..16"):
        EncoderFitConfig(blocks=0)
