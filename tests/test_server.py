"""The reward server: answers equal `RewardModel`, concurrent requests batch, bad input gets 4xx reasons.

No test depends on timing: where a test needs the model busy, a `GatedModel` holds the scoring thread
on an event the test releases, and the test waits for states (a request inside the model, N queued),
never for a duration. `WAIT_S` only keeps a broken server from hanging the suite.
"""

import asyncio
import base64
import os
import threading

import httpx
import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient

from adapt2reward.reward.ensemble import EnsembleReward
from adapt2reward.reward.protocol import LearnedReward
from adapt2reward.reward.reward_model import RewardModel
from adapt2reward.serving import Limits, create_app, encode_clip, serve
from adapt2reward.serving.batcher import Batcher
from adapt2reward.serving.server import default_threads

TOKEN = "s3cret"
WAIT_S = 120  # a guard against hangs, not a timing assumption


class GatedModel(RewardModel):
    """A reward model whose `scores` records each batch's size, then waits until the test releases it."""

    def __init__(self, model: RewardModel) -> None:
        super().__init__(model.model)
        self.entered, self.release = threading.Event(), threading.Event()
        self.batch_sizes: list[int] = []

    def scores(self, clips, instructions, *args, **kwargs):
        self.batch_sizes.append(len(clips))
        self.entered.set()
        assert self.release.wait(WAIT_S)
        return super().scores(clips, instructions, *args, **kwargs)


def run_app(app, session) -> object:
    """Run `await session(http)` against `app` (lifespan included) in one event loop, in-process."""

    async def main():
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://test") as http,
        ):
            return await session(http)

    return asyncio.run(asyncio.wait_for(main(), WAIT_S))


async def wait_queued(http: httpx.AsyncClient, n: int) -> None:
    """Wait (yielding to the event loop, however long it takes) until `n` requests wait for the model."""
    while (await http.get("/health")).json()["queue"] < n:
        await asyncio.sleep(0.001)


@pytest.fixture(scope="module")
def model(tiny_model):
    return tiny_model


