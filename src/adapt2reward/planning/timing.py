"""`CpuClock`: CPU seconds of an episode split into its parts, so the next bottleneck is visible."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

# The parts of an episode's cost; "plan" is the rest (the search itself, plan decoding, bookkeeping).
PARTS = ("simulate", "render", "reward", "plan")


class CpuClock:
    """Accumulates process CPU time (all threads, the renderer's included) per named part."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self._started = time.process_time()

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        start = time.process_time()
        try:
            yield
        finally:
            self.seconds[name] += time.process_time() - start

    def split(self) -> dict[str, float]:
        """Seconds per part of `PARTS` since the clock started; "plan" takes what the others did not."""
        total = time.process_time() - self._started
        measured = {p: self.seconds.get(p, 0.0) for p in PARTS[:-1]}
        return {**measured, "plan": max(0.0, total - sum(measured.values()))}
