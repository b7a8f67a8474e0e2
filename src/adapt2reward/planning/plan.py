"""A plan: a few end-effector waypoints with gripper commands, followed by a P-controller.

A plan is a (num_waypoints, 4) array of rows (x, y, z, grip): the hand is driven towards waypoint k for
`steps_per_waypoint` steps, then towards waypoint k+1, with grip in [-1, 1] (MetaWorld: -1 open, 1 closed).
CEM searches over plans in normalised coordinates u in [0, 1]^(num_waypoints*4), mapped linearly onto the
workspace box, so one sampling distribution fits every axis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The part of MetaWorld's hand range (hand_low (-0.5, 0.4, 0.05), hand_high (0.5, 1.0, 0.5)) where the
# table-top task objects lie; plans outside it only waste samples.
WORKSPACE_LOW = (-0.4, 0.4, 0.05)
WORKSPACE_HIGH = (0.4, 0.95, 0.35)


@dataclass(frozen=True)
class PlanSpace:
    """The plans CEM searches over and how they are executed.

    num_waypoints: waypoints per plan (3-5 suit MetaWorld's single-stage tasks).
    steps_per_waypoint: simulator steps spent driving towards each waypoint; the episode lasts
        num_waypoints * steps_per_waypoint steps.
    gain: P-controller gain; action xyz = clip(gain * (waypoint - hand), -1, 1). MetaWorld moves the hand
        1 cm per step at action 1, so gain 10 saturates at 10 cm from the waypoint.
    low, high: workspace box (metres) for waypoint positions.
    """

    num_waypoints: int = 3
    steps_per_waypoint: int = 40
    gain: float = 10.0
    low: tuple[float, float, float] = WORKSPACE_LOW
    high: tuple[float, float, float] = WORKSPACE_HIGH

    def __post_init__(self) -> None:
        if self.num_waypoints < 1:
            raise ValueError(f"num_waypoints must be >= 1, got {self.num_waypoints}")
        if self.steps_per_waypoint < 1:
            raise ValueError(f"steps_per_waypoint must be >= 1, got {self.steps_per_waypoint}")
        if self.gain <= 0:
            raise ValueError(f"gain must be > 0, got {self.gain}")
        if any(lo >= hi for lo, hi in zip(self.low, self.high, strict=True)):
            raise ValueError(f"workspace low {self.low} must lie below high {self.high} on every axis")

    @property
    def horizon(self) -> int:
        """Simulator steps in one episode."""
        return self.num_waypoints * self.steps_per_waypoint

    @property
    def dim(self) -> int:
        """Length of a plan's normalised vector."""
        return self.num_waypoints * 4

    def decode(self, u: np.ndarray) -> np.ndarray:
        """Normalised vectors (..., dim) in [0, 1] -> plans (..., num_waypoints, 4) in world units."""
        u = np.clip(np.asarray(u, dtype=np.float64), 0.0, 1.0)
        u = u.reshape(*u.shape[:-1], self.num_waypoints, 4)
        low = np.array([*self.low, -1.0])
        high = np.array([*self.high, 1.0])
        return low + u * (high - low)

    def waypoint_index(self, step: int) -> int:
        """Which waypoint the controller drives towards at episode step `step`."""
        return min(step // self.steps_per_waypoint, self.num_waypoints - 1)


def p_control(hand: np.ndarray, waypoint: np.ndarray, gain: float) -> np.ndarray:
    """MetaWorld action [dx, dy, dz, grip] in [-1, 1] driving `hand` towards waypoint (x, y, z, grip)."""
    delta = np.clip(gain * (np.asarray(waypoint[:3]) - np.asarray(hand)), -1.0, 1.0)
    return np.array([*delta, np.clip(waypoint[3], -1.0, 1.0)], dtype=np.float32)
