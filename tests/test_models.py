import json

import pytest
import torch
from safetensors.torch import load_file, save_file

from adapt2reward.models import Adapt2RewardModel, BackboneConfig, ModelConfig, PromptConfig

torch.set_num_threads(2)
TASKS = {"drawer-close": "close the drawer", "drawer-open": "open the drawer", "push": "push the puck"}


def make_config(**backbone) -> ModelConfig:
    return ModelConfig(backbone=BackboneConfig(num_frames=4, **backbone), prompts=PromptConfig(tasks=TASKS))


@pytest.fixture(scope="module")
def model() -> Adapt2RewardModel:
    torch.manual_seed(0)
    return Adapt2RewardModel(make_config()).eval()


def clips(b=2, t=3, seed=0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (b, t, 3, 64, 64), dtype=torch.uint8, generator=gen)


def test_shapes_and_normalisation(model):
    with torch.no_grad():
        v = model.encode_video(clips())
        t = model.encode_text(["close the drawer", "open the drawer"])
        f = model.encode_failure_texts(["push", "drawer-open"])
    assert v.shape == t.shape == (2, 256)
    assert f.shape == (2, 3, 256)
    for x in (v, t, f):
        assert torch.allclose(x.norm(dim=-1), torch.ones(x.shape[:-1]), atol=1e-5)
    assert model.success_logit(v, t).shape == (2,)
    assert model.logit_scale().item() == pytest.approx(1 / 0.07, rel=1e-5)


def test_prompt_changes_text_feature(model):
    tokens = model.tokenize(["close the drawer"])
    with torch.no_grad():
        plain = model.encode_text(tokens)
        prompted = model.encode_text(tokens, model.prompts(0, 1).unsqueeze(0))
        failure = model.encode_failure_texts(["drawer-close"])[0, 1]
    assert not torch.allclose(plain, prompted, atol=1e-3)
    assert torch.allclose(prompted[0], failure, atol=1e-5)
    # modes differ from each other
    f = model.encode_failure_texts(["drawer-close"])[0]
    assert not torch.allclose(f[0], f[1], atol=1e-4)


def test_tokenization_is_cached_and_bounded(model):
    model.tokenize(["open the window"])
    assert "open the window" in model.text.tokenize._cache
    tokenizer = model.text.tokenize
    capacity, tokenizer.capacity = tokenizer.capacity, 3
    try:
        model.tokenize([f"instruction number {i}" for i in range(10)])
        assert len(tokenizer._cache) == 3 and "instruction number 9" in tokenizer._cache
    finally:
        tokenizer.capacity = capacity


def test_default_freezing(model):
    bert_layers = model.text.bert.encoder.layer
    assert not any(p.requires_grad for p in model.text.bert.embeddings.parameters())
    assert not any(p.requires_grad for layer in bert_layers[:4] for p in layer.parameters())
    assert all(p.requires_grad for layer in bert_layers[4:] for p in layer.parameters())
    assert model.video.frame_encoder_frozen
    assert all(p.requires_grad for p in model.video.temporal.parameters())
    assert model.prompts.prompts.requires_grad and model.log_logit_scale.requires_grad
    model.train()
    assert not model.video.frame_encoder.net.training and not bert_layers[0].training
    assert model.video.temporal.training and bert_layers[5].training
    model.eval()


def test_partial_efficientnet_finetune():
    m = Adapt2RewardModel(make_config(frame_trainable_blocks=1, text_trainable_layers=0))
    net = m.video.frame_encoder.net
    assert all(p.requires_grad for p in net._blocks[15].parameters())
    assert not any(p.requires_grad for p in net._blocks[14].parameters())
    assert not m.video.frame_encoder_frozen
    assert not any(p.requires_grad for p in m.text.bert.parameters())


def test_cached_frame_features_equal_encode_video(model):
    x = clips(seed=1)
    with torch.no_grad():
        direct = model.encode_video(x)
        cached = model.encode_video_from_frame_features(model.encode_frames(x))
        as_float = model.encode_video(x.float())
    assert torch.allclose(direct, cached, atol=1e-6)
    assert torch.allclose(direct, as_float, atol=1e-6)


def test_gradients_reach_prompts_and_towers(model):
    model.train()
    v = model.encode_video(clips(seed=2))
    f = model.encode_failure_texts()
    (v @ f.flatten(0, 1).T).sum().backward()
    assert model.prompts.prompts.grad.abs().sum() > 0
    assert model.video.temporal.in_proj.weight.grad is not None
    assert model.text.proj.weight.grad is not None
    model.zero_grad()
    model.eval()


