"""Freezing helpers: frozen sub-modules stay in eval mode so their features do not depend on `train()`."""

from __future__ import annotations

from collections.abc import Iterable

from torch import nn


def set_trainable(modules: Iterable[nn.Module], trainable: bool) -> None:
    """Set `requires_grad` of every parameter of `modules`."""
    for module in modules:
        for p in module.parameters():
            p.requires_grad_(trainable)


def _eval_frozen(module: nn.Module) -> None:
    for child in module.children():
        params = list(child.parameters())
        if params and not any(p.requires_grad for p in params):
            # Dropout, BatchNorm statistics and drop-connect of a frozen part would otherwise change its
            # output between train and eval, which would break caching its features.
            child.eval()
        else:
            _eval_frozen(child)


class FrozenEvalMixin(nn.Module):
    """`train(True)` leaves every fully frozen sub-module in eval mode."""

    def train(self, mode: bool = True):
        super().train(mode)
        if mode:
            _eval_frozen(self)
        return self
