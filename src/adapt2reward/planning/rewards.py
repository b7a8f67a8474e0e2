"""One reward-function signature for every method the planner compares.

A `RewardFunction` scores N candidate clips of one instruction at once:
`fn(clips uint8 (N, T, H, W, 3), instruction, infos) -> float array (N,)`, higher is better.
`infos[i]` carries the simulator's own view of candidate i up to the clip's last frame (`final_reward`:
MetaWorld's dense reward there; `max_reward`: its highest dense reward so far; `success`: whether
MetaWorld's success flag was raised so far; `final_success`: whether it is up at the last step); only the
oracle may read it. A function whose
`uses_frames` is False is handed clips with T = 0, so the planner skips rendering for it. A function
with a `reseed(seed)` method is reseeded at the start of every episode. A function's `identity` (a string,
or None when unknown) names what it computes, so an interrupted evaluation can tell which of its finished
episodes are still valid. A function's `look` ("robot" when it has none) is the domain the planner films
its candidates in: "human" shows the robot's very search as the human stand-in's look (the hand in place of
the arm, the human data's camera and table), a diagnostic of what a reward would plan if it saw robot
video as the human video it knows; the episode and its success are the same.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:  # for annotations only: importing the reward package loads torch and the model code
    from adapt2reward.reward import LearnedReward


@runtime_checkable
class RewardFunction(Protocol):
    """Scores clips of one instruction; see the module docstring for the arguments."""

    uses_frames: bool

    def __call__(
        self, clips: np.ndarray, instruction: str, infos: Sequence[dict[str, Any]]
    ) -> np.ndarray: ...


ORACLE_CRITERIA = ("final", "any")


class OracleReward:
    """The simulator's own judgement, the upper bound a perfect reward gives, for the protocols' criterion.

    criterion "final" (the default, the headline of the protocols, as DVD judges): `success_bonus` if
    MetaWorld's success flag is up at the episode's last step, half of it if it was raised at some step
    (the search's way to plans that succeed and then undo it, e.g. a button pressed and let go), plus the
    highest dense reward reached (shaping). Full search, 6 episodes each, ending in success: button-press
    4, drawer-open 3, window-open 6; shaping by the dense reward at the last step instead: 5, 1 (4 of 20
    in a protocol run), 6. "any": the bonus if the flag was raised at any step, plus the highest dense
    reward reached; it keeps plans that press and let go (button-press: 2 of 6 ended pressed).
    """

    uses_frames = False

    def __init__(self, success_bonus: float = 10.0, criterion: str = "final") -> None:
        if criterion not in ORACLE_CRITERIA:
            raise ValueError(f"criterion must be one of {ORACLE_CRITERIA}, got {criterion!r}")
        self.success_bonus, self.criterion = success_bonus, criterion
        what = "bonus at the last step + half at any step" if criterion == "final" else "bonus at any step"
        self.identity = f"oracle(success_bonus={success_bonus}, {what} + highest dense reward)"

    def __call__(self, clips: np.ndarray, instruction: str, infos: Sequence[dict[str, Any]]) -> np.ndarray:
        bonus = self.success_bonus
        if self.criterion == "any":
            scores = [bonus * info["success"] + info["max_reward"] for info in infos]
        else:
            scores = [
                bonus * info["final_success"] + bonus / 2 * info["success"] + info["max_reward"]
                for info in infos
            ]
        return np.asarray(scores, dtype=np.float64)


class RandomReward:
    """Uniform noise: CEM then keeps random plans, the lower bound of the search."""

    uses_frames = False
    identity = "random"

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)

    def reseed(self, seed: int) -> None:
        """Restart the noise stream, so an episode's scores depend on its seed alone."""
        self.rng = np.random.default_rng(zlib.crc32(f"random-reward/{seed}".encode()))

    def __call__(self, clips: np.ndarray, instruction: str, infos: Sequence[dict[str, Any]]) -> np.ndarray:
        return self.rng.uniform(size=len(infos))


class ModelReward:
    """Adapts a `LearnedReward` (its `.reward(clips, instructions)`, torch float (B,)) to `RewardFunction`.

    Give either the model itself or a picklable `loader` that builds it (e.g.
    `functools.partial(RewardModel.load, ckpt_dir)`): with a loader, each worker process loads its own
    copy on first use and the model is never pickled. `identity` names the model (e.g. its checkpoint and
    weights' timestamp), so that an interrupted evaluation keeps its finished episodes. `look`: the domain
    its candidates are filmed in (see the module docstring); part of the identity unless "robot".
    `clip_shape`: the (frames, px) the model reads, when known without loading it, so that a planner filming
    fewer or smaller frames is refused before any episode (`check_clip_shape`).
    """

    uses_frames = True

    def __init__(
        self,
        model: LearnedReward | None = None,
        loader: Callable[[], LearnedReward] | None = None,
        identity: str | None = None,
        look: str = "robot",
        clip_shape: tuple[int, int] = (0, 0),
    ) -> None:
        from adapt2reward.envs.appearance import check_domain

        if (model is None) == (loader is None):
            raise ValueError("give exactly one of model and loader")
        check_domain(look, "look")
        if identity is not None and look != "robot":
            identity = f"{identity} (filmed in the {look} look)"
        self._model, self._loader, self.identity, self.look = model, loader, identity, look
        self._clip_shape = clip_shape

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if self._loader is not None:
            state["_model"] = None
        return state

    @property
    def num_frames(self) -> int:
        """The frames per clip the model reads: as given (known without loading it), else the model's."""
        return self._clip_shape[0] or getattr(self.model, "num_frames", 0)

    @property
    def image_size(self) -> int:
        """The frame size (px) the model reads: as given (known without loading it), else the model's."""
        return self._clip_shape[1] or getattr(self.model, "image_size", 0)

    @property
    def model(self) -> LearnedReward:
        if self._model is None:
            self._model = self._loader()  # type: ignore[misc]
        return self._model

    def __call__(self, clips: np.ndarray, instruction: str, infos: Sequence[dict[str, Any]]) -> np.ndarray:
        import torch

        if clips.shape[1]:
            check_clip_shape(self, clips.shape[1], min(clips.shape[2:4]))
        with torch.inference_mode():
            out = self.model.reward(clips, [instruction] * len(clips))
        return torch.as_tensor(out).detach().double().cpu().numpy().reshape(-1)


def clip_shape_read(fn: RewardFunction) -> tuple[int, int]:
    """(frames, px) of the clips a reward reads; zeros when it reads no frames or does not say."""
    if not fn.uses_frames:
        return 0, 0
    return getattr(fn, "num_frames", 0), getattr(fn, "image_size", 0)


def check_clip_shape(
    fn: RewardFunction,
    frames: int,
    size: int,
    name: str = "this reward",
    hint: Callable[[int, int], str] | None = None,
) -> None:
    """Refuse a reward (called `name` in the error) that reads more frames, or larger ones, than the
    planner's clips of `frames` frames of `size` px; `hint(frames, px)` may say where planners filming at
    least that are (e.g. which presets)."""
    reads_frames, reads_px = clip_shape_read(fn)
    if frames < reads_frames or size < reads_px:
        # Repeated or upsampled frames would hide the detail a larger input was trained to see.
        where = f"; {hint(reads_frames, reads_px)}" if hint else ""
        raise ValueError(
            f"the planner films clips of {frames} frames of {size}x{size} px but {name} reads "
            f"{reads_frames} frames of {reads_px} px: plan with a planner that films at least that{where}"
        )
