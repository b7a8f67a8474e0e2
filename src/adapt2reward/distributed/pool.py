"""`parallel_map`: run independent jobs (clips to record, episodes to plan) on local processes (the
default) or Ray (`ray_backend`, an optional extra).

Results come back as they finish (unordered). Local workers are spawned, not forked: each process then
owns its own OSMesa renderer, and a forked GL context is not safe.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable, Iterable, Iterator
from typing import Any

BACKENDS = ("local", "ray")


def parallel_map(
    fn: Callable[[Any], Any], items: Iterable[Any], workers: int = 1, backend: str = "local"
) -> Iterator[Any]:
    """Yield `fn(item)` for every item, in completion order; `workers <= 1` runs in this process."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; available: {BACKENDS}")
    items = list(items)
    if workers <= 1:
        yield from map(fn, items)
        return
    if backend == "ray":
        from adapt2reward.distributed.ray_backend import ray_map

        yield from ray_map(fn, items, workers)
        return
    pool = mp.get_context("spawn").Pool(workers, maxtasksperchild=200)
    try:
        yield from pool.imap_unordered(fn, items, chunksize=max(1, min(4, len(items) // (4 * workers))))
        pool.close()  # workers exit after the last job: nothing is left for the interpreter to clean up
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
