"""Serve a reward model over HTTP: `create_app` for a loaded model, `serve` for a checkpoint."""

from adapt2reward.serving.codec import Limits, encode_clip
from adapt2reward.serving.server import create_app, serve

__all__ = ["Limits", "create_app", "encode_clip", "serve"]
