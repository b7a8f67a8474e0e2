"""The "hf-clip" backbone on a tiny random CLIP saved to disk.

The tokenizer is MiniLM's (BERT WordPiece, built offline from its package folder), so the tiny config uses
its vocabulary size and its [SEP] id (102) as end-of-text token: CLIP pools the text at that token.
"""

import pytest
import torch
from safetensors.torch import load_file, save_file
from transformers import AutoTokenizer, CLIPConfig, CLIPModel

from adapt2reward.models import Adapt2RewardModel, BackboneConfig, ModelConfig, PromptConfig
from adapt2reward.models.text_encoder import minilm_path

torch.set_num_threads(2)
TASKS = {"drawer-close": "close the drawer", "drawer-open": "open the drawer"}


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny-clip")
    tokenizer = AutoTokenizer.from_pretrained(str(minilm_path()), local_files_only=True)
    text = dict(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        max_position_embeddings=40,
        bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    vision = dict(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        image_size=32,
        patch_size=8,
    )
    torch.manual_seed(0)
    CLIPModel(CLIPConfig(text_config=text, vision_config=vision, projection_dim=16)).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def make_model(path, **backbone) -> Adapt2RewardModel:
    cfg = BackboneConfig(kind="hf-clip", hf_clip_path=str(path), embed_dim=16, num_frames=4, **backbone)
    return Adapt2RewardModel(ModelConfig(backbone=cfg, prompts=PromptConfig(tasks=TASKS, num_modes=2)))


def clips(b=2, t=3):
    gen = torch.Generator().manual_seed(0)
    return torch.randint(0, 256, (b, t, 3, 64, 64), dtype=torch.uint8, generator=gen)


def test_matches_clip_without_prompts(clip_dir):
    model = make_model(clip_dir, temporal_depth=0).eval()
    clip = CLIPModel.from_pretrained(str(clip_dir), local_files_only=True).eval()
    tokens = model.tokenize(["close the drawer", "open the drawer now"])
    with torch.no_grad():
        ours = model.encode_text(tokens)
        theirs = torch.nn.functional.normalize(clip.get_text_features(**tokens).pooler_output, dim=-1)
    assert torch.allclose(ours, theirs, atol=1e-5)
    assert not torch.allclose(ours[0], ours[1], atol=1e-3)  # sentences do not all pool the same


def test_prompts_shapes_and_caching(clip_dir):
    model = make_model(clip_dir, temporal_depth=0).eval()
    x = clips()
    with torch.no_grad():
        plain = model.encode_text(["close the drawer"])
        f = model.encode_failure_texts()
        v = model.encode_video(x)
        cached = model.encode_video_from_frame_features(model.encode_frames(x))
    assert f.shape == (2, 2, 16) and v.shape == (2, 16)
    assert not torch.allclose(plain[0], f[0, 0], atol=1e-4)
    assert torch.allclose(v, cached, atol=1e-6)
    assert model.video.frame_encoder_frozen


def test_temporal_transformer_and_round_trip(clip_dir, tmp_path):
    model = make_model(
        clip_dir, temporal_depth=1, temporal_width=32, text_trainable_layers=1, frame_trainable_blocks=1
    ).eval()
    assert not model.video.frame_encoder_frozen
    assert any(p.requires_grad for p in model.text.text.encoder.layers[1].parameters())
    assert not any(p.requires_grad for p in model.text.text.encoder.layers[0].parameters())
    save_file(model.state_dict(), tmp_path / "m.safetensors")
    other = make_model(
        clip_dir, temporal_depth=1, temporal_width=32, text_trainable_layers=1, frame_trainable_blocks=1
    ).eval()
    other.load_state_dict(load_file(tmp_path / "m.safetensors"))
    with torch.no_grad():
        assert torch.equal(model.encode_video(clips()), other.encode_video(clips()))
        assert torch.equal(model.encode_failure_texts(), other.encode_failure_texts())


def test_embed_dim_must_match_projection(clip_dir):
    cfg = BackboneConfig(kind="hf-clip", hf_clip_path=str(clip_dir), embed_dim=32)
    with pytest.raises(ValueError, match="embed_dim"):
        Adapt2RewardModel(ModelConfig(backbone=cfg))


def test_missing_folder(tmp_path):
    cfg = BackboneConfig(kind="hf-clip", hf_clip_path=str(tmp_path / "none"), embed_dim=16)
    with pytest.raises(ValueError, match="hf_clip_path"):
        Adapt2RewardModel(ModelConfig(backbone=cfg))
