"""The reward server: a FastAPI app that scores clips with a reward model, and `serve` to run it.

Any checkpoint folder serves: one Adapt2Reward model, an ensemble (`a2r ensemble`) or a trained baseline.
POST /score takes the JSON of `adapt2reward.serving.codec` and answers `{"rewards": [...],
"success_probabilities": [...]}`, one value per clip (`success_probabilities` is null for a reward
without a success head: a baseline, or an ensemble with such a member). Concurrent requests are batched
(`Batcher`). Refusals carry `{"detail": reason}`: 400 a body that does not parse as JSON (a number too
long to convert or nesting too deep included), 401 missing or wrong token, 413 body, clip count, clip
size or instruction length over the limits, 422 invalid content, 503 queue full, 500 model error.
GET /health reports the model and the queue. A bearer token, when set, guards /score; binding to a
non-loopback address without one is refused.

One process serves one model: uvicorn runs a single worker (more would each load the model and fight
for the same cores). Small bodies (one or a few base64 clips, about a millisecond) are parsed on the
event loop, larger ones in a thread so the loop keeps answering; the model runs on the batcher's own
thread, so parsing never waits behind it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import secrets
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import torch
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from adapt2reward.baselines import load_reward
from adapt2reward.reward.protocol import LearnedReward
from adapt2reward.serving.batcher import Batcher
from adapt2reward.serving.codec import Limits, RequestError, parse_request

TOKEN_ENV = "A2R_SERVE_TOKEN"


def _score(
    model: LearnedReward, video: torch.Tensor, texts: list[str]
) -> tuple[list[float], list[float] | None]:
    reward, *probability = model.scores(video, texts)
    return torch.as_tensor(reward).tolist(), (probability[0].tolist() if probability else None)


async def _read_body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise RequestError(413, f"body of {declared} bytes exceeds the limit of {max_bytes}")
    chunks, size = [], 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise RequestError(413, f"body exceeds the limit of {max_bytes} bytes")
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


# Bodies up to this size are parsed on the event loop: a 64x64 8-frame base64 clip is 131 kB and takes
# about 1 ms, less than the two thread hand-offs a thread pool adds on a loaded machine. Nested lists
# parse 20-30 times slower a byte, so this bounds what one request can hold the loop for (~10 ms).
PARSE_ON_LOOP_BYTES = 256 * 1024


def default_threads() -> int | None:
    """Torch threads for the scoring thread: $OMP_NUM_THREADS when set (None: leave torch as it is),
    otherwise every core but one, which the event loop needs to parse and answer requests."""
    if os.environ.get("OMP_NUM_THREADS"):
        return None
    return max(1, min(torch.get_num_threads(), (os.cpu_count() or 1) - 1))


def create_app(
    reward_model: LearnedReward,
    token: str | None = None,
    max_batch: int = 32,
    max_queue: int = 64,
    max_body_bytes: int = 64 * 2**20,
    limits: Limits | None = None,
    threads: int | None = None,
) -> FastAPI:
    """The app around a loaded model; `limits.max_clips` is capped at `max_batch`. `threads`: torch's
    intra-op threads, set by the scoring thread (None leaves torch's setting as it is)."""
    limits = limits or Limits(max_clips=max_batch)
    if limits.max_clips > max_batch:
        raise ValueError(f"limits.max_clips={limits.max_clips} must be <= max_batch={max_batch}")
    batcher = Batcher(
        lambda video, texts: _score(reward_model, video, texts), max_batch, max_queue, threads=threads
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(title="adapt2reward reward server", lifespan=lifespan)

    @app.exception_handler(RequestError)
    async def refuse(request: Request, e: RequestError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if e.status == 401 else None
        return JSONResponse({"detail": e.reason}, status_code=e.status, headers=headers)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "model": reward_model.describe(),
            "queue": batcher.queued,
            "max_queue": batcher.max_queue,
            "max_batch": max_batch,
            "batches": batcher.batches,
            "clips": batcher.clips,
            "model_busy_s": round(batcher.busy_s, 3),
            "batch_sizes": {str(size): n for size, n in sorted(batcher.batch_sizes.items())},
        }

    @app.post("/score")
    async def score(request: Request) -> dict[str, list[float] | None]:
        if token is not None:
            given = request.headers.get("authorization", "")
            if not secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
                raise RequestError(401, "missing or wrong bearer token")
        body = await _read_body(request, max_body_bytes)
        args = (body, reward_model.num_frames, reward_model.image_size, limits)
        if len(body) <= PARSE_ON_LOOP_BYTES:
            parsed = parse_request(*args)
        else:
            parsed = await run_in_threadpool(parse_request, *args)
        try:
            rewards, probs = await batcher.submit(parsed.video, parsed.instructions)
        except asyncio.QueueFull:
            raise RequestError(503, f"server busy: {batcher.max_queue} requests already queued") from None
        except Exception as e:
            raise RequestError(500, f"scoring failed: {type(e).__name__}: {e}") from None
        return {"rewards": rewards, "success_probabilities": probs}

    return app


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    checkpoint: str | Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    token: str | None = None,
    max_batch: int = 32,
    max_queue: int = 64,
    log_level: str = "info",
    threads: int | None = None,
    device: str = "cpu",
) -> None:
    """Load the reward `checkpoint` holds (on `device`) and serve it until interrupted. The token falls
    back to $A2R_SERVE_TOKEN; a host other than loopback needs one. `threads` defaults to
    `default_threads()`."""
    import uvicorn

    token = token or os.environ.get(TOKEN_ENV) or None
    if token is None and not is_loopback(host):
        raise ValueError(
            f"refusing to serve on {host!r} without a token: pass token= (or set ${TOKEN_ENV}), "
            "or bind to 127.0.0.1"
        )
    threads = threads or default_threads()
    model = load_reward(checkpoint, device)
    app = create_app(model, token, max_batch, max_queue, threads=threads)
    uvicorn.run(app, host=host, port=port, log_level=log_level, workers=1)
