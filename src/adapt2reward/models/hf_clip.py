"""A local Hugging Face CLIP checkpoint as the backbone: its vision tower per frame, its text tower with
prompt vectors inserted after the first (start-of-text) token.

The folder must hold a `CLIPModel` (`save_pretrained`) and a tokenizer `AutoTokenizer` can load offline
whose end-of-text id equals the config's `text_config.eos_token_id` (CLIP pools the text at that token).
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from adapt2reward.models.freezing import FrozenEvalMixin, set_trainable
from adapt2reward.models.hf_quiet import quiet_loading
from adapt2reward.models.text_encoder import CachedTokenizer, Tokens, insert_prompts

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def load_clip(path: str | Path):
    """(CLIPModel, tokenizer) from a local folder; never touches the network."""
    from transformers import AutoTokenizer, CLIPModel

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not Path(path, "config.json").is_file():
        raise ValueError(f"hf_clip_path={str(path)!r}: no CLIP checkpoint (config.json) in that folder")
    with quiet_loading():
        clip = CLIPModel.from_pretrained(str(path), local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    return clip, tokenizer


class CLIPFrameEncoder(FrozenEvalMixin):
    """CLIP's vision transformer on each frame -> pooled (post-layernorm CLS) features, before projection.

    The visual projection lives in the temporal model (`MeanPool` reuses it), so the features of a frozen
    vision tower can be cached. Frames are resized to CLIP's input size and normalised with CLIP's stats.
    """

    def __init__(self, vision_model: nn.Module, trainable_layers: int = 0) -> None:
        super().__init__()
        self.vision = vision_model
        self.input_size = vision_model.config.image_size
        self.feature_dim = vision_model.config.hidden_size
        self.register_buffer("mean", torch.tensor(CLIP_MEAN).view(1, 3, 1, 1) * 255.0, persistent=False)
        self.register_buffer("std", torch.tensor(CLIP_STD).view(1, 3, 1, 1) * 255.0, persistent=False)
        set_trainable([vision_model], False)
        if trainable_layers > 0:
            layers = vision_model.encoder.layers
            set_trainable([*layers[len(layers) - min(trainable_layers, len(layers)) :]], True)
            set_trainable([vision_model.post_layernorm], True)

    def forward(self, pixels: Tensor) -> Tensor:
        if pixels.shape[-1] != self.input_size or pixels.shape[-2] != self.input_size:
            pixels = F.interpolate(
                pixels,
                size=(self.input_size, self.input_size),
                mode="bilinear",
                align_corners=False,
                antialias=True,
            )
        return self.vision(pixel_values=(pixels - self.mean) / self.std).pooler_output


class CLIPTextEncoder(FrozenEvalMixin):
    """CLIP's text transformer, pooled at the end-of-text token, then its text projection (always trained).

    With prompts, the sequence is [SOT] P_1..P_Lp tokens... [EOT]; the causal mask and the pooling position
    account for the inserted vectors.
    """

    def __init__(
        self,
        text_model: nn.Module,
        text_projection: nn.Module,
        tokenizer,
        trainable_layers: int,
        max_tokens: int,
    ) -> None:
        super().__init__()
        self.text = text_model
        self.proj = text_projection
        self.hidden_size = text_model.config.hidden_size
        self.eos_token_id = text_model.config.eos_token_id
        self.tokenize = CachedTokenizer(tokenizer, max_tokens)
        set_trainable([text_model], False)
        if trainable_layers > 0:
            layers = text_model.encoder.layers
            set_trainable([*layers[len(layers) - min(trainable_layers, len(layers)) :]], True)
            set_trainable([text_model.final_layer_norm], True)

    def embed_tokens(self, input_ids: Tensor) -> Tensor:
        return self.text.embeddings.token_embedding(input_ids)

    def _eos_positions(self, input_ids: Tensor) -> Tensor:
        if self.eos_token_id == 2:  # legacy CLIP configs: the end-of-text token has the largest id
            return input_ids.argmax(dim=-1)
        return (input_ids == self.eos_token_id).int().argmax(dim=-1)

    def forward(self, tokens: Tokens, prompts: Tensor | None = None) -> Tensor:
        from transformers.masking_utils import create_causal_mask

        input_ids = tokens["input_ids"]
        embeds, mask = insert_prompts(self.embed_tokens(input_ids), tokens["attention_mask"], prompts)
        hidden = self.text.embeddings(inputs_embeds=embeds)
        causal = create_causal_mask(
            config=self.text.config, inputs_embeds=hidden, attention_mask=mask, past_key_values=None
        )
        hidden = self.text.encoder(inputs_embeds=hidden, attention_mask=causal, is_causal=True)
        hidden = hidden.last_hidden_state
        hidden = self.text.final_layer_norm(hidden)
        shift = 0 if prompts is None else embeds.shape[1] - input_ids.shape[1]
        pos = self._eos_positions(input_ids) + shift
        return self.proj(hidden[torch.arange(hidden.shape[0]), pos])