@pytest.fixture(scope="module")
def clips():
    return np.random.default_rng(0).integers(0, 256, (3, 6, 64, 64, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def client(model):
    app = create_app(
        model,
        max_batch=4,
        max_queue=8,
        max_body_bytes=2**20,
        limits=Limits(max_clips=4, max_frames=16, max_side=128),
    )
    with TestClient(app) as client:
        yield client


def test_scores_equal_the_reward_model_in_both_encodings(client, model, clips):
    texts = ["close the drawer", "open the drawer", "press the button"]
    nested = {"clips": [clips[0].tolist()], "instructions": texts[0]}
    encoded = {"clips": [encode_clip(c) for c in clips], "instructions": texts}
    expected = model.reward(clips, texts)
    for body, n in ((nested, 1), (encoded, 3)):
        response = client.post("/score", json=body)
        assert response.status_code == 200, response.text
        out = response.json()
        assert torch.allclose(torch.tensor(out["rewards"]), expected[:n], atol=1e-5)
        probs = model.success_probability(clips[:n], texts[:n])
        assert torch.allclose(torch.tensor(out["success_probabilities"]), probs, atol=1e-5)


@pytest.mark.parametrize("shape", [(10, 96, 80, 3), (4, 64, 64, 3), (4, 64, 64, 3, 2)])
def test_clips_of_any_length_and_size_are_resampled_like_the_model_does(client, model, shape):
    """Another length and size; the tiny model's own shape (taken as it is); two clips of its shape."""
    clips = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    clips = np.moveaxis(clips, -1, 0) if len(shape) == 5 else clips[None]
    body = {"clips": [encode_clip(c) for c in clips], "instructions": "push it"}
    out = client.post("/score", json=body).json()
    assert out["rewards"] == pytest.approx(model.reward(clips, "push it").tolist(), abs=1e-5)


def test_concurrent_requests_are_batched_and_all_answered(model, clips):
    """One request holds the model; the 11 that arrive meanwhile are scored in batches of <= max_batch."""
    gated = GatedModel(model)
    body = {"clips": [encode_clip(clips[0])], "instructions": "close the drawer"}

    async def session(http):
        first = asyncio.create_task(http.post("/score", json=body))
        assert await asyncio.to_thread(gated.entered.wait, WAIT_S)
        rest = [asyncio.create_task(http.post("/score", json=body)) for _ in range(11)]
        await wait_queued(http, 11)
        gated.release.set()
        return [await first, *[await r for r in rest]], (await http.get("/health")).json()

    responses, health = run_app(create_app(gated, max_batch=8, max_queue=32), session)
    assert [r.status_code for r in responses] == [200] * 12
    rewards = [r.json()["rewards"][0] for r in responses]
    assert rewards == pytest.approx([rewards[0]] * 12, abs=1e-5)  # batch size changes only float rounding
    assert rewards[0] == pytest.approx(model.reward(clips[:1], "close the drawer").item(), abs=1e-5)
    assert gated.batch_sizes == [1, 8, 3]  # the 11 waiting requests filled batches of max_batch=8
    assert health["clips"] == 12 and health["batches"] == 3 and health["queue"] == 0
    assert health["model_busy_s"] > 0 and health["batch_sizes"] == {"1": 1, "3": 1, "8": 1}


@pytest.mark.parametrize(
    "body,status,reason",
    [
        (b"{not json", 400, "not valid JSON"),
        (b'["a list"]', 422, "exactly the keys"),
        (b'{"clips": [], "instructions": []}', 422, "non-empty list"),
        (b'{"clips": [[[[[1,2,3]]]]], "instructions": ["a", "b"]}', 422, "2 instructions for 1 clips"),
        (b'{"clips": [[[[[1,2,3]]]]], "instructions": [" "]}', 422, "non-empty"),
        (b'{"clips": [[[[[1,2,300]]]]], "instructions": "a"}', 422, "0..255"),
        (b'{"clips": [[[[[1.5,2,3]]]]], "instructions": "a"}', 422, "0..255"),
        (b'{"clips": [[[[1,2,3]]]], "instructions": "a"}', 422, "shape must be"),
        (b'{"clips": [[[[[1,2,3]]], [[[1]]]]], "instructions": "a"}', 422, "ragged"),
        (b'{"clips": [{"shape": [1,1,1,3], "data": "!!"}], "instructions": "a"}', 422, "base64"),
        (b'{"clips": [{"shape": [1,1,2,3], "data": "AAAA"}], "instructions": "a"}', 422, "do not fill"),
        (b'{"clips": [{"shape": [1,1,1,3]}], "instructions": "a"}', 422, "encoded clip"),
        (b'{"clips": [7], "instructions": "a"}', 422, "got int"),
        (b'{"clips": [{"shape": [99,8,8,3], "data": ""}], "instructions": "a"}', 413, "exceeds the limits"),
        (b'{"clips": [[], [], [], [], []], "instructions": "a"}', 413, "limit of 4 per request"),
        pytest.param(
            b'{"clips": ["' + b"A" * 2**20 + b'"], "instructions": "a"}', 413, "exceeds the limit", id="1MiB"
        ),
        pytest.param(
            b'{"clips": [[[[[1,2,3]]]]], "instructions": "' + b"a" * 1001 + b'"}',
            413,
            "limit of 1000 characters",
            id="1001-char-instruction",
        ),
        (b'{"clips": [[[[[1,2,3]]]]], "instructions": ["\\ud800 close"]}', 422, "not valid Unicode"),
        pytest.param(
            b'{"clips": [[[[[1' + b"1" * 5000 + b',2,3]]]]], "instructions": "a"}',
            400,
            "number too long",
            id="5001-digit-number",
        ),
        pytest.param(b"[" * 200_000 + b"]" * 200_000, 400, "nested too deeply", id="nested-200000-deep"),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_the_server_stays_healthy(client, body, status, reason):
    response = client.post("/score", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status and reason in response.json()["detail"]
    assert client.get("/health").json()["status"] == "ok"


def test_a_full_queue_answers_503_and_the_queued_requests_are_still_answered(model, clips):
    gated = GatedModel(model)
    body = {"clips": [encode_clip(clips[0])], "instructions": "close the drawer"}

    async def session(http):
        scoring = asyncio.create_task(http.post("/score", json=body))
        assert await asyncio.to_thread(gated.entered.wait, WAIT_S)  # the model holds request 1
        waiting = asyncio.create_task(http.post("/score", json=body))
        await wait_queued(http, 1)  # request 2 fills the queue of 1
        refused = await http.post("/score", json=body)
        gated.release.set()
        return refused, await scoring, await waiting, (await http.get("/health")).json()

    refused, scoring, waiting, health = run_app(create_app(gated, max_batch=1, max_queue=1), session)
    assert refused.status_code == 503 and "1 requests already queued" in refused.json()["detail"]
    assert scoring.status_code == 200 and waiting.status_code == 200
    assert health["clips"] == 2 and health["queue"] == 0


def test_a_request_whose_client_went_away_is_not_scored():
    entered, release, calls = threading.Event(), threading.Event(), []

    def score(video, texts):
        calls.append(list(texts))
        entered.set()
        assert release.wait(WAIT_S)
        return [0.5] * len(texts), [0.25] * len(texts)

    async def session():
        batcher = Batcher(score, max_batch=4, max_queue=4)
        batcher.start()
        first = asyncio.create_task(batcher.submit(torch.zeros(1, 2), ["first"]))
        assert await asyncio.to_thread(entered.wait, WAIT_S)
        gone = asyncio.create_task(batcher.submit(torch.zeros(1, 2), ["gone"]))
        kept = asyncio.create_task(batcher.submit(torch.zeros(2, 2), ["kept", "kept too"]))
        while batcher.queued < 2:
            await asyncio.sleep(0.001)
        gone.cancel()
        release.set()
        results = await first, await kept
        await batcher.stop()
        return results, gone.cancelled()

    (first, kept), gone_cancelled = asyncio.run(asyncio.wait_for(session(), WAIT_S))
    assert gone_cancelled and calls == [["first"], ["kept", "kept too"]]
    assert first == ([0.5], [0.25]) and kept == ([0.5, 0.5], [0.25, 0.25])


def test_stopping_finishes_the_running_batch_and_fails_the_waiting_requests():
    entered, release = threading.Event(), threading.Event()

    def score(video, texts):
        entered.set()
        assert release.wait(WAIT_S)
        return [1.0] * len(texts), [0.5] * len(texts)

    async def session():
        batcher = Batcher(score, max_batch=1, max_queue=4)
        batcher.start()
        running = asyncio.create_task(batcher.submit(torch.zeros(1, 2), ["running"]))
        assert await asyncio.to_thread(entered.wait, WAIT_S)
        waiting = asyncio.create_task(batcher.submit(torch.zeros(1, 2), ["waiting"]))
        while batcher.queued < 1:
            await asyncio.sleep(0.001)
        stopping = asyncio.create_task(batcher.stop())
        with pytest.raises(RuntimeError, match="shutting down"):
            await waiting
        release.set()
        await stopping
        return await running

    assert asyncio.run(asyncio.wait_for(session(), WAIT_S)) == ([1.0], [0.5])


def test_the_scoring_thread_sets_torch_threads():
    before = torch.get_num_threads()
    wanted = 2 if before == 1 else 1
    seen = []

    def score(video, texts):
        seen.append(torch.get_num_threads())
        return [0.0] * len(texts), [0.0] * len(texts)

    async def session():
        batcher = Batcher(score, max_batch=2, max_queue=2, threads=wanted)
        batcher.start()
        try:
            return await batcher.submit(torch.zeros(2, 2), ["a", "b"])
        finally:
            await batcher.stop()

    try:
        out = asyncio.run(asyncio.wait_for(session(), WAIT_S))
    finally:
        torch.set_num_threads(before)
    assert seen == [wanted] and out == ([0.0, 0.0], [0.0, 0.0])


class FailingModel(RewardModel):
    def scores(self, clips, instructions, *args, **kwargs):
        if "explode" in instructions:
            raise RuntimeError("the model broke")
        return super().scores(clips, instructions, *args, **kwargs)


def test_a_model_failure_answers_500_and_the_server_keeps_scoring(model, clips):
    body = {"clips": [encode_clip(clips[0])], "instructions": "explode"}
    with TestClient(create_app(FailingModel(model.model), max_batch=4)) as client:
        failed = client.post("/score", json=body)
        assert failed.status_code == 500 and "RuntimeError: the model broke" in failed.json()["detail"]
        ok = client.post("/score", json=dict(body, instructions="close the drawer"))
        assert ok.status_code == 200 and len(ok.json()["rewards"]) == 1
        assert client.get("/health").json()["status"] == "ok"


class _NoSuccessHead(LearnedReward):
    """A reward with no success head (as the baselines have none), around another model's reward."""

    def __init__(self, model):
        self.model, self.num_frames, self.image_size = model, model.num_frames, model.image_size

    def reward(self, clips, instructions):
        return self.model.reward(clips, instructions)


def test_an_ensemble_serves_and_a_reward_without_a_success_head_answers_null(model, clips):
    ensemble = EnsembleReward([model, _NoSuccessHead(model)])  # two equal members: the model's reward
    body = {"clips": [encode_clip(c) for c in clips], "instructions": "close the drawer"}
    with TestClient(create_app(ensemble)) as client:
        out = client.post("/score", json=body).json()
        health = client.get("/health").json()
    assert torch.allclose(torch.tensor(out["rewards"]), model.reward(clips, "close the drawer"), atol=1e-5)
    assert out["success_probabilities"] is None
    described = health["model"]
    assert described["kind"] == "ensemble" and described["image_size"] == model.image_size
    assert [m["kind"] for m in described["members"]] == ["adapt2reward", "_NoSuccessHead"]


def test_token_guards_scoring_and_a_public_bind_needs_one(model, clips, monkeypatch):
    body = {"clips": [encode_clip(clips[0])], "instructions": "close the drawer"}
    with TestClient(create_app(model, token=TOKEN)) as client:
        assert client.post("/score", json=body).status_code == 401
        wrong = client.post("/score", json=body, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and "token" in wrong.json()["detail"]
        ok = client.post("/score", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200
    monkeypatch.delenv("A2R_SERVE_TOKEN", raising=False)
    with pytest.raises(ValueError, match="without a token"):
        serve("no-checkpoint-needed-to-refuse", host="0.0.0.0")


def test_serve_leaves_a_core_to_the_event_loop_unless_omp_threads_are_set(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert default_threads() is None  # torch already follows $OMP_NUM_THREADS
    monkeypatch.delenv("OMP_NUM_THREADS")
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 8)
    assert default_threads() == 7
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert default_threads() == 1


def test_encode_clip_round_trips(clips):
    encoded = encode_clip(clips[0])
    raw = base64.b64decode(encoded["data"])
    assert np.array_equal(np.frombuffer(raw, np.uint8).reshape(encoded["shape"]), clips[0])
