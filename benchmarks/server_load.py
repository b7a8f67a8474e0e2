"""Load test of the reward server on loopback, against the model alone measured in the same run.

Starts `serve(CHECKPOINT)` on 127.0.0.1 in a child process and sends a bounded number of /score requests
(one 8-frame 64x64 clip each by default, every clip different, so no feature cache can answer from
memory) from 1, 4 and 16 concurrent clients over keep-alive connections of one `httpx.AsyncClient`. For
each level it reports requests/s, clips/s, p50/p95/p99 latency, the mean batch the server formed, that
every request was answered with 200, and the CPU seconds the client and the server spent a request.

Each level runs in rounds (`--rounds`, of `--requests` requests each). After every round a second
child process of the same kind (same interpreter, same environment, same torch threads as the server's
scoring thread) times `RewardModel.scores` alone on as many fresh clips, in batches of exactly the
sizes the server formed in that round (from /health's `batch_sizes`): its p50 a call and its clips/s.
Alternating keeps both sides under the same background load, which on a shared machine moves by tens of
percent within a minute. The ratios (server p50 / model p50 at 1 client; server clips/s / model clips/s
at the same batch sizes) are the figures to read. The server also reports the seconds it spent inside
the model, so a level shows both how busy the batcher kept the model and how fast the model ran there.

The client runs on the same cores as the server (2 on the project's machine): its CPU seconds a request
are reported so that a client-bound level is visible. The server and the model-alone child each start
in a session of their own, as a server started from its own shell would: on Linux each session is a
scheduler group of its own (autogroup), so on a machine shared with other jobs the client's CPU does not
come out of the server's share, and both sides get the same share as the model alone.

Writes `results/server_load.json` and the "server" section of `results/speed.json`.

    python benchmarks/server_load.py CHECKPOINT [--requests 64] [--rounds 3] [--concurrency 1,4,16]
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
INSTRUCTION = "close the drawer"
WORKER_FLAG = "--model-worker"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(checkpoint: str, port: int, max_batch: int) -> subprocess.Popen:
    code = (
        "from adapt2reward.serving.server import serve; "
        f"serve({checkpoint!r}, host={HOST!r}, port={port}, max_batch={max_batch}, log_level='warning')"
    )
    return subprocess.Popen([sys.executable, "-c", code], start_new_session=True)


def wait_healthy(url: str, timeout_s: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            return httpx.get(f"{url}/health", timeout=2).json()
        except httpx.TransportError:
            time.sleep(0.5)
    raise TimeoutError(f"the server at {url} did not come up within {timeout_s:.0f} s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def random_clips(seed: int, n: int, frames: int, size: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, frames, size, size, 3), dtype=np.uint8)


def request_bodies(seed: int, requests: int, clips_per_request: int, frames: int, size: int) -> list[bytes]:
    """`requests` JSON bodies of distinct clips, encoded before the clock starts."""
    clips = random_clips(seed, requests * clips_per_request, frames, size)
    return [
        json.dumps(
            {
                "clips": [encode_clip(c) for c in clips[i * clips_per_request : (i + 1) * clips_per_request]],
                "instructions": INSTRUCTION,
            }
        ).encode()
        for i in range(requests)
    ]


async def load(
    url: str, bodies: list[bytes], concurrency: int, warmup: list[bytes] = (), server_pid: int | None = None
) -> dict:
    """Send every body once from `concurrency` clients sharing one keep-alive `httpx.AsyncClient`:
    latencies (s), status codes, wall time (s), /health before and after, CPU seconds of this client
    and of the server process. The `warmup` bodies go first, unmeasured, from the same clients (so every
    connection is open before the clock starts)."""
    headers = {"content-type": "application/json"}

    async def clients(http: httpx.AsyncClient, todo: list[bytes], latencies: list, codes: list) -> None:
        remaining = iter(todo)

        async def client() -> None:
            for body in remaining:
                start = time.perf_counter()
                response = await http.post(f"{url}/score", content=body, headers=headers)
                latencies.append(time.perf_counter() - start)
                codes.append(response.status_code)

        await asyncio.gather(*(client() for _ in range(concurrency)))

    latencies: list[float] = []
    codes: list[int] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=300, limits=limits) as http:
        await clients(http, list(warmup), [], [])
        before = (await http.get(f"{url}/health")).json()
        cpu, server_cpu = time.process_time(), server_pid and cpu_seconds(server_pid)
        start = time.perf_counter()
        await clients(http, bodies, latencies, codes)
        wall = time.perf_counter() - start
        cpu, server_cpu = time.process_time() - cpu, server_pid and cpu_seconds(server_pid) - server_cpu
        after = (await http.get(f"{url}/health")).json()
    return {
        "latencies": latencies,
        "codes": codes,
        "wall": wall,
        "before": before,
        "after": after,
        "client_cpu": cpu,
        "server_cpu": server_cpu,
    }


# The model alone, in a child process of the same kind as the server ------------------------------------
def model_worker(checkpoint: str) -> None:
    """Read `{"batches": [clips a call, ...], "seed"}` lines on stdin; time `scores` once a batch on
    fresh clips; answer `{"seconds": [...], "cpu_s"}` on stdout."""
    import torch

    from adapt2reward.reward.reward_model import RewardModel
    from adapt2reward.serving.server import default_threads

    threads = default_threads()  # what the server's scoring thread sets
    if threads is not None:
        torch.set_num_threads(threads)
    model = RewardModel.load(checkpoint)
    print(json.dumps({"ready": True, "torch_threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        clips = random_clips(job["seed"], sum(job["batches"]), model.num_frames, model.image_size)
        ends = np.cumsum(job["batches"])
        seconds = []
        cpu = time.process_time()
        for end, n in zip(ends, job["batches"], strict=True):
            start = time.perf_counter()
            model.scores(clips[end - n : end], INSTRUCTION)
            seconds.append(time.perf_counter() - start)
        print(json.dumps({"seconds": seconds, "cpu_s": time.process_time() - cpu}), flush=True)


class ModelAlone:
    def __init__(self, checkpoint: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, WORKER_FLAG, checkpoint],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.info = self._answer()

    def _answer(self) -> dict:
        """The worker's next JSON line (anything else a library prints on stdout is skipped)."""
        while line := self.process.stdout.readline():
            if line.startswith("{"):
                return json.loads(line)
        raise RuntimeError(f"the model worker ended (exit code {self.process.wait()})")

    def time(self, batches: list[int], seed: int) -> dict:
        """Seconds of one call of `scores` a batch (of that many fresh clips), and the CPU seconds."""
        self.process.stdin.write(json.dumps({"batches": batches, "seed": seed}) + "\n")
        self.process.stdin.flush()
        return {"batches": batches, **self._answer()}


