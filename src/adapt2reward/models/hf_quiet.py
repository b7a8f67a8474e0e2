"""`quiet_loading()`: load Hugging Face weights without their per-load progress bar.

transformers draws a "Loading weights" bar at every `from_pretrained`; a run that loads a reward model in
every worker and for every method printed dozens of them. The bar is switched off only while our own
loads run, so a user's other transformers code keeps its setting.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_loading() -> Iterator[None]:
    from transformers.utils import logging

    enabled = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            logging.enable_progress_bar()