def test_safetensors_round_trip(model, tmp_path):
    model.prompts.set_num_modes(2, 2)
    save_file(model.state_dict(), tmp_path / "model.safetensors")
    (tmp_path / "config.json").write_text(json.dumps(model.config.to_dict()))
    config = ModelConfig.from_dict(json.loads((tmp_path / "config.json").read_text()))
    assert config == model.config
    torch.manual_seed(123)
    other = Adapt2RewardModel(config).eval()
    other.load_state_dict(load_file(tmp_path / "model.safetensors"))
    x = clips(seed=3)
    with torch.no_grad():
        assert torch.equal(model.encode_video(x), other.encode_video(x))
        assert torch.equal(model.encode_failure_texts(), other.encode_failure_texts())
    assert other.failure_mode_mask().tolist() == [[True] * 3, [True] * 3, [True, True, False]]


@pytest.mark.parametrize("inputs", ["features+change", "change"])
def test_change_inputs_read_what_the_scene_did(inputs):
    """A look shift d added to every frame's features reaches the transformer only through the first frame
    ("change"), or through the plain-features path and not the change path ("features+change")."""
    from adapt2reward.models.temporal import TemporalTransformer

    torch.manual_seed(0)
    temporal = TemporalTransformer(16, 8, max_frames=4, depth=1, heads=2, width=8, inputs=inputs).eval()
    seen: list[torch.Tensor] = []
    hooked = temporal.change_proj if inputs == "features+change" else temporal.in_proj
    hooked.register_forward_hook(lambda module, args, out: seen.append(args[0]))
    feats = torch.randn(2, 4, 16)
    with torch.no_grad():
        plain = temporal(feats)
        shifted = temporal(feats + torch.randn(16))
    moved = (seen[0] - seen[1]).abs().amax(dim=-1)  # (B, T): how far each frame's input moved
    assert torch.allclose(moved[:, 1:], torch.zeros(2, 3), atol=1e-5)
    assert (moved[:, 0] > 0.1).all() == (inputs == "change")
    assert not torch.allclose(plain, shifted)


def test_change_inputs_need_the_transformer():
    with pytest.raises(ValueError, match="temporal_inputs"):
        BackboneConfig(temporal_inputs="change", temporal_depth=0)
    assert "change_proj" not in str(Adapt2RewardModel(make_config()).state_dict().keys())


def test_small_cnn_backbone():
    m = Adapt2RewardModel(make_config(kind="minilm-smallcnn", temporal_depth=0)).eval()
    with torch.no_grad():
        assert m.encode_video(clips()).shape == (2, 256)
    assert not m.video.frame_encoder_frozen


BAD_BACKBONE = [
    ("kind", "resnet"),
    ("embed_dim", 0),
    ("temporal_pool", "max"),
    ("temporal_inputs", "difference"),
    ("text_trainable_layers", 7),
    ("frame_trainable_blocks", 17),
    ("temporal_width", 250),
    ("dropout", 1.0),
    ("hf_clip_path", "x"),
]


@pytest.mark.parametrize(("field", "value"), BAD_BACKBONE)
def test_bad_backbone_config_names_field(field, value):
    with pytest.raises(ValueError, match=field):
        BackboneConfig(**{field: value})


def test_bad_prompt_config_names_field():
    with pytest.raises(ValueError, match="num_modes"):
        PromptConfig(num_modes=0)
    with pytest.raises(ValueError, match="prompt_length"):
        PromptConfig(prompt_length=0)
    with pytest.raises(ValueError, match="tasks"):
        PromptConfig(tasks={"a": ""})
    with pytest.raises(ValueError, match=r"ModelConfig.backbone: unknown key\(s\) \[.colour.\]"):
        ModelConfig.from_dict({"backbone": {"colour": 1}})


@pytest.mark.parametrize(
    "bad",
    [
        torch.zeros(2, 3, 64, 64, dtype=torch.uint8),
        torch.zeros(1, 3, 3, 32, 32, dtype=torch.uint8),
        torch.zeros(1, 3, 64, 64, 3, dtype=torch.uint8),
        torch.zeros(1, 9, 3, 64, 64, dtype=torch.uint8),
        torch.zeros(1, 3, 3, 64, 64, dtype=torch.int32),
    ],
)
def test_bad_video_raises(model, bad):
    with pytest.raises(ValueError, match="frames must"):
        model.encode_video(bad)


def test_unknown_task_and_bad_mode_count(model):
    with pytest.raises(ValueError, match="unknown task"):
        model.encode_failure_texts(["fly"])
    with pytest.raises(ValueError, match="k=4"):
        model.prompts.set_num_modes(0, 4)


def test_loading_the_text_tower_draws_no_progress_bar(capfd):
    from transformers.utils import logging

    from adapt2reward.models.text_encoder import MiniLMTextEncoder

    MiniLMTextEncoder(64, 0, 16)
    assert "Loading weights" not in capfd.readouterr().err
    assert logging.is_progress_bar_enabled()  # the user's own setting is left as it was