def summarise_alone(runs: list[dict]) -> dict:
    """The model alone over every round of a level: p50/p95 a call, clips/s over all its clips."""
    seconds = np.concatenate([run["seconds"] for run in runs])
    sizes = [n for run in runs for n in run["batches"]]
    ms = np.percentile(seconds * 1000, [50, 95])
    return {
        "batch_sizes": {str(n): sizes.count(n) for n in sorted(set(sizes))},
        "calls": len(seconds),
        "p50_ms": round(ms[0], 1),
        "p95_ms": round(ms[1], 1),
        "clips_per_s": round(sum(sizes) / seconds.sum(), 2),
        "ms_per_clip": round(seconds.sum() / sum(sizes) * 1000, 1),
        "cpu_s_per_clip": round(sum(run["cpu_s"] for run in runs) / sum(sizes), 4),
    }


def replay(before: dict, after: dict, seed: int) -> list[int]:
    """The sizes of the batches the server formed between two /health answers, in a shuffled order."""
    counts = {int(n): k - before["batch_sizes"].get(n, 0) for n, k in after["batch_sizes"].items()}
    sizes = [n for n, k in counts.items() for _ in range(k)]
    return [int(n) for n in np.random.default_rng(seed).permutation(sizes)]


def measure_level(
    url: str, server_pid: int, alone: ModelAlone, concurrency: int, index: int, frames: int, size: int, args
) -> dict:
    """`args.rounds` rounds of `args.requests` requests from `concurrency` clients, each round followed
    by the model alone on as many fresh clips in batches of exactly the sizes the server formed in that
    round: alternating keeps both sides under the same background load of a shared machine."""
    per_round = args.requests * args.clips_per_request
    bodies = request_bodies(index, args.requests * args.rounds, args.clips_per_request, frames, size)
    warmup = request_bodies(500 + index, concurrency, args.clips_per_request, frames, size)
    latencies, codes, rounds, alone_runs = [], [], [], []
    wall = client_cpu = server_cpu = busy = 0.0
    batches = served = 0
    for r in range(args.rounds):
        chunk = bodies[r * args.requests : (r + 1) * args.requests]
        out = asyncio.run(load(url, chunk, concurrency, warmup, server_pid))
        before, after = out["before"], out["after"]
        round_batches = after["batches"] - before["batches"]
        round_batch = (after["clips"] - before["clips"]) / max(round_batches, 1)
        latencies += out["latencies"]
        codes += out["codes"]
        wall += out["wall"]
        client_cpu += out["client_cpu"]
        server_cpu += out["server_cpu"]
        busy += after["model_busy_s"] - before["model_busy_s"]
        batches += round_batches
        served += after["clips"] - before["clips"]
        run = alone.time(replay(before, after, r), 1_000 * (index + 1) + r)
        alone_runs.append(run)
        alone_clips_per_s = sum(run["batches"]) / sum(run["seconds"])
        rounds.append(
            {
                "clips_per_s": round(per_round / out["wall"], 2),
                "mean_batch_clips": round(round_batch, 2),
                "model_alone_clips_per_s": round(alone_clips_per_s, 2),
                "clips_per_s_vs_model_alone": round(per_round / out["wall"] / alone_clips_per_s, 2),
            }
        )
    requests, clips = args.requests * args.rounds, per_round * args.rounds
    ms = np.percentile(np.asarray(latencies) * 1000, [50, 95, 99])
    model = summarise_alone(alone_runs)
    return {
        "concurrency": concurrency,
        "requests": requests,
        "answered_200": codes.count(200),
        "other_status": sorted(set(codes) - {200}),
        "req_per_s": round(requests / wall, 2),
        "clips_per_s": round(clips / wall, 2),
        "p50_ms": round(ms[0], 1),
        "p95_ms": round(ms[1], 1),
        "p99_ms": round(ms[2], 1),
        "mean_batch_clips": round(served / max(batches, 1), 2),
        "client_cpu_s_per_request": round(client_cpu / requests, 4),
        "client_cores_busy": round(client_cpu / wall, 2),
        "server_cpu_s_per_clip": round(server_cpu / clips, 4),
        # time the server spent inside RewardModel.scores: how busy it kept the model, and how fast the
        # model ran there (compare model_alone's ms_per_clip)
        "model_busy_fraction": round(busy / wall, 2),
        "model_ms_per_clip_in_server": round(busy / clips * 1000, 1),
        "model_alone": model,
        "p50_vs_model_alone": round(ms[0] / model["p50_ms"], 2),
        "clips_per_s_vs_model_alone": round(clips / wall / model["clips_per_s"], 2),
        # CPU seconds a clip, model alone / server: what the server costs beyond the model, in a figure
        # that the machine's background load moves much less than wall-clock ratios
        "cpu_vs_model_alone": round(model["cpu_s_per_clip"] / (server_cpu / clips), 2),
        "rounds": rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--requests", type=int, default=64, help="requests per round of a level")
    parser.add_argument("--rounds", type=int, default=3, help="server/model-alone alternations a level")
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument("--clips-per-request", type=int, default=1)
    parser.add_argument("--max-batch", type=int, default=32)
    parser.add_argument("--out", default="results/server_load.json")
    parser.add_argument("--speed-section", default="server", help="section of results/speed.json ('' skips)")
    args = parser.parse_args()

    load_before = round(os.getloadavg()[0], 2)
    port = free_port()
    url = f"http://{HOST}:{port}"
    server = start_server(args.checkpoint, port, args.max_batch)
    alone = None
    try:
        info = wait_healthy(url)
        size, frames = info["model"]["image_size"], info["model"]["num_frames"]
        alone = ModelAlone(args.checkpoint)
        asyncio.run(load(url, request_bodies(100_000, 8, args.clips_per_request, frames, size), 2))  # warm-up
        alone.time([args.clips_per_request] * 4 + [min(16, args.max_batch)] * 2, 100_001)
        levels = []
        for index, concurrency in enumerate(map(int, args.concurrency.split(","))):
            levels.append(measure_level(url, server.pid, alone, concurrency, index, frames, size, args))
            print(json.dumps(levels[-1]), flush=True)
        healthy = httpx.get(f"{url}/health").json()["status"] == "ok"
    finally:  # both children end whatever happened (they run in sessions of their own)
        for process in (server, alone and alone.process):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
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
            "torch_threads": alone.info["torch_threads"],
            "load_average_1min_before": load_before,
            "load_average_1min_after": round(os.getloadavg()[0], 2),
            "platform": platform.platform(),
        },
        "levels": levels,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"all answered: {report['all_answered']}, healthy after: {healthy}")
    if args.speed_section:
        record_speed(args.speed_section, report)


