"""`Batcher`: gather concurrent requests into model batches, scored on one dedicated thread.

Handlers `submit` a request's clips and await its scores. One scoring thread takes every request
waiting (up to `max_batch` clips, first come first served), runs the model once, hands each request
its share through the event loop, and goes straight on to the next batch. While the model runs, new
requests queue up, so batches grow with load without any added wait; and since the thread never waits
for the event loop between batches, a busy loop (parsing, answering) does not leave the model idle.
The queue is bounded: a request that finds `max_queue` requests waiting raises `asyncio.QueueFull`
at once (the server answers 503) instead of letting latency grow without bound.

The scoring thread sets torch's intra-op threads (`threads`) itself before its first batch: the
model's threads and the event loop share the machine's cores.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

import torch

ScoreFn = Callable[[torch.Tensor, list[str]], tuple[list[float], list[float]]]


@dataclass
class _Job:
    video: torch.Tensor
    instructions: list[str]
    future: asyncio.Future


class Batcher:
    """Runs `score(video, instructions) -> (rewards, success_probabilities)` on batched requests."""

    def __init__(self, score: ScoreFn, max_batch: int, max_queue: int, threads: int | None = None) -> None:
        if max_batch < 1 or max_queue < 1:
            raise ValueError(f"max_batch and max_queue must be >= 1, got {max_batch} and {max_queue}")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        self.score, self.max_batch, self.max_queue, self.threads = score, max_batch, max_queue, threads
        self._pending: deque[_Job] = deque()
        self._ready = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.batches = self.clips = 0
        self.busy_s = 0.0  # seconds spent in `score`: how busy the batcher keeps the model
        self.batch_sizes: Counter[int] = Counter()  # clips a batch -> batches scored

    @property
    def queued(self) -> int:
        """Requests waiting for the model (not counting the batch it is scoring)."""
        return len(self._pending)

    def start(self) -> None:
        """Start the scoring thread; call from the event loop that will `submit`."""
        self._loop = asyncio.get_running_loop()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="a2r-scorer", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        """Let the batch in progress finish, fail the requests still waiting, and end the thread."""
        with self._ready:
            self._stopping = True
            left = list(self._pending)
            self._pending.clear()
            self._ready.notify()
        for job in left:
            if not job.future.done():
                job.future.set_exception(RuntimeError("the server is shutting down"))
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join)
            self._thread = None

    async def submit(
        self, video: torch.Tensor, instructions: list[str]
    ) -> tuple[list[float], list[float] | None]:
        """Scores of one request's clips (at most `max_batch`); raises `asyncio.QueueFull` when full."""
        if len(video) > self.max_batch:
            raise ValueError(f"{len(video)} clips exceed max_batch={self.max_batch}")
        if self._thread is None:
            raise RuntimeError("the batcher is not running: call start() first")
        job = _Job(video, instructions, asyncio.get_running_loop().create_future())
        with self._ready:
            if len(self._pending) >= self.max_queue:
                raise asyncio.QueueFull
            self._pending.append(job)
            self._ready.notify()
        return await job.future

    # The scoring thread ----------------------------------------------------------------------------
    def _next_batch(self) -> list[_Job] | None:
        """Every waiting request that fits in `max_batch` clips (at least one); None when stopping."""
        with self._ready:
            while not self._pending and not self._stopping:
                self._ready.wait()
            if self._stopping:
                return None
            jobs = [self._pending.popleft()]
            size = len(jobs[0].video)
            while self._pending and size + len(self._pending[0].video) <= self.max_batch:
                job = self._pending.popleft()
                jobs.append(job)
                size += len(job.video)
        # A client that went away leaves a cancelled future: its clips are not scored.
        return [job for job in jobs if not job.future.cancelled()]

    def _run(self) -> None:
        if self.threads is not None:
            torch.set_num_threads(self.threads)
        while (jobs := self._next_batch()) is not None:
            if not jobs:
                continue
            start = time.perf_counter()
            try:
                video = jobs[0].video if len(jobs) == 1 else torch.cat([job.video for job in jobs])
                instructions = [text for job in jobs for text in job.instructions]
                outcome: tuple | BaseException = self.score(video, instructions)
            except Exception as e:  # a model failure fails this batch's requests, not the thread
                outcome = e
            else:
                self.batches, self.clips = self.batches + 1, self.clips + len(video)
                self.batch_sizes[len(video)] += 1
            self.busy_s += time.perf_counter() - start
            try:
                self._loop.call_soon_threadsafe(_deliver, jobs, outcome)
            except RuntimeError:  # the event loop is closed: nobody is waiting any more
                return


def _deliver(jobs: list[_Job], outcome: tuple[list[float], list[float] | None] | BaseException) -> None:
    """On the event loop: each request's share of the batch's scores (probabilities None when the model
    has no success head), or the batch's error."""
    start = 0
    for job in jobs:
        end = start + len(job.video)
        if not job.future.done():  # a client that went away leaves a cancelled future
            if isinstance(outcome, BaseException):
                job.future.set_exception(outcome)
            else:
                rewards, probabilities = outcome
                share = None if probabilities is None else probabilities[start:end]
                job.future.set_result((rewards[start:end], share))
        start = end
