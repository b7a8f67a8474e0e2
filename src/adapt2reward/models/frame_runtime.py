"""A faster CPU frame pass for a frozen frame encoder: `accelerate(encoder, image_size)`.

The frozen EfficientNet-Lite0 frame pass is the reward's cost. Measured on the project's 2-core CPU
under load (`benchmarks/frame_encoder.py`, results/speed.json, one thread, 64 px frames): ONNX Runtime
runs the same network 3-8x faster than PyTorch eager (wall 3.4 / 1.4 / 1.6 ms a frame at batch 1 / 8 /
32 vs 25 / 9.6 / 4.4 ms; CPU 1.1 / 0.85 / 0.79 vs 8.7 / 5.0 / 2.3 ms), with features at cosine > 0.99999
to PyTorch's; with two threads PyTorch collapses on a loaded machine (16-180 ms a frame), ONNX Runtime
does not (1.0-1.2 ms). OpenVINO is as fast at batch 8 and 32, slower at batch 1 and with two threads,
and heavier (180 MB installed, seconds to convert); channels-last and `torch.jit.freeze` +
`optimize_for_inference` stayed under 1.5x at batch 1; int8 was not kept (ONNX Runtime static int8
calibrated on rendered frames: min cosine 0.958 and no faster; dynamic int8: cosine 0.51 and slower).
So "auto" is ONNX Runtime, then OpenVINO when only that is installed, then PyTorch.

The fast module is a snapshot of the encoder's weights when it is built (export at build time, in
memory, offline), made only for a frozen encoder: "auto" never uses it when a parameter is trainable.
"""

from __future__ import annotations

import copy
import importlib.util
import io
import os
import threading
import warnings
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

RUNTIMES: tuple[str, ...] = ("auto", "torch", "onnxruntime", "openvino")
"""Names `accelerate` takes: "auto" picks the first installed of `FAST_RUNTIMES`, else "torch"."""

FAST_RUNTIMES: tuple[str, ...] = ("onnxruntime", "openvino")
"""The kept fast runtimes, fastest first (measured at batch 1, 8 and 32 on one thread)."""

_INHERITED: list[Any] = []  # compiled models inherited through fork, kept alive, never run

_PACKAGES = {"onnxruntime": ("onnxruntime", "onnx"), "openvino": ("openvino",)}


def runtime_available(runtime: str) -> bool:
    """Whether the packages `runtime` needs are installed ("torch" always is)."""
    return all(importlib.util.find_spec(p) is not None for p in _PACKAGES.get(runtime, ()))


def is_frozen(encoder: nn.Module) -> bool:
    """True when no parameter of `encoder` is trainable (a fast runtime would not follow its updates)."""
    return not any(p.requires_grad for p in encoder.parameters())


def resolve_runtime(encoder: nn.Module, runtime: str = "auto") -> str:
    """The runtime `accelerate` will use: "auto" -> the first installed fast runtime for a frozen
    CPU encoder, else "torch". A bad name raises ValueError naming the valid ones."""
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown frame runtime {runtime!r}; expected one of {', '.join(RUNTIMES)}")
    if runtime != "auto":
        return runtime
    on_cpu = all(p.device.type == "cpu" for p in encoder.parameters())
    if not is_frozen(encoder) or not on_cpu:
        return "torch"
    return next((r for r in FAST_RUNTIMES if runtime_available(r)), "torch")


def accelerate(
    encoder: nn.Module, image_size: int, runtime: str = "auto", threads: int | None = None
) -> nn.Module:
    """`encoder` (float 0-255 pixels (N, 3, H, W) -> (N, F)) run by `runtime`, same call contract.

    "torch" returns `encoder` itself. A fast runtime returns a `RuntimeFrameEncoder` built now from the
    encoder's current weights, for frames of `image_size` x `image_size`; it needs a frozen encoder
    (ValueError otherwise). `threads`: the runtime's intra-op threads, default `torch.get_num_threads()`
    now (one thread was the fastest on the loaded 2-core machine).
    """
    runtime = resolve_runtime(encoder, runtime)
    if runtime == "torch":
        return encoder
    return RuntimeFrameEncoder(encoder, image_size, runtime, threads)


