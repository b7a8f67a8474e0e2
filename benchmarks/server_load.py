"""Load test of the reward server on loopback: throughput and latency at several concurrencies.

Starts `serve(CHECKPOINT)` on 127.0.0.1 in a child process, sends a bounded number of /score requests
(one 8-frame 64x64 clip each by default) from 1, 4 and 16 concurrent clients, and reports requests/s,
clips/s, p50/p95/p99 latency, the mean batch the server formed, and that every request was answered
with 200. Writes `results/server_load.json`.

    python benchmarks/server_load.py CHECKPOINT [--requests 64] [--concurrency 1,4,16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

from adapt2reward.serving import encode_clip

HOST = "127.0.0.1"  # loopback only


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(checkpoint: str, port: int, max_batch: int) -> subprocess.Popen:
    code = (
        "from adapt2reward.serving.server import serve; "
        f"serve({checkpoint!r}, host={HOST!r}, port={port}, max_batch={max_batch}, log_level='warning')"
    )
    return subprocess.Popen([sys.executable, "-c", code])


def wait_healthy(url: str, timeout_s: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            return httpx.get(f"{url}/health", timeout=2).json()
        except httpx.TransportError:
            time.sleep(0.5)
    raise TimeoutError(f"the server at {url} did not come up within {timeout_s:.0f} s")


async def load(url: str, body: dict, requests: int, concurrency: int) -> tuple[list[float], list[int], float]:
    """Send `requests` requests from `concurrency` clients; latencies (s), status codes, wall time (s)."""
    latencies: list[float] = []
    codes: list[int] = []
    remaining = iter(range(requests))

    async def client(http: httpx.AsyncClient) -> None:
        for _ in remaining:
            start = time.perf_counter()
            response = await http.post(f"{url}/score", json=body)
            latencies.append(time.perf_counter() - start)
            codes.append(response.status_code)

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(timeout=300, limits=limits) as http:
        start = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
        return latencies, codes, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--requests", type=int, default=64, help="requests per concurrency level")
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument("--clips-per-request", type=int, default=1)
    parser.add_argument("--max-batch", type=int, default=32)
    parser.add_argument("--out", default="results/server_load.json")
    args = parser.parse_args()

    port = free_port()
    url = f"http://{HOST}:{port}"
    server = start_server(args.checkpoint, port, args.max_batch)
    try:
        info = wait_healthy(url)
        size, frames = info["model"]["image_size"], info["model"]["num_frames"]
        clips = np.random.default_rng(0).integers(0, 256, (args.clips_per_request, frames, size, size, 3))
        body = {"clips": [encode_clip(c.astype(np.uint8)) for c in clips], "instructions": "close the drawer"}
        asyncio.run(load(url, body, 4, 1))  # warm-up: text cache, first batches
        levels = []
        for concurrency in map(int, args.concurrency.split(",")):
            before = httpx.get(f"{url}/health").json()
            latencies, codes, wall = asyncio.run(load(url, body, args.requests, concurrency))
            after = httpx.get(f"{url}/health").json()
            ms = np.percentile(np.asarray(latencies) * 1000, [50, 95, 99])
            batches = after["batches"] - before["batches"]
            levels.append(
                {
                    "concurrency": concurrency,
                    "requests": args.requests,
                    "answered_200": codes.count(200),
                    "other_status": sorted(set(codes) - {200}),
                    "req_per_s": round(args.requests / wall, 2),
                    "clips_per_s": round(args.requests * args.clips_per_request / wall, 2),
                    "p50_ms": round(ms[0], 1),
                    "p95_ms": round(ms[1], 1),
                    "p99_ms": round(ms[2], 1),
                    "mean_batch_clips": round((after["clips"] - before["clips"]) / max(batches, 1), 2),
                }
            )
            print(json.dumps(levels[-1]), flush=True)
        healthy = httpx.get(f"{url}/health").json()["status"] == "ok"
    finally:
        server.terminate()
        server.wait(timeout=30)
    report = {
        "checkpoint": args.checkpoint,
        "clips_per_request": args.clips_per_request,
        "clip_shape": [frames, size, size, 3],
        "max_batch": args.max_batch,
        "all_answered": all(level["answered_200"] == level["requests"] for level in levels),
        "healthy_after": healthy,
        "machine": {
            "cpus": os.cpu_count(),
            "omp_threads": os.environ.get("OMP_NUM_THREADS"),
            "platform": platform.platform(),
        },
        "levels": levels,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"all answered: {report['all_answered']}, healthy after: {healthy}")


if __name__ == "__main__":
    main()