def record_speed(section: str, report: dict) -> None:
    """The "server" section of results/speed.json: per level, server vs model alone, and the goals."""
    from speed_results import record

    levels = {str(level["concurrency"]): level for level in report["levels"]}
    one, many = levels.get("1"), levels.get(str(max(map(int, levels))))
    goals: dict[str, dict] = {}
    if one is not None:
        goals["p50_1_client_vs_model_alone"] = {
            "measured": one["p50_vs_model_alone"],
            "at_most": 1.5,
            "met": bool(one["p50_vs_model_alone"] <= 1.5),
        }
    if many is not None and many is not one:
        goals[f"clips_per_s_{many['concurrency']}_clients_vs_model_alone"] = {
            "measured": many["clips_per_s_vs_model_alone"],
            "at_least": 0.7,
            "met": bool(
                many["clips_per_s_vs_model_alone"] >= 0.7 and many["answered_200"] == many["requests"]
            ),
        }
    figures = {
        "what": (
            "POST /score on loopback, one fresh 8-frame 64x64 clip a request, from N concurrent keep-alive "
            "clients; the model alone (RewardModel.scores in a child process of the same kind) timed after "
            "each round of a level on as many fresh clips, in batches of exactly the sizes the server "
            "formed. The client shares the machine's cores with the server (client_cores_busy); server "
            "and model-alone processes each run in a session (scheduler autogroup) of their own."
        ),
        "command": "python benchmarks/server_load.py CHECKPOINT " + " ".join(sys.argv[2:]),
        "clip_shape": report["clip_shape"],
        "load_average_1min_after": report["machine"]["load_average_1min_after"],
        "torch_threads": report["machine"]["torch_threads"],
        "all_answered": report["all_answered"],
        "goals": goals,
        "levels": [
            {
                key: level[key]
                for key in (
                    "concurrency",
                    "requests",
                    "answered_200",
                    "req_per_s",
                    "clips_per_s",
                    "p50_ms",
                    "p95_ms",
                    "mean_batch_clips",
                    "client_cores_busy",
                    "server_cpu_s_per_clip",
                    "model_busy_fraction",
                    "model_ms_per_clip_in_server",
                    "model_alone",
                    "p50_vs_model_alone",
                    "clips_per_s_vs_model_alone",
                    "cpu_vs_model_alone",
                    "rounds",
                )
            }
            for level in report["levels"]
        ],
    }
    print(f"wrote section {section!r} of {record(section, figures)}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == WORKER_FLAG:
        model_worker(sys.argv[2])
    else:
        main()
