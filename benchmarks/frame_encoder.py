"""Frame-encoder benchmark: ms per 64 px frame of the frozen EfficientNet-Lite0 for each runtime.

Run from the repo root: `OMP_NUM_THREADS=1 python benchmarks/frame_encoder.py`. In one run, at batch 1, 8
and 32 frames and with 1 and 2 threads: PyTorch eager (today's pass), the kept fast runtimes of
`adapt2reward.models.inference_runtime` (ONNX Runtime; OpenVINO when installed) and two PyTorch-only tricks
that were tried and not kept (channels-last, `torch.jit.freeze` + `optimize_for_inference`). The
runtimes are timed in interleaved rounds (median of the rounds), so a change of machine load hits them
alike; speedups are vs PyTorch eager at the same batch and threads. Features are compared to PyTorch's
(min cosine per frame) on rendered robot and human frames and random pixels. Writes the
"frame_encoder" section of results/speed.json and prints a markdown table.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from adapt2reward.envs import ClipSpec, record_clip
from adapt2reward.models.frame_encoders import EfficientNetFrameEncoder
from adapt2reward.models.inference_runtime import (
    FAST_RUNTIMES,
    accelerate,
    resolve_runtime,
    runtime_available,
)

sys.path.insert(0, str(Path(__file__).parent))
from speed_results import record  # noqa: E402

SIZE = 64
BATCHES = (1, 8, 32)
THREADS = (1, 2)
ROUNDS = 7
ROUND_S = 0.15  # each runtime runs at least this long per round
Encode = Callable[[torch.Tensor], torch.Tensor]


def test_frames() -> torch.Tensor:
    """16 rendered frames (robot and human, two tasks) and 16 random ones: (32, 3, 64, 64) on 0-255."""
    clips = [
        record_clip(ClipSpec(task, domain=domain, seed=3)).frames
        for task in ("drawer-open", "button-press")
        for domain in ("robot", "human")
    ]
    rendered = torch.from_numpy(np.concatenate(clips)[::2].copy()).permute(0, 3, 1, 2).float()
    random = torch.rand(16, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(0)) * 255
    return torch.cat([rendered, random])


def torch_variants(encoder: torch.nn.Module) -> dict[str, Encode]:
    """PyTorch eager plus the PyTorch-only candidates (same weights)."""
    channels_last = EfficientNetFrameEncoder(SIZE).eval().to(memory_format=torch.channels_last)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(EfficientNetFrameEncoder(SIZE).eval(), torch.zeros(1, 3, SIZE, SIZE))
        frozen = torch.jit.optimize_for_inference(torch.jit.freeze(traced))
    return {
        "torch": encoder,
        "torch_channels_last": lambda x: channels_last(x.contiguous(memory_format=torch.channels_last)),
        "torch_jit_freeze": frozen,
    }


def ms_per_frame(fn: Encode, frames: torch.Tensor) -> tuple[float, float]:
    """Wall and process-CPU ms per frame (CPU time sums the threads; it is less hit by other load)."""
    start, cpu, calls = time.perf_counter(), time.process_time(), 0
    while calls < 2 or time.perf_counter() - start < ROUND_S:
        fn(frames)
        calls += 1
    per_frame = 1000 / calls / len(frames)
    return (time.perf_counter() - start) * per_frame, (time.process_time() - cpu) * per_frame


def measure(runtimes: dict[str, Encode], frames: torch.Tensor) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall and CPU ms per frame of each runtime over interleaved rounds."""
    for fn in runtimes.values():
        fn(frames)  # warm-up
    wall: dict[str, list[float]] = {name: [] for name in runtimes}
    cpu: dict[str, list[float]] = {name: [] for name in runtimes}
    for _ in range(ROUNDS):
        for name, fn in runtimes.items():
            w, c = ms_per_frame(fn, frames)
            wall[name].append(w)
            cpu[name].append(c)
    median = statistics.median
    return {n: round(median(v), 3) for n, v in wall.items()}, {n: round(median(v), 3) for n, v in cpu.items()}


