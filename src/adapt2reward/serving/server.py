"""The reward server: a FastAPI app that scores clips with a `RewardModel`, and `serve` to run it.

POST /score takes the JSON of `adapt2reward.serving.codec` and answers
`{"rewards": [...], "success_probabilities": [...]}`, one value per clip. Concurrent requests are
batched (`Batcher`). Refusals carry `{"detail": reason}`: 400 bad JSON, 401 missing or wrong token,
413 body, clip count or clip size over the limits, 422 invalid content, 503 queue full, 500 model error.
GET /health reports the model and the queue. A bearer token, when set, guards /score; binding to a
non-loopback address without one is refused.
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

from adapt2reward.reward.reward_model import RewardModel
from adapt2reward.serving.batcher import Batcher
from adapt2reward.serving.codec import Limits, RequestError, parse_request

TOKEN_ENV = "A2R_SERVE_TOKEN"


def _score(model: RewardModel, video: torch.Tensor, texts: list[str]) -> tuple[list[float], list[float]]:
    reward, probability = model.scores(video, texts)
    return reward.tolist(), probability.tolist()


async def _read_body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise RequestError(413, f"body of {declared} bytes exceeds the limit of {max_bytes}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise RequestError(413, f"body exceeds the limit of {max_bytes} bytes")
    return bytes(body)


def create_app(
    reward_model: RewardModel,
    token: str | None = None,
    max_batch: int = 32,
    max_queue: int = 64,
    max_body_bytes: int = 64 * 2**20,
    limits: Limits | None = None,
) -> FastAPI:
    """The app around a loaded model; `limits.max_clips` is capped at `max_batch`."""
    limits = limits or Limits(max_clips=max_batch)
    if limits.max_clips > max_batch:
        raise ValueError(f"limits.max_clips={limits.max_clips} must be <= max_batch={max_batch}")
    batcher = Batcher(lambda video, texts: _score(reward_model, video, texts), max_batch, max_queue)

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
            "queue": batcher.queue.qsize(),
            "max_queue": batcher.queue.maxsize,
            "max_batch": max_batch,
            "batches": batcher.batches,
            "clips": batcher.clips,
        }

    @app.post("/score")
    async def score(request: Request) -> dict[str, list[float]]:
        if token is not None:
            given = request.headers.get("authorization", "")
            if not secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
                raise RequestError(401, "missing or wrong bearer token")
        body = await _read_body(request, max_body_bytes)
        parsed = await run_in_threadpool(
            parse_request, body, reward_model.num_frames, reward_model.image_size, limits
        )
        try:
            rewards, probs = await batcher.submit(parsed.video, parsed.instructions)
        except asyncio.QueueFull:
            raise RequestError(503, f"server busy: {batcher.queue.maxsize} requests already queued") from None
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
) -> None:
    """Load `checkpoint` and serve it until interrupted. The token falls back to $A2R_SERVE_TOKEN;
    a host other than loopback needs one."""
    import uvicorn

    token = token or os.environ.get(TOKEN_ENV) or None
    if token is None and not is_loopback(host):
        raise ValueError(
            f"refusing to serve on {host!r} without a token: pass token= (or set ${TOKEN_ENV}), "
            "or bind to 127.0.0.1"
        )
    app = create_app(RewardModel.load(checkpoint), token, max_batch, max_queue)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
