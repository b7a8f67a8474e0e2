"""Configs of the two training stages, validated on construction and stored in every checkpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adapt2reward.json_config import JsonConfig

ABLATIONS = ("full", "no-failure", "bce-only")
FAILURE_SOURCES = ("random", "near_success")


@dataclass(frozen=True)
class PretrainConfig(JsonConfig):
    """Stage 1: symmetric video-text contrastive learning on human video-text pairs.

    Data: `data` dataset folders (their human-domain clips) and/or, with `ssv2_labels` and `ssv2_videos`,
    a real Something-Something-v2 split, of the classes `ssv2_classes` only (ids or templates; empty:
    all), imported once into a cache folder (`data.ssv2_import`). `backbone` holds `BackboneConfig`
    fields (empty: the default).
    """

    data: tuple[str, ...] = ()
    out: str = "checkpoints/stage1"
    ssv2_labels: str | None = None
    ssv2_videos: str | None = None
    ssv2_classes: tuple[str, ...] = ()
    backbone: dict[str, Any] = field(default_factory=dict)
    batch_size: int = 32
    epochs: int = 4
    steps_per_epoch: int = 0  # 0: one pass over the clips
    lr: float = 3e-4
    weight_decay: float = 0.01
    save_every: int = 50
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.data and not (self.ssv2_labels and self.ssv2_videos):
            raise ValueError("pretrain needs `data` dataset folders or `ssv2_labels` with `ssv2_videos`")
        check_positive(self, "batch_size", "epochs", "lr", "save_every")


@dataclass(frozen=True)
class TrainConfig(JsonConfig):
    """Stage 2: adapt a stage-1 model with human clips and a few robot success and failure clips.

    Data
        human, robot: dataset folders; human-domain clips are read from `human`, robot-domain clips
        from `robot`. `tasks`: robot training tasks (empty: every task in the robot data).
        `human_tasks`: the human tasks used (empty: all), e.g. the robot tasks plus 6 or 9 others for the
        task-generalization settings.
        `robot_variants`: robot clips used for training (held-out variants stay unseen).
        `heldout_fraction`: share of the robot training clips kept aside (by clip id and `split_seed`, not
        the training seed, so runs of several seeds are measured on the same held-out clips).
    Method
        `ablation`: "full" (CDC + VLC + fVLC + BCE), "no-failure" (no failure clips: CDC + VLC),
        "bce-only" (failure clips through BCE only, no failure prompts). `num_modes` K (1 to 5) per
        task; `choose_k`: "fixed" or "silhouette" (K per task from the data, up to `num_modes`).
        `kmeans_restarts`: k-means++ starts of each failure re-clustering, the best kept (runs made before
        this field clustered from a single start: set 1 to redo them).
        `prompt_length`: L_p vectors per prompt. `failure_sources`: which failure clips to use.
    Batches
        B_h, B_r, B_f clips per batch: `batch_human`, `batch_success`, `batch_failure`.
        `hard_negatives`: add the instruction of each batch task's opposite task (close vs open the
        drawer) to the text columns of VLC, so the text side learns direction.
    Run
        `save_every`: steps between checkpoints (also saved at every epoch end); a rerun resumes.
    """

    human: tuple[str, ...] = ()
    robot: tuple[str, ...] = ()
    out: str = "checkpoints/adapt2reward"
    init: str | None = None
    backbone: dict[str, Any] = field(default_factory=dict)
    tasks: tuple[str, ...] = ()
    human_tasks: tuple[str, ...] = ()
    robot_variants: tuple[str, ...] = ("train",)
    heldout_fraction: float = 0.2
    split_seed: int = 0
    ablation: str = "full"
    num_modes: int = 3
    choose_k: str = "fixed"
    kmeans_restarts: int = 4
    prompt_length: int = 4
    failure_sources: tuple[str, ...] = FAILURE_SOURCES
    batch_human: int = 8
    batch_success: int = 8
    batch_failure: int = 8
    epochs: int = 6
    steps_per_epoch: int = 50
    lr: float = 3e-4
    weight_decay: float = 0.01
    loss_weights: dict[str, float] = field(
        default_factory=lambda: {"cdc": 1.0, "vlc": 1.0, "fvlc": 1.0, "bce": 1.0}
    )
    hard_negatives: bool = True
    save_every: int = 50
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.robot:
            raise ValueError("train needs at least one `robot` dataset folder")
        if self.ablation not in ABLATIONS:
            raise ValueError(f"ablation {self.ablation!r} is not one of {ABLATIONS}")
        if not 1 <= self.num_modes <= 8:
            raise ValueError(f"num_modes (K) must lie in 1..8, got {self.num_modes}")
        if self.choose_k not in ("fixed", "silhouette"):
            raise ValueError(f"choose_k must be 'fixed' or 'silhouette', got {self.choose_k!r}")
        if not 0.0 <= self.heldout_fraction < 1.0:
            raise ValueError(f"heldout_fraction must lie in [0, 1), got {self.heldout_fraction}")
        bad = sorted(set(self.failure_sources) - set(FAILURE_SOURCES))
        if bad or not self.failure_sources:
            raise ValueError(f"failure_sources must be a non-empty subset of {FAILURE_SOURCES}, got {bad}")
        unknown = sorted(set(self.loss_weights) - {"cdc", "vlc", "fvlc", "bce"})
        if unknown:
            raise ValueError(f"unknown loss weights {unknown}: use cdc, vlc, fvlc, bce")
        check_positive(
            self,
            "batch_success",
            "epochs",
            "steps_per_epoch",
            "lr",
            "prompt_length",
            "save_every",
            "kmeans_restarts",
        )

    @property
    def uses_failures(self) -> bool:
        return self.ablation != "no-failure" and self.batch_failure > 0


def check_positive(config: Any, *names: str) -> None:
    for name in names:
        if getattr(config, name) <= 0:
            raise ValueError(f"{name} must be positive, got {getattr(config, name)}")
