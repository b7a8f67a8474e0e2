"""`Batcher`: gather concurrent requests into model batches, on a bounded asyncio queue.

Handlers `submit` a request's clips and await its scores; one worker task takes every request waiting
(up to `max_batch` clips), runs the model once in a thread, and hands each request its share. While the
model runs, new requests queue up, so batches grow with load without any added wait. A full queue
raises `asyncio.QueueFull` at once (the server answers 503) instead of letting latency grow unbounded.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

ScoreFn = Callable[[torch.Tensor, list[str]], tuple[list[float], list[float]]]


@dataclass
class _Job:
    video: torch.Tensor
    instructions: list[str]
    future: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class Batcher:
    """Runs `score(video, instructions) -> (rewards, success_probabilities)` on batched requests."""

    def __init__(self, score: ScoreFn, max_batch: int, max_queue: int) -> None:
        if max_batch < 1 or max_queue < 1:
            raise ValueError(f"max_batch and max_queue must be >= 1, got {max_batch} and {max_queue}")
        self.score, self.max_batch = score, max_batch
        self.queue: asyncio.Queue[_Job] = asyncio.Queue(max_queue)
        self._held: _Job | None = None  # taken from the queue but did not fit the last batch
        self._worker: asyncio.Task | None = None
        self.batches = self.clips = 0

    def start(self) -> None:
        self._worker = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    async def submit(self, video: torch.Tensor, instructions: list[str]) -> tuple[list[float], list[float]]:
        """Scores of one request's clips (at most `max_batch`); raises `asyncio.QueueFull` when full."""
        if len(video) > self.max_batch:
            raise ValueError(f"{len(video)} clips exceed max_batch={self.max_batch}")
        job = _Job(video, instructions)
        self.queue.put_nowait(job)
        return await job.future

    async def _next_batch(self) -> list[_Job]:
        jobs = [self._held or await self.queue.get()]
        self._held, size = None, len(jobs[0].video)
        while not self.queue.empty():
            job = self.queue.get_nowait()
            if size + len(job.video) > self.max_batch:
                self._held = job
                break
            jobs.append(job)
            size += len(job.video)
        return jobs

    async def _run(self) -> None:
        while True:
            jobs = await self._next_batch()
            video = torch.cat([job.video for job in jobs])
            instructions = [text for job in jobs for text in job.instructions]
            try:
                rewards, probs = await asyncio.to_thread(self.score, video, instructions)
            except Exception as e:  # a model failure fails this batch's requests, not the server
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(e)
                continue
            self.batches, self.clips = self.batches + 1, self.clips + len(video)
            start = 0
            for job in jobs:
                end = start + len(job.video)
                if not job.future.done():  # a client that went away leaves a cancelled future
                    job.future.set_result((rewards[start:end], probs[start:end]))
                start = end