def _export_onnx(encoder: nn.Module, image_size: int) -> bytes:
    """ONNX bytes of `encoder` in eval mode, batch size dynamic (TorchScript exporter: no onnxscript)."""
    example = torch.zeros(1, 3, image_size, image_size)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer warnings
        torch.onnx.export(
            encoder,
            (example,),
            buffer,
            dynamo=False,
            input_names=["pixels"],
            output_names=["features"],
            dynamic_axes={"pixels": {0: "n"}, "features": {0: "n"}},
            opset_version=17,
            training=torch.onnx.TrainingMode.EVAL,
        )
    return buffer.getvalue()


class RuntimeFrameEncoder(nn.Module):
    """A frozen frame encoder run by ONNX Runtime or OpenVINO on the CPU.

    Holds the torch `encoder` (frozen; its weights are the source the runtime is rebuilt from) and the
    runtime's compiled model. Safe to call from several threads (an ORT session runs concurrently;
    OpenVINO gets one infer request per thread). Pickling and deep copies drop the compiled model, which
    is rebuilt lazily on the first call, as it is after a fork (a new process id): the ONNX bytes travel
    with the pickle, so an ORT rebuild takes a few tens of ms; OpenVINO re-converts (seconds).
    Outputs carry no gradient.
    """

    def __init__(self, encoder: nn.Module, image_size: int, runtime: str, threads: int | None = None) -> None:
        super().__init__()
        if runtime not in FAST_RUNTIMES:
            raise ValueError(f"unknown fast frame runtime {runtime!r}; expected one of {FAST_RUNTIMES}")
        if not is_frozen(encoder):
            raise ValueError(f"{runtime} runs a frozen snapshot; this frame encoder has trainable parameters")
        if not runtime_available(runtime):
            packages = " ".join(_PACKAGES[runtime])
            raise ModuleNotFoundError(f"frame runtime {runtime!r} needs `pip install {packages}`")
        self.encoder = encoder  # the caller's module, its mode untouched: export runs it in eval mode
        self.image_size = image_size
        self.runtime = runtime
        self.threads = max(1, threads if threads is not None else torch.get_num_threads())
        self.feature_dim = getattr(encoder, "feature_dim", None)
        self._onnx = _export_onnx(encoder, image_size) if runtime == "onnxruntime" else b""
        self._init_transient()
        self._build()

    def _init_transient(self) -> None:
        self._lock = threading.Lock()
        self._compiled: Any = None
        self._local = threading.local()
        self._pid = -1

    def _build(self) -> None:
        if self.runtime == "onnxruntime":
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            # Spinning worker threads cost more than they save on a shared, loaded 2-core machine.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._compiled = ort.InferenceSession(self._onnx, options, providers=["CPUExecutionProvider"])
        else:
            import openvino as ov

            example = torch.zeros(1, 3, self.image_size, self.image_size)
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = ov.convert_model(copy.deepcopy(self.encoder).eval(), example_input=example)
            model.reshape([-1, 3, self.image_size, self.image_size])
            config = {"INFERENCE_NUM_THREADS": self.threads, "INFERENCE_PRECISION_HINT": "f32"}
            config |= {"PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1}
            self._compiled = ov.Core().compile_model(model, "CPU", config)
            self._local = threading.local()
        self._pid = os.getpid()

    def _ensure_built(self) -> None:
        if self._compiled is None or self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid() and self._compiled is not None:
                    # Inherited through a fork: its thread pool lives in the parent, so it is neither
                    # used nor destroyed here.
                    _INHERITED.append(self._compiled)
                    self._compiled = None
                if self._compiled is None:
                    self._build()

    def _run(self, pixels: np.ndarray) -> np.ndarray:
        if self.runtime == "onnxruntime":
            return self._compiled.run(None, {"pixels": pixels})[0]
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._compiled.create_infer_request()
        return request.infer({0: pixels})[0].copy()

    def forward(self, pixels: Tensor) -> Tensor:
        if pixels.dim() != 4 or tuple(pixels.shape[1:]) != (3, self.image_size, self.image_size):
            size = self.image_size
            raise ValueError(f"expected pixels (N, 3, {size}, {size}), got {tuple(pixels.shape)}")
        if pixels.shape[0] == 0:
            with torch.no_grad():
                return self.encoder(pixels)
        self._ensure_built()
        array = pixels.detach().to(device="cpu", dtype=torch.float32).contiguous().numpy()
        return torch.from_numpy(np.ascontiguousarray(self._run(array), dtype=np.float32))

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for key in ("_lock", "_compiled", "_local", "_pid"):
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._init_transient()

    def extra_repr(self) -> str:
        return f"runtime={self.runtime}, image_size={self.image_size}, threads={self.threads}"
