"""The fast runtimes give PyTorch's features (cosine >= 0.999) and are never used for a trainable module
unless it is held as a snapshot; no timings here (benchmarks/frame_encoder.py measures them)."""

import copy
import multiprocessing
import pickle
import threading

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from adapt2reward.envs import ClipSpec, record_clip
from adapt2reward.models import inference_runtime
from adapt2reward.models.frame_encoders import EfficientNetFrameEncoder, SmallCNNFrameEncoder
from adapt2reward.models.inference_runtime import (
    RUNTIMES,
    CompiledModule,
    accelerate,
    resolve_runtime,
    runtime_available,
)

SIZE = 64
needs_ort = pytest.mark.skipif(not runtime_available("onnxruntime"), reason="onnxruntime not installed")


@pytest.fixture(scope="module")
def encoder():
    return EfficientNetFrameEncoder(SIZE).eval()


@pytest.fixture(scope="module")
def frames():
    """Rendered robot and human frames, then random pixels: (24, 3, 64, 64) floats on 0-255."""
    clips = [record_clip(ClipSpec("drawer-open", domain=d, seed=1)).frames for d in ("robot", "human")]
    rendered = torch.from_numpy(np.concatenate(clips)).permute(0, 3, 1, 2).float()
    random = torch.rand(8, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(0)) * 255
    return torch.cat([rendered, random])


@pytest.fixture(scope="module")
def reference(encoder, frames):
    with torch.no_grad():
        return encoder(frames)


@pytest.fixture(scope="module")
def fast_ort(encoder):
    if not runtime_available("onnxruntime"):
        pytest.skip("onnxruntime not installed")
    return accelerate(encoder, "onnxruntime", threads=1)


def assert_same_features(features, reference):
    assert features.dtype == torch.float32 and features.shape == reference.shape
    assert F.cosine_similarity(features, reference, dim=1).min() >= 0.999
    assert torch.allclose(features, reference, atol=1e-3, rtol=1e-3)


@needs_ort
@pytest.mark.parametrize("batch", [1, 5, 24])
def test_onnxruntime_matches_torch(fast_ort, frames, reference, batch):
    assert isinstance(fast_ort, CompiledModule) and fast_ort.feature_dim == 1280
    for start in range(0, len(frames), batch):
        end = start + batch
        assert_same_features(fast_ort(frames[start:end]), reference[start:end])


@needs_ort
def test_auto_picks_a_fast_runtime_for_a_frozen_encoder(encoder):
    assert resolve_runtime(encoder, "auto") == "onnxruntime"


@needs_ort
def test_pickle_copy_and_threads(fast_ort, frames, reference):
    """Pickles and deep copies drop the compiled model and rebuild it on first use; calls may overlap."""
    for clone in (pickle.loads(pickle.dumps(fast_ort)), copy.deepcopy(fast_ort)):
        assert clone._compiled == {}
        assert_same_features(clone(frames[:4]), reference[:4])
    outputs: dict[int, torch.Tensor] = {}

    def work(i: int) -> None:
        outputs[i] = fast_ort(frames[8 * i : 8 * i + 8])

    workers = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert_same_features(torch.cat([outputs[i] for i in range(3)]), reference)


def _encode_in_child(fast, pixels, queue) -> None:
    queue.put(fast(pixels).numpy())


@needs_ort
def test_forked_worker_rebuilds(fast_ort, frames, reference):
    """A forked worker (the planner's workers may be forked) rebuilds the session it inherited."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    worker = context.Process(target=_encode_in_child, args=(fast_ort, frames[:3], queue))
    worker.start()
    features = torch.from_numpy(queue.get(timeout=60))
    worker.join(timeout=60)
    assert worker.exitcode == 0
    assert_same_features(features, reference[:3])


@needs_ort
def test_empty_batches_and_one_graph_per_shape():
    from adapt2reward.models import Adapt2RewardModel, ModelConfig

    temporal = Adapt2RewardModel(ModelConfig()).video.temporal.eval()
    fast = accelerate(temporal, "onnxruntime", threads=1, snapshot=True)  # trainable, held as a snapshot
    for t in (8, 1, 8):  # a clip's frames, then LIV's single last frame
        features = torch.randn(3, t, 1280)
        with torch.no_grad():
            assert torch.allclose(fast(features), temporal(features), atol=1e-4)
    assert sorted(fast._compiled) == [(1, 1280), (8, 1280)]
    assert fast(torch.zeros(0, 8, 1280)).shape == (0, 256)


@needs_ort
def test_any_frozen_encoder_is_accelerated():
    small = SmallCNNFrameEncoder().eval().requires_grad_(False)
    pixels = torch.rand(3, 3, 32, 32) * 255
    with torch.no_grad():
        assert_same_features(accelerate(small)(pixels), small(pixels))


def test_trainable_encoder_stays_torch():
    small = SmallCNNFrameEncoder()  # trained from scratch: every parameter trainable
    assert resolve_runtime(small, "auto") == "torch"
    assert accelerate(small) is small
    small.requires_grad_(False)
    small.net[0].bias.requires_grad_(True)  # one trainable parameter is enough
    assert accelerate(small, "auto") is small
    assert accelerate(small, "torch") is small
    for runtime in inference_runtime.FAST_RUNTIMES:
        with pytest.raises(ValueError, match="trainable parameters"):
            accelerate(small, runtime)


def test_missing_package_falls_back_to_torch(monkeypatch):
    small = SmallCNNFrameEncoder().requires_grad_(False)
    monkeypatch.setattr(inference_runtime, "runtime_available", lambda runtime: runtime == "torch")
    assert accelerate(small) is small
    with pytest.raises(ModuleNotFoundError, match="pip install"):
        accelerate(small, "onnxruntime")


def test_bad_runtime_name():
    with pytest.raises(ValueError, match="unknown frame runtime 'onnx'.*onnxruntime"):
        accelerate(SmallCNNFrameEncoder(), "onnx")
    assert "torch" in RUNTIMES and "auto" in RUNTIMES


@pytest.mark.slow
@pytest.mark.skipif(not runtime_available("openvino"), reason="openvino not installed")
def test_openvino_matches_torch(encoder, frames, reference):
    fast = accelerate(encoder, "openvino", threads=1)
    assert_same_features(fast(frames[:1]), reference[:1])
    assert_same_features(fast(frames), reference)
    assert pickle.loads(pickle.dumps(fast))._compiled == {}  # rebuilt (re-converted) on first call
