"""The reward server: answers equal `RewardModel`, concurrent requests batch, bad input gets 4xx reasons."""

import asyncio
import base64
import time

import httpx
import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient

from adapt2reward.reward.reward_model import RewardModel
from adapt2reward.serving import Limits, create_app, encode_clip, serve

TOKEN = "s3cret"


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


def test_clips_of_other_lengths_and_sizes_are_resampled_like_the_model_does(client, model):
    clip = np.random.default_rng(1).integers(0, 256, (1, 10, 96, 80, 3), dtype=np.uint8)
    out = client.post("/score", json={"clips": [encode_clip(clip[0])], "instructions": ["push it"]}).json()
    assert out["rewards"] == pytest.approx(model.reward(clip, "push it").tolist(), abs=1e-5)


def test_concurrent_requests_are_batched_and_all_answered(model, clips):
    async def run():
        app = create_app(model, max_batch=8, max_queue=32)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://test") as http,
        ):
            body = {"clips": [encode_clip(clips[0])], "instructions": "close the drawer"}
            responses = await asyncio.gather(*(http.post("/score", json=body) for _ in range(12)))
            return responses, (await http.get("/health")).json()

    responses, health = asyncio.run(run())
    assert [r.status_code for r in responses] == [200] * 12
    rewards = [r.json()["rewards"][0] for r in responses]
    assert rewards == pytest.approx([rewards[0]] * 12, abs=1e-5)  # batch size changes only float rounding
    assert health["clips"] == 12 and health["batches"] < 12  # several requests shared a batch


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
        (b'{"clips": ["' + b"A" * 2**20 + b'"], "instructions": "a"}', 413, "exceeds the limit"),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_the_server_stays_healthy(client, body, status, reason):
    response = client.post("/score", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status and reason in response.json()["detail"]
    assert client.get("/health").json()["status"] == "ok"


class SlowModel(RewardModel):
    def reward(self, *args, **kwargs):
        time.sleep(0.3)  # holds the worker, so that requests pile up in the queue
        return super().reward(*args, **kwargs)


def test_a_full_queue_answers_503(model, clips):
    async def run():
        app = create_app(SlowModel(model.model), max_batch=1, max_queue=1)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://test") as http,
        ):
            body = {"clips": [encode_clip(clips[0])], "instructions": "close the drawer"}
            return await asyncio.gather(*(http.post("/score", json=body) for _ in range(6)))

    codes = [r.status_code for r in asyncio.run(run())]
    assert 503 in codes and 200 in codes and set(codes) <= {200, 503}


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


def test_encode_clip_round_trips(clips):
    encoded = encode_clip(clips[0])
    raw = base64.b64decode(encoded["data"])
    assert np.array_equal(np.frombuffer(raw, np.uint8).reshape(encoded["shape"]), clips[0])
