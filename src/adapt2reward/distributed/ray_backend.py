"""The Ray backend of `parallel_map`: the same jobs as Ray tasks, on a local Ray instance or a cluster.

Uses the running Ray instance when there is one; otherwise connects to `$RAY_ADDRESS` when set, or
starts a local instance with `workers` CPUs (shut down again afterwards). At most `4 * workers` tasks are
in flight, so a long job list does not sit in the object store at once. Install with the `ray` extra.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any


def ray_map(fn: Callable[[Any], Any], items: list[Any], workers: int) -> Iterator[Any]:
    """Yield `fn(item)` for every item, in completion order, each as a one-CPU Ray task."""
    try:
        import ray
    except ModuleNotFoundError:
        raise ValueError("backend 'ray' needs Ray: pip install 'adapt2reward[ray]'") from None
    started = not ray.is_initialized()
    if started:
        local = {} if os.environ.get("RAY_ADDRESS") else {"num_cpus": workers, "include_dashboard": False}
        ray.init(**local, log_to_driver=False)
    try:
        task, remote_fn = ray.remote(num_cpus=1)(_call), ray.put(fn)
        queue, pending = iter(items), []
        while True:
            pending += [task.remote(remote_fn, item) for item in islice(queue, 4 * workers - len(pending))]
            if not pending:
                return
            done, pending = ray.wait(pending, num_returns=1)
            yield ray.get(done[0])
    finally:
        if started:
            ray.shutdown()


def _call(fn: Callable[[Any], Any], item: Any) -> Any:
    return fn(item)
