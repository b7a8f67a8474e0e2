"""Configs of the two training stages, validated on construction and stored in every checkpoint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from adapt2reward.data.look_augmentation import LookAugmentation
from adapt2reward.data.records import FAILURE_SOURCES
from adapt2reward.json_config import JsonConfig, check, fail, nested_from_dicts
from adapt2reward.losses.combined import PRESETS, LossConfig
from adapt2reward.models.config import BackboneConfig

MAX_MODES = 5  # K lies in 1..5, the paper's ablation range


@dataclass(frozen=True)
class LossWeights(JsonConfig):
    """Weights of CDC, VLC, fVLC and BCE in the stage-2 objective (`losses.combined`)."""

    cdc: float = 1.0
    vlc: float = 1.0
    fvlc: float = 1.0
    bce: float = 1.0

    def __post_init__(self) -> None:
        for name in ("cdc", "vlc", "fvlc", "bce"):
            check(getattr(self, name) >= 0, self, name, "must be >= 0")


@dataclass(frozen=True)
class PretrainConfig(JsonConfig):
    """Stage 1: symmetric video-text contrastive learning on human video-text pairs.

    Data: `data` dataset folders (their human-domain clips) and/or, with `ssv2_labels` and `ssv2_videos`,
    a real Something-Something-v2 split, of the classes `ssv2_classes` only (ids or templates; empty:
    all), imported once into a cache folder (`data.ssv2_import`). `backbone`: the model's towers.
    `view_weight`: weight of the multi-view consistency term (`losses.view`; issue #9, lever 8), which
    needs clips filmed twice among `data` (`a2r second-view`); 0, the paper's stage 1, leaves it out.
    """

    data: tuple[str, ...] = ()
    out: str = "checkpoints/stage1"
    ssv2_labels: str | None = None
    ssv2_videos: str | None = None
    ssv2_classes: tuple[str, ...] = ()
    backbone: BackboneConfig = field(default_factory=BackboneConfig)
    batch_size: int = 32
    epochs: int = 4
    steps_per_epoch: int = 0  # 0: one pass over the clips
    lr: float = 3e-4
    weight_decay: float = 0.01
    save_every: int = 50
    seed: int = 0
    view_weight: float = 0.0

    def __post_init__(self) -> None:
        nested_from_dicts(self)
        if not self.data and not (self.ssv2_labels and self.ssv2_videos):
            fail(self, "pretrain needs `data` dataset folders or `ssv2_labels` with `ssv2_videos`")
        check_positive(self, "batch_size", "epochs", "lr", "save_every")
        check(self.view_weight >= 0, self, "view_weight", "must be >= 0")


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
        "bce-only" (failure clips through BCE only, no failure prompts): the presets of
        `losses.combined.PRESETS`. `num_modes`: K per task, 1 to `MAX_MODES` = 5 (the paper's
        ablation range). `choose_k`: "fixed" or "silhouette" (K per task from the data, up to `num_modes`).
        `kmeans_restarts`: k-means++ starts of each failure re-clustering, the best kept (runs made before
        this field clustered from a single start: set 1 to redo them).
        `prompt_length`: L_p vectors per prompt. `failure_sources`: which failure clips to use (random,
        near_success; planner: the planner's own failed candidates, `planning.candidate_clips`).
        `loss_weights`: of CDC, VLC, fVLC and BCE. `fvlc_success_negatives`: the batch's success texts
        are negatives in fVLC too.
    Batches
        B_h, B_r, B_f clips per batch: `batch_human`, `batch_success`, `batch_failure`.
        `hard_negatives`: add the instruction of each batch task's opposite task (close vs open the
        drawer) to the text columns of VLC, so the text side learns direction.
    Beyond the paper (off by default, so the paper's method is the default)
        `order_weight`: weight of the time-and-direction ranking loss (`losses.order`): every human and
        robot success clip of a batch outranks its rewound copy, and a later prefix an earlier one.
        `keep_weight`: weight of a consistency term, 2 - mean cos(text, text_init) - mean cos(human clip,
        human clip_init), that keeps the batch's text and human-clip features near those of the frozen
        `init` model (what stage 1 knew; needs `init`).
        `look_augmentation`: augmented copies of the robot training clips in other colours and from a
        slightly moved camera (`data.look_augmentation`; `copies` = 0: none).
        `human_failure_weight`: weight of a success BCE on human clips, through the same success head as
        the robot BCE: the batch's human successes against `batch_human_failure` human failures
        (unfinished attempts, e.g. `GenerationConfig.human_failures_per_task`) read from the `human`
        folders, tasks balanced. It teaches success from failure on tasks the robot data never had.
        `embodiment_pair_weight`: weight of a pair term (`losses.view`, symmetric InfoNCE) that makes each
        of the batch's robot clips agree with its copy in the human look, the same episode filmed with
        the stand-in's hand in place of the arm, read from the `embodiment_pairs` folders (made by
        `a2r second-view --domain robot --look human`); robot clips without a copy sit it out.
    Model
        `init`: the stage-1 checkpoint the model starts from (None: a fresh model of `backbone`). With
        `init`, the model has the checkpoint's backbone; `backbone` is left at its default or equals it.
    Run
        `save_every`: steps between checkpoints (also saved at every epoch end); a rerun resumes.
    """

    human: tuple[str, ...] = ()
    robot: tuple[str, ...] = ()
    out: str = "checkpoints/adapt2reward"
    init: str | None = None
    backbone: BackboneConfig = field(default_factory=BackboneConfig)
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
    failure_sources: tuple[str, ...] = ("random", "near_success")
    batch_human: int = 8
    batch_success: int = 8
    batch_failure: int = 8
    epochs: int = 6
    steps_per_epoch: int = 50
    lr: float = 3e-4
    weight_decay: float = 0.01
    loss_weights: LossWeights = field(default_factory=LossWeights)
    fvlc_success_negatives: bool = True
    hard_negatives: bool = True
    order_weight: float = 0.0
    keep_weight: float = 0.0
    look_augmentation: LookAugmentation = field(default_factory=LookAugmentation)
    human_failure_weight: float = 0.0
    batch_human_failure: int = 8
    embodiment_pairs: tuple[str, ...] = ()
    embodiment_pair_weight: float = 0.0
    save_every: int = 50
    seed: int = 0

    def __post_init__(self) -> None:
        nested_from_dicts(self)
        check(bool(self.robot), self, "robot", "needs at least one dataset folder")
        check(self.ablation in PRESETS, self, "ablation", f"must be one of {tuple(PRESETS)}")
        check(1 <= self.num_modes <= MAX_MODES, self, "num_modes", f"must lie in 1..{MAX_MODES}")
        check(self.choose_k in ("fixed", "silhouette"), self, "choose_k", "must be 'fixed' or 'silhouette'")
        check(0.0 <= self.heldout_fraction < 1.0, self, "heldout_fraction", "must lie in [0, 1)")
        check(self.order_weight >= 0, self, "order_weight", "must be >= 0")
        check(self.keep_weight >= 0, self, "keep_weight", "must be >= 0")
        check(self.human_failure_weight >= 0, self, "human_failure_weight", "must be >= 0")
        check(self.batch_human_failure >= 0, self, "batch_human_failure", "must be >= 0")
        check(
            self.human_failure_weight == 0 or (bool(self.human) and self.batch_human_failure > 0),
            self,
            "human_failure_weight",
            "needs `human` folders holding human failure clips and batch_human_failure > 0",
        )
        check(
            self.keep_weight == 0 or self.init is not None,
            self,
            "keep_weight",
            "needs an `init` model to keep",
        )
        check(self.embodiment_pair_weight >= 0, self, "embodiment_pair_weight", "must be >= 0")
        check(
            self.embodiment_pair_weight == 0 or bool(self.embodiment_pairs),
            self,
            "embodiment_pair_weight",
            "needs `embodiment_pairs` folders of robot clips filmed in the human look",
        )
        why = f"must be a non-empty subset of {FAILURE_SOURCES}"
        ok = bool(self.failure_sources) and set(self.failure_sources) <= set(FAILURE_SOURCES)
        check(ok, self, "failure_sources", why)
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
    def human_failures_per_batch(self) -> int:
        """Human failures drawn per batch: `batch_human_failure` when their term is on, else none."""
        return self.batch_human_failure if self.human_failure_weight > 0 else 0

    @property
    def uses_failures(self) -> bool:
        return self.ablation != "no-failure" and self.batch_failure > 0

    def loss_config(self) -> LossConfig:
        """The objective of this run: its ablation's switches, loss weights and fVLC negatives."""
        weights = {f"{name}_weight": value for name, value in asdict(self.loss_weights).items()}
        return LossConfig(
            **PRESETS[self.ablation], **weights, fvlc_success_negatives=self.fvlc_success_negatives
        )


def check_positive(config: Any, *names: str) -> None:
    for name in names:
        check(getattr(config, name) > 0, config, name, "must be positive")


STAGES = {"pretrain": PretrainConfig, "adapt": TrainConfig}  # a run config's `stage` -> its config class


def as_read_now(run_config: dict[str, Any]) -> dict[str, Any]:
    """A training stage's saved run config (`stage`, `train`, ...) as this code reads it: `train` loaded
    and written again, so a run saved before a field existed (it reads as the field's default) or with
    the backbone and loss weights as plain dicts compares equal to the same run configured today."""
    cls = STAGES.get(run_config.get("stage", ""))
    if cls is None or "train" not in run_config:
        return run_config
    try:
        return {**run_config, "train": cls.from_dict(run_config["train"]).to_dict()}
    except ValueError:  # a config this code cannot read is not today's config
        return run_config
