"""Checks every reward model must pass, shared by the tests of the method and of the baselines."""

import numpy as np
import pytest


def assert_rejects_bad_clips(model) -> None:
    """What every reward model must refuse, with a message that names the problem."""
    good = np.zeros((2, 8, 64, 64, 3), np.uint8)
    with pytest.raises(ValueError, match="uint8"):
        model.reward(good.astype(np.float32), "close the drawer")
    with pytest.raises(ValueError, match=r"shape \(B, T, H, W, 3\)"):
        model.reward(good[0], "close the drawer")
    with pytest.raises(ValueError, match="empty"):
        model.reward(good, ["close the drawer", "  "])
    with pytest.raises(ValueError, match="2 clips"):
        model.reward(good, ["a", "b", "c"])
