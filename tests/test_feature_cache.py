"""Inference caches: each distinct frame and instruction is encoded once, results equal the uncached model."""

import pickle

import numpy as np
import pytest
import torch

from adapt2reward.reward.feature_cache import CachedVideoEncoder, LRUCache, frame_digests


def _clips(n: int, t: int, size: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, t, size, size, 3), dtype=np.uint8)


def test_lru_cache_forgets_least_recently_used():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the oldest
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c"), len(cache)) == (1, None, 3, 2)
    with pytest.raises(ValueError, match="capacity"):
        LRUCache(0)


def test_digests_tell_frames_apart():
    frames = torch.zeros(3, 3, 8, 8, dtype=torch.uint8)
    frames[2, 0, 0, 0] = 1
    a, b, c = frame_digests(frames)
    assert a == b != c


def test_cached_features_equal_the_model_and_each_frame_is_encoded_once(tiny_model):
    model, t, s = tiny_model.model, tiny_model.num_frames, tiny_model.image_size
    clips = _clips(5, t, s)
    clips[:, 0] = clips[0, 0]  # every clip starts from the same frame, as CEM candidates do
    video = torch.from_numpy(clips).permute(0, 1, 4, 2, 3).contiguous()
    encoder = CachedVideoEncoder(model)
    with torch.no_grad():
        expected = model.encode_video(video)
    torch.testing.assert_close(encoder(video), expected, atol=1e-5, rtol=1e-4)
    assert encoder.frames_encoded == 5 * t - 4  # the shared first frame once
    prefixes = video[:, [0, 0, 1, 2][:t]]  # new clips of frames seen before: no frame pass at all
    encoder(prefixes)
    assert encoder.frames_encoded == 5 * t - 4


def test_reward_model_reuses_frames_across_instructions_and_prefixes(tiny_model):
    clips = _clips(3, tiny_model.num_frames, tiny_model.image_size, seed=1)
    tiny_model.encoder.clear()
    before = tiny_model.encoder.frames_encoded
    first = tiny_model.reward(clips, "close the drawer")
    for text in ("open the drawer", "press the button"):
        tiny_model.reward(clips, text)
    tiny_model.dense_rewards(clips[0], "close the drawer")
    assert tiny_model.encoder.frames_encoded - before == clips.shape[0] * clips.shape[1]
    torch.testing.assert_close(tiny_model.reward(clips, "close the drawer"), first)


def test_caches_are_bounded(tiny_model):
    encoder = CachedVideoEncoder(tiny_model.model, frame_capacity=4, clip_capacity=2)
    video = torch.from_numpy(_clips(3, tiny_model.num_frames, tiny_model.image_size, seed=2))
    video = video.permute(0, 1, 4, 2, 3).contiguous()
    out = encoder(video)  # more distinct frames than the cache holds: still right
    assert len(encoder.frames) == 4 and len(encoder.clips) == 2
    with torch.no_grad():
        torch.testing.assert_close(out, tiny_model.model.encode_video(video), atol=1e-5, rtol=1e-4)
    texts = tiny_model.text_features
    texts.texts.capacity = 3
    texts([f"instruction {i}" for i in range(10)])
    assert len(texts.texts) == 3


def test_a_pickled_encoder_starts_empty_and_still_works(tiny_model):
    encoder = CachedVideoEncoder(tiny_model.model)
    video = torch.from_numpy(_clips(2, tiny_model.num_frames, tiny_model.image_size, seed=3))
    video = video.permute(0, 1, 4, 2, 3).contiguous()
    expected = encoder(video)
    copy = pickle.loads(pickle.dumps(encoder))
    assert len(copy.frames) == 0
    torch.testing.assert_close(copy(video), expected)


def test_default_backbone_runs_in_onnx_runtime_with_the_same_rewards():
    from adapt2reward.models import Adapt2RewardModel, ModelConfig
    from adapt2reward.reward.reward_model import RewardModel

    torch.manual_seed(0)
    network = Adapt2RewardModel(ModelConfig())
    fast, plain = RewardModel(network), RewardModel(network, runtime="torch")
    clips = _clips(3, 8, 64, seed=4)
    rewards = fast.reward(clips, "close the drawer")
    assert [type(m).__name__ for m in fast.encoder._modules()] == ["CompiledModule"] * 2
    torch.testing.assert_close(rewards, plain.reward(clips, "close the drawer"), atol=1e-4, rtol=1e-3)
    dense = fast.dense_rewards(clips[0], "close the drawer")
    torch.testing.assert_close(dense, plain.dense_rewards(clips[0], "close the drawer"), atol=1e-4, rtol=1e-3)
    with pytest.raises(ValueError, match="frame runtime"):
        RewardModel(network, runtime="tensorrt")