def agreement(fn: Encode, frames: torch.Tensor, reference: torch.Tensor) -> dict[str, float]:
    """Min per-frame cosine and max absolute difference of the features to PyTorch's."""
    features = fn(frames)
    cosine = float(F.cosine_similarity(features, reference, dim=1).min())
    max_abs = float((features - reference).abs().max())
    return {"min_cosine": round(cosine, 7), "max_abs_diff": float(f"{max_abs:.2e}")}


def main() -> None:
    torch.set_num_threads(1)
    encoder = EfficientNetFrameEncoder(SIZE).eval()
    frames = test_frames()
    fast = [r for r in FAST_RUNTIMES if runtime_available(r)]
    build_s: dict[str, float] = {}
    built: dict[int, dict[str, Encode]] = {}
    for threads in THREADS:
        built[threads] = {}
        for runtime in fast:
            start = time.perf_counter()
            built[threads][runtime] = accelerate(encoder, runtime, threads=threads)
            build_s.setdefault(runtime, round(time.perf_counter() - start, 2))
    results: dict[str, dict] = {}
    with torch.inference_mode():
        reference = encoder(frames)
        variants = torch_variants(encoder)
        agree = {name: agreement(fn, frames, reference) for name, fn in (variants | built[1]).items()}
        for threads in THREADS:
            torch.set_num_threads(threads)
            runtimes = variants | built[threads]
            for batch in BATCHES:
                ms, cpu_ms = measure(runtimes, frames[:batch])
                results[f"threads={threads}/batch={batch}"] = {
                    "ms_per_frame": ms,
                    "speedup_vs_torch": {name: round(ms["torch"] / v, 2) for name, v in ms.items()},
                    "cpu_ms_per_frame": cpu_ms,
                    "cpu_speedup_vs_torch": {n: round(cpu_ms["torch"] / v, 2) for n, v in cpu_ms.items()},
                }
                print(f"threads={threads} batch={batch}: wall {ms} cpu {cpu_ms}", flush=True)
    torch.set_num_threads(1)
    default = resolve_runtime(encoder, "auto")
    figures = {
        "what": "frozen EfficientNet-Lite0, 64x64 frames: wall and process-CPU ms per frame (median of "
        f"{ROUNDS} interleaved rounds), speedup vs PyTorch eager at the same batch and threads, features "
        "vs PyTorch (min per-frame cosine, max abs difference) on 16 rendered + 16 random frames",
        "not_kept": {
            "torch_channels_last": "under 1.5x at batch 1 (1.2-1.3x), 2-5x slower than ONNX Runtime",
            "torch_jit_freeze": "under 1.5x at batch 1 or 32 (1.2-1.5x), 2-4x slower than ONNX Runtime",
            "int8": "ONNX Runtime static int8 (QDQ, per-channel, calibrated on 48 rendered frames): "
            "min cosine 0.958 and no faster (0.81 vs 0.78 ms at batch 32); dynamic int8: cosine 0.51, "
            "15x slower; torch dynamic quantization: no Linear layer in the encoder",
        },
        "kept_and_installed": fast,
        "auto_default": default,
        "features_vs_torch": agree,
        "build_seconds": build_s,
        "results": results,
        "versions": {p: version(p) for p in ["torch", *fast]},
    }
    path = record("frame_encoder", figures)
    names = list(results["threads=1/batch=1"]["ms_per_frame"])
    print(f"\nwrote {path}; auto = {default}\n")
    print("| threads/batch | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for key, row in results.items():
        cells = [f"{row['ms_per_frame'][n]:.2f} ({row['speedup_vs_torch'][n]:.1f}x)" for n in names]
        print(f"| {key} | " + " | ".join(cells) + " |")
    print("| min cosine | " + " | ".join(f"{agree[n]['min_cosine']:.6f}" for n in names) + " |")


if __name__ == "__main__":
    main()
