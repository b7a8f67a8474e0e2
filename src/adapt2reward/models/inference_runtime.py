"""A faster CPU forward pass for inference: `accelerate(module)` runs a torch module in ONNX Runtime.

The reward's cost is its frozen EfficientNet-Lite0 frame pass, then the small temporal transformer.
Measured on the project's 2-core CPU (`benchmarks/frame_encoder.py`, figures in results/speed.json, one
thread): ONNX Runtime runs the frame encoder 2.8-7.5x faster than PyTorch eager at batch 1-32 (PyTorch
pays most at small batches, its depthwise convolutions being slow; 10-150x with two threads on the
loaded machine), with features at cosine > 0.99999 to PyTorch's, and the temporal transformer of one
clip ~3x faster. OpenVINO is about as fast at batch 8 and slower at batch 1; channels-last and
`torch.jit.freeze` + `optimize_for_inference` stayed under 1.5x at most batch sizes, and int8 was not kept
(the frame encoder has no Linear layer for dynamic quantization; static int8 of depthwise convolutions
dropped the feature cosine to 0.96). So "auto" is ONNX Runtime, then OpenVINO when only that is
installed, then PyTorch.

A compiled module is a snapshot of the weights when it first runs an input shape (exported in memory,
offline, one graph per input shape after the batch dimension: the temporal model's sequence length does
not survive a dynamic-axis export). "auto" uses it only for a module whose parameters are all frozen,
unless the caller says it holds a snapshot it rebuilds when the weights change (`snapshot=True`).
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


def is_frozen(module: nn.Module) -> bool:
    """True when no parameter of `module` is trainable (a compiled snapshot would not follow updates)."""
    return not any(p.requires_grad for p in module.parameters())


def resolve_runtime(module: nn.Module, runtime: str = "auto", snapshot: bool = False) -> str:
    """The runtime `accelerate` will use: "auto" -> the first installed fast runtime for a CPU module that
    is frozen (or held as a `snapshot`), else "torch". A bad name raises ValueError naming the valid ones."""
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown frame runtime {runtime!r}; expected one of {', '.join(RUNTIMES)}")
    if runtime != "auto":
        return runtime
    on_cpu = all(p.device.type == "cpu" for p in module.parameters())
    if not (snapshot or is_frozen(module)) or not on_cpu:
        return "torch"
    return next((r for r in FAST_RUNTIMES if runtime_available(r)), "torch")


def accelerate(
    module: nn.Module, runtime: str = "auto", threads: int | None = None, snapshot: bool = False
) -> nn.Module:
    """`module` (float tensor (N, ...) -> float tensor (N, ...)) run by `runtime`, same call contract.

    "torch" returns `module` itself. A fast runtime returns a `CompiledModule` of the module's weights as
    they are when each input shape is first run; it needs a frozen module unless `snapshot` (the caller
    drops it when the weights change), else ValueError. `threads`: the runtime's intra-op threads,
    default `torch.get_num_threads()` now (one thread was the fastest on the loaded 2-core machine).
    """
    runtime = resolve_runtime(module, runtime, snapshot)
    if runtime == "torch":
        return module
    return CompiledModule(module, runtime, threads, snapshot)


def _export_onnx(module: nn.Module, shape: tuple[int, ...]) -> bytes:
    """ONNX bytes of `module` in eval mode for inputs (N, *shape), N dynamic (TorchScript exporter).

    Traced from a copy with gradients on: without them PyTorch's transformer layers take their fused
    inference kernel, which has no ONNX export.
    """
    example = torch.zeros(1, *shape)
    traced = copy.deepcopy(module).eval().requires_grad_(True)
    buffer = io.BytesIO()
    with warnings.catch_warnings(), torch.enable_grad():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer warnings
        torch.onnx.export(
            traced,
            (example,),
            buffer,
            dynamo=False,
            input_names=["input"],
            output_names=["output"],
            dynamic_axes={"input": {0: "n"}, "output": {0: "n"}},
            opset_version=17,
            training=torch.onnx.TrainingMode.EVAL,
        )
    return buffer.getvalue()


class CompiledModule(nn.Module):
    """A torch module run by ONNX Runtime or OpenVINO on the CPU, one compiled graph per input shape.

    Holds the torch `module` (the source each graph is built from). Safe to call from several threads
    (an ORT session runs concurrently; OpenVINO gets one infer request per thread). Pickles and deep
    copies drop the compiled graphs, which are rebuilt on first use, as after a fork (a new process id):
    the ONNX bytes travel with the pickle, so an ORT rebuild takes tens of ms; OpenVINO re-converts
    (seconds). Outputs carry no gradient.
    """

    def __init__(
        self, module: nn.Module, runtime: str, threads: int | None = None, snapshot: bool = False
    ) -> None:
        super().__init__()
        if runtime not in FAST_RUNTIMES:
            raise ValueError(f"unknown fast runtime {runtime!r}; expected one of {FAST_RUNTIMES}")
        if not (snapshot or is_frozen(module)):
            raise ValueError(f"{runtime} runs a frozen snapshot; this module has trainable parameters")
        if not runtime_available(runtime):
            packages = " ".join(_PACKAGES[runtime])
            raise ModuleNotFoundError(f"runtime {runtime!r} needs `pip install {packages}`")
        self.module = module  # the caller's module, its mode untouched: export runs it in eval mode
        self.runtime = runtime
        self.threads = max(1, threads if threads is not None else torch.get_num_threads())
        self.feature_dim = getattr(module, "feature_dim", None)
        self._onnx: dict[tuple[int, ...], bytes] = {}
        self._init_transient()

    def _init_transient(self) -> None:
        self._lock = threading.Lock()
        self._compiled: dict[tuple[int, ...], Any] = {}
        self._local = threading.local()
        self._pid = os.getpid()

    def _build(self, shape: tuple[int, ...]) -> Any:
        if self.runtime == "onnxruntime":
            import onnxruntime as ort

            if shape not in self._onnx:
                self._onnx[shape] = _export_onnx(self.module, shape)
            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            # Spinning worker threads cost more than they save on a shared, loaded 2-core machine.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            return ort.InferenceSession(self._onnx[shape], options, providers=["CPUExecutionProvider"])
        import openvino as ov

        example = torch.zeros(1, *shape)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ov.convert_model(copy.deepcopy(self.module).eval(), example_input=example)
        model.reshape([-1, *shape])
        config = {"INFERENCE_NUM_THREADS": self.threads, "INFERENCE_PRECISION_HINT": "f32"}
        config |= {"PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1}
        return ov.Core().compile_model(model, "CPU", config)

    def _compiled_for(self, shape: tuple[int, ...]) -> Any:
        with self._lock:
            if self._pid != os.getpid():
                # Inherited through a fork: their thread pools live in the parent, so they are neither
                # used nor destroyed here.
                _INHERITED.extend(self._compiled.values())
                self._compiled, self._local, self._pid = {}, threading.local(), os.getpid()
            if shape not in self._compiled:
                self._compiled[shape] = self._build(shape)
            return self._compiled[shape]

    def _run(self, shape: tuple[int, ...], inputs: np.ndarray) -> np.ndarray:
        compiled = self._compiled_for(shape)
        if self.runtime == "onnxruntime":
            return compiled.run(None, {"input": inputs})[0]
        requests = self._local.__dict__.setdefault("requests", {})
        if shape not in requests:
            requests[shape] = compiled.create_infer_request()
        return requests[shape].infer({0: inputs})[0].copy()

    def forward(self, inputs: Tensor) -> Tensor:
        if inputs.shape[0] == 0:
            with torch.no_grad():
                return self.module(inputs)
        array = inputs.detach().to(device="cpu", dtype=torch.float32).contiguous().numpy()
        return torch.from_numpy(np.ascontiguousarray(self._run(tuple(inputs.shape[1:]), array), np.float32))

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for key in ("_lock", "_compiled", "_local", "_pid"):
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._init_transient()

    def extra_repr(self) -> str:
        return f"runtime={self.runtime}, threads={self.threads}, shapes={sorted(self._onnx)}"
