"""Model configuration: dataclasses validated on construction, JSON round-trippable.

A checkpoint is a safetensors state dict plus `ModelConfig.to_dict()` as JSON; `ModelConfig.from_dict`
rebuilds the same architecture.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adapt2reward.json_config import JsonConfig, check, nested_from_dicts

BACKBONE_KINDS = ("minilm-efficientnet", "minilm-smallcnn", "hf-clip")
TEMPORAL_POOLS = ("cls", "mean")
TEMPORAL_INPUTS = ("features", "features+change", "change")
PROMPT_INITS = ("random", "text")
LOOK_READINGS = ("translated", "both")

MINILM_LAYERS = 6
EFFICIENTNET_BLOCKS = 16


@dataclass
class BackboneConfig(JsonConfig):
    """The two towers and the joint space.

    Backbone:
        kind: "minilm-efficientnet" (MiniLM-L6 text, ImageNet EfficientNet-Lite0 frames; the default),
            "minilm-smallcnn" (ablation: frames through a small CNN trained from scratch) or
            "hf-clip" (a local Hugging Face CLIP folder, `hf_clip_path`).
        hf_clip_path: folder holding a CLIPModel checkpoint and its tokenizer (only for "hf-clip").
        embed_dim: size of the joint video-text space (for "hf-clip" it must equal CLIP's projection_dim).
    Video:
        num_frames: frames per clip the temporal model accepts at most (size of its position table).
        image_size: frame height and width in pixels; inputs of another size are rejected.
        frame_trainable_blocks: how many of the last frame-encoder stages are fine-tuned. EfficientNet:
            MBConv blocks (0..16) plus the head conv when > 0; CLIP: vision transformer layers; ignored for
            the small CNN (always trained). 0 freezes the frame encoder so its per-frame features can be
            cached (see `VideoEncoder.encode_frames`).
        temporal_depth: transformer layers over per-frame features; 0 mean-pools the frame features and
            projects them linearly (for "hf-clip", through CLIP's own visual projection).
        temporal_heads, temporal_width, temporal_pool ("cls" or "mean"), dropout: the temporal transformer.
        temporal_inputs: what the transformer reads of each frame: "features" (the default), "features+change"
            (plus the feature's change since the first frame) or "change" (the first frame's features, then
            each frame's change since it); a switch of issue #9: what the scene did rather than how it looks.
    Text:
        text_trainable_layers: how many of the last text transformer layers are fine-tuned (the projection
            to the joint space is always trained). MiniLM has 6 layers.
        max_text_tokens: instructions are truncated to this many tokens (prompt vectors come on top).
    Similarity:
        init_temperature: initial softmax temperature; the logit scale 1/temperature is learned.
        max_logit_scale: the learned logit scale is clamped to at most this value (CLIP uses 100).
    """

    kind: str = "minilm-efficientnet"
    hf_clip_path: str | None = None
    embed_dim: int = 256
    num_frames: int = 8
    image_size: int = 64
    frame_trainable_blocks: int = 0
    temporal_depth: int = 2
    temporal_heads: int = 4
    temporal_width: int = 256
    temporal_pool: str = "cls"
    temporal_inputs: str = "features"
    dropout: float = 0.1
    text_trainable_layers: int = 2
    max_text_tokens: int = 32
    init_temperature: float = 0.07
    max_logit_scale: float = 100.0

    def __post_init__(self) -> None:
        check(self.kind in BACKBONE_KINDS, self, "kind", f"must be one of {BACKBONE_KINDS}")
        needs_path = self.kind == "hf-clip"
        why = "is required for kind 'hf-clip' and only allowed for it"
        check(needs_path == (self.hf_clip_path is not None), self, "hf_clip_path", why)
        for name in (
            "embed_dim",
            "num_frames",
            "image_size",
            "temporal_heads",
            "temporal_width",
            "max_text_tokens",
        ):
            check(getattr(self, name) > 0, self, name, "must be positive")
        for name in ("frame_trainable_blocks", "temporal_depth", "text_trainable_layers"):
            check(getattr(self, name) >= 0, self, name, "must be >= 0")
        if self.kind == "minilm-efficientnet":
            why = f"EfficientNet-Lite0 has {EFFICIENTNET_BLOCKS} blocks"
            check(self.frame_trainable_blocks <= EFFICIENTNET_BLOCKS, self, "frame_trainable_blocks", why)
        if self.kind != "hf-clip":
            why = f"MiniLM-L6 has {MINILM_LAYERS} layers"
            check(self.text_trainable_layers <= MINILM_LAYERS, self, "text_trainable_layers", why)
        why = f"must be divisible by temporal_heads={self.temporal_heads}"
        check(self.temporal_width % self.temporal_heads == 0, self, "temporal_width", why)
        check(self.temporal_pool in TEMPORAL_POOLS, self, "temporal_pool", f"must be one of {TEMPORAL_POOLS}")
        why = f"must be one of {TEMPORAL_INPUTS}"
        check(self.temporal_inputs in TEMPORAL_INPUTS, self, "temporal_inputs", why)
        why = "other than 'features' needs the temporal transformer (temporal_depth > 0)"
        check(self.temporal_inputs == "features" or self.temporal_depth > 0, self, "temporal_inputs", why)
        check(0.0 <= self.dropout < 1.0, self, "dropout", "must be in [0, 1)")
        check(self.init_temperature > 0, self, "init_temperature", "must be positive")
        why = f"must be >= 1/init_temperature = {1.0 / self.init_temperature:.3g}"
        check(self.max_logit_scale >= 1.0 / self.init_temperature, self, "max_logit_scale", why)


@dataclass
class PromptConfig(JsonConfig):
    """Learnable failure prompts: K modes per training task, each L_p vectors in the text embedding space.

    tasks: training task name -> its canonical instruction (the text a failure prompt is inserted into).
        Order fixes the task index. Empty: the model has no failure prompts.
    num_modes: K_max, failure modes per task (a task may use fewer, see `FailurePrompts.set_num_modes`).
    prompt_length: L_p, prompt vectors inserted after the first token.
    init: "random" (N(0, init_std)) or "text" (word embeddings of `init_text`, cycled to L_p, plus
        N(0, init_std) noise so the modes differ).
    """

    tasks: dict[str, str] = field(default_factory=dict)
    num_modes: int = 3
    prompt_length: int = 4
    init: str = "text"
    init_text: str = "failed to"
    init_std: float = 0.02

    def __post_init__(self) -> None:
        self.tasks = dict(self.tasks)
        empty = [name for name, text in self.tasks.items() if not isinstance(text, str) or not text.strip()]
        check(not empty, self, "tasks", f"the instructions of {empty} must not be empty")
        check(self.num_modes >= 1, self, "num_modes", "must be >= 1")
        check(self.prompt_length >= 1, self, "prompt_length", "must be >= 1")
        check(self.init in PROMPT_INITS, self, "init", f"must be one of {PROMPT_INITS}")
        why = "must be non-empty when init='text'"
        check(self.init != "text" or self.init_text.strip() != "", self, "init_text", why)
        check(self.init_std >= 0, self, "init_std", "must be >= 0")

    @property
    def task_names(self) -> list[str]:
        return list(self.tasks)


@dataclass
class ModelConfig(JsonConfig):
    """Everything needed to rebuild an `Adapt2RewardModel`.

    success_init_scale, success_init_bias: initial a, b of the success head p = sigmoid(a * cos + b).
    look_translator: the video tower reads every video through a look translator fitted after stage 2
        (`models.look_translator`, `a2r translate-look`; a switch of issue #9); needs a frozen frame encoder.
    look_readings: with a look translator, "translated" reads video through it only (lever 11); "both"
        sums the normalised raw and translated readings (lever 12).
    look_translator_blocks: 0, the translator is an affine map of frame features; N in 1..16, a trained
        copy of the EfficientNet's last N blocks and head (`models.encoder_translator`, lever 13).
    """

    backbone: BackboneConfig = field(default_factory=BackboneConfig)
    prompts: PromptConfig = field(default_factory=PromptConfig)
    success_init_scale: float = 10.0
    success_init_bias: float = -5.0
    look_translator: bool = False
    look_readings: str = "translated"
    look_translator_blocks: int = 0

    def __post_init__(self) -> None:
        nested_from_dicts(self)
        check(self.success_init_scale > 0, self, "success_init_scale", "must be positive")
        frozen = self.backbone.frame_trainable_blocks == 0 and self.backbone.kind != "minilm-smallcnn"
        why = "needs a frozen frame encoder (frame_trainable_blocks=0, not the small CNN)"
        check(frozen or not self.look_translator, self, "look_translator", why)
        check(self.look_readings in LOOK_READINGS, self, "look_readings", f"must be one of {LOOK_READINGS}")
        why = "'both' needs look_translator (`a2r translate-look`)"
        check(self.look_translator or self.look_readings == "translated", self, "look_readings", why)
        blocks = self.look_translator_blocks
        why = f"must lie in 0..{EFFICIENTNET_BLOCKS} (the EfficientNet-Lite0 blocks copied)"
        check(0 <= blocks <= EFFICIENTNET_BLOCKS, self, "look_translator_blocks", why)
        why = "needs look_translator and the EfficientNet frame encoder (kind 'minilm-efficientnet')"
        ok = self.look_translator and self.backbone.kind == "minilm-efficientnet"
        check(blocks == 0 or ok, self, "look_translator_blocks", why)
