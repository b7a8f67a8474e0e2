"""The Adapt2Reward two-tower model: video and instruction features in one L2-normalised space."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from adapt2reward.models.config import BackboneConfig, ModelConfig
from adapt2reward.models.encoder_translator import EncoderLookTranslator
from adapt2reward.models.failure_prompts import FailurePrompts
from adapt2reward.models.frame_encoders import EfficientNetFrameEncoder, SmallCNNFrameEncoder
from adapt2reward.models.freezing import FrozenEvalMixin
from adapt2reward.models.look_translator import LookTranslator
from adapt2reward.models.temporal import MeanPool, TemporalTransformer
from adapt2reward.models.text_encoder import MiniLMTextEncoder, Tokens
from adapt2reward.models.video_encoder import VideoEncoder


def build_towers(cfg: BackboneConfig, prompt_length: int) -> tuple[nn.Module, VideoEncoder]:
    """(text encoder, video encoder) for a backbone config; both output unnormalised (B, embed_dim)."""
    visual_proj = None
    if cfg.kind == "hf-clip":
        from adapt2reward.models.hf_clip import CLIPFrameEncoder, CLIPTextEncoder, load_clip

        clip, tokenizer = load_clip(cfg.hf_clip_path)
        if cfg.embed_dim != clip.config.projection_dim:
            raise ValueError(
                f"embed_dim={cfg.embed_dim}: must equal the CLIP projection_dim {clip.config.projection_dim}"
            )
        max_tokens = min(cfg.max_text_tokens, clip.config.text_config.max_position_embeddings - prompt_length)
        text = CLIPTextEncoder(
            clip.text_model, clip.text_projection, tokenizer, cfg.text_trainable_layers, max_tokens
        )
        frames = CLIPFrameEncoder(clip.vision_model, cfg.frame_trainable_blocks)
        visual_proj = clip.visual_projection
    else:
        text = MiniLMTextEncoder(cfg.embed_dim, cfg.text_trainable_layers, cfg.max_text_tokens)
        if cfg.kind == "minilm-efficientnet":
            frames = EfficientNetFrameEncoder(cfg.image_size, cfg.frame_trainable_blocks)
        else:
            frames = SmallCNNFrameEncoder()
    if cfg.temporal_depth == 0:
        temporal = MeanPool(frames.feature_dim, cfg.embed_dim, proj=visual_proj)
    else:
        temporal = TemporalTransformer(
            frames.feature_dim,
            cfg.embed_dim,
            cfg.num_frames,
            cfg.temporal_depth,
            cfg.temporal_heads,
            cfg.temporal_width,
            cfg.temporal_pool,
            cfg.dropout,
            cfg.temporal_inputs,
        )
    return text, VideoEncoder(frames, temporal, cfg.image_size, cfg.num_frames)


class SuccessHead(nn.Module):
    """Success logit a * cos(video, text) + b; p(success) = sigmoid(logit)."""

    def __init__(self, scale: float, bias: float) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(float(scale)))
        self.bias = nn.Parameter(torch.tensor(float(bias)))

    def forward(self, video_features: Tensor, text_features: Tensor) -> Tensor:
        return self.scale * (video_features * text_features).sum(-1) + self.bias


class Adapt2RewardModel(FrozenEvalMixin):
    """Video tower, text tower, failure prompts, learnable logit scale and success head.

    Every `encode_*` method returns L2-normalised features.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        bb, pc = config.backbone, config.prompts
        self.text, self.video = build_towers(bb, pc.prompt_length)
        self.task_names = pc.task_names
        self.prompts: FailurePrompts | None = None
        if self.task_names:
            init = self._prompt_init() if pc.init == "text" else None
            self.prompts = FailurePrompts(
                len(self.task_names),
                pc.num_modes,
                pc.prompt_length,
                self.text.hidden_size,
                init=init,
                init_std=pc.init_std,
            )
        self.log_logit_scale = nn.Parameter(torch.tensor(math.log(1.0 / bb.init_temperature)))
        self.success_head = SuccessHead(config.success_init_scale, config.success_init_bias)
        if config.look_translator:
            both = config.look_readings == "both"
            if config.look_translator_blocks:
                self.video.look_translator = EncoderLookTranslator(
                    self.video.frame_encoder, config.look_translator_blocks, both_readings=both
                )
            else:
                self.video.look_translator = LookTranslator(self.video.feature_dim, both_readings=both)
        self.train()

    def _prompt_init(self) -> Tensor:
        pc = self.config.prompts
        ids = self.text.tokenize.tokenizer(pc.init_text, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            embeds = self.text.embed_tokens(torch.tensor(ids))
        return embeds[torch.arange(pc.prompt_length) % len(ids)]

    @property
    def device(self) -> torch.device:
        return self.log_logit_scale.device

    def logit_scale(self) -> Tensor:
        """exp(learned log scale), clamped at `max_logit_scale` (no gradient beyond the clamp)."""
        return self.log_logit_scale.clamp(max=math.log(self.config.backbone.max_logit_scale)).exp()

    # Video ---------------------------------------------------------------------------------------------
    def encode_video(self, frames: Tensor) -> Tensor:
        """uint8 or float (0-255) frames (B, T, 3, H, W) -> (B, D)."""
        return F.normalize(self.video(frames.to(self.device)), dim=-1)

    def encode_frames(self, frames: Tensor) -> Tensor:
        """Per-frame features (B, T, F); cacheable when `self.video.frame_encoder_frozen`."""
        return self.video.encode_frames(frames.to(self.device))

    def encode_video_from_frame_features(self, feats: Tensor) -> Tensor:
        """(B, T, F) cached per-frame features -> (B, D); equals `encode_video` on the same frames."""
        return F.normalize(self.video.read(feats.to(self.device)), dim=-1)

    # Text ----------------------------------------------------------------------------------------------
    def tokenize(self, instructions: Sequence[str]) -> Tokens:
        """Padded token ids and mask (cached per instruction string)."""
        return self.text.tokenize(instructions)

    def encode_text(self, texts: Sequence[str] | Tokens, prompts: Tensor | None = None) -> Tensor:
        """Instructions (or a `tokenize` batch) -> (B, D); `prompts` (B, L_p, H) go after the first token."""
        tokens = texts if isinstance(texts, dict) else self.tokenize(texts)
        tokens = {k: v.to(self.device) for k, v in tokens.items()}
        return F.normalize(self.text(tokens, prompts), dim=-1)

    def task_indices(self, tasks: Sequence[str | int] | None = None) -> Tensor:
        """Indices into the prompt table of task names (or indices); all training tasks when None."""
        if tasks is None:
            return torch.arange(len(self.task_names))
        try:
            idx = [t if isinstance(t, int) else self.task_names.index(t) for t in tasks]
        except ValueError as e:
            raise ValueError(f"unknown task in {list(tasks)}; training tasks are {self.task_names}") from e
        return torch.tensor(idx, dtype=torch.long)

    def encode_failure_texts(
        self, tasks: Sequence[str | int] | None = None, instructions: Sequence[str] | None = None
    ) -> Tensor:
        """(n, K_max, D): each task's instruction with prompt P[T, k] inserted, for every mode k.

        `instructions`: the wording of each task's text (default: its canonical instruction). Training
        passes the wording its success text has in the batch, so that a failure text differs from the
        success text it is contrasted with by the prompt alone, not by a wording the model could learn.
        Modes a task does not use are computed too; `failure_mode_mask` says which are valid.
        """
        if self.prompts is None:
            raise ValueError("the model has no failure prompts (PromptConfig.tasks is empty)")
        idx = self.task_indices(tasks)
        if instructions is None:
            instructions = [self.config.prompts.tasks[self.task_names[i]] for i in idx.tolist()]
        if len(instructions) != len(idx):
            raise ValueError(f"{len(instructions)} instructions for {len(idx)} tasks")
        k = self.prompts.max_modes
        repeated = [text for text in instructions for _ in range(k)]
        prompts = self.prompts.prompts[idx.to(self.device)].flatten(0, 1)
        return self.encode_text(repeated, prompts).view(len(idx), k, -1)

    def failure_mode_mask(self, tasks: Sequence[str | int] | None = None) -> Tensor:
        """(n, K_max) bool: which failure modes each task uses."""
        if self.prompts is None:
            raise ValueError("the model has no failure prompts (PromptConfig.tasks is empty)")
        return self.prompts.mode_mask[self.task_indices(tasks).to(self.device)]

    # Scores --------------------------------------------------------------------------------------------
    def success_logit(self, video_features: Tensor, text_features: Tensor) -> Tensor:
        """a * cos + b for paired rows of normalised features (B, D), (B, D) -> (B,)."""
        return self.success_head(video_features, text_features)

    def forward(self, frames: Tensor, instructions: Sequence[str]) -> tuple[Tensor, Tensor]:
        """(video features, text features), both (B, D) normalised."""
        return self.encode_video(frames), self.encode_text(instructions)
