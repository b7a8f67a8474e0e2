"""One config system: typed fields loaded from JSON, flags on top, errors that name the field and value."""

import dataclasses
import importlib
import json
import re
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

import adapt2reward.baselines as baselines
from adapt2reward.baselines import Concept2RobotConfig, DVDConfig, LIVConfig
from adapt2reward.cli import app
from adapt2reward.data.generation_config import GenerationConfig
from adapt2reward.evaluation.protocols import get_preset, get_protocol, presets_filming_hint
from adapt2reward.json_config import ConfigError
from adapt2reward.losses.combined import PRESETS
from adapt2reward.models import BackboneConfig, ModelConfig
from adapt2reward.training.config import LossWeights, PretrainConfig, TrainConfig
from adapt2reward.training.run_state import resume_run, save_run

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
ROBOT = {"robot": ["data/robot"]}


def test_fields_of_every_type_load_from_json_and_round_trip():
    data = ROBOT | {
        "init": None,  # Optional: null is None
        "backbone": {"embed_dim": 128, "temporal_depth": 1},
        "loss_weights": {"vlc": 0.5},  # the old dict form: the others keep their default
        "fvlc_success_negatives": False,
        "lr": 1,  # an int is a fine float
    }
    config = TrainConfig.from_dict(data)
    assert config.init is None and config.robot == ("data/robot",) and config.lr == 1.0
    assert config.backbone == BackboneConfig(embed_dim=128, temporal_depth=1)
    assert config.loss_weights == LossWeights(vlc=0.5)
    assert TrainConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    assert TrainConfig(robot=("data/robot",), backbone=data["backbone"]).backbone == config.backbone  # Python


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lr": "big"}, "TrainConfig.lr: expected a number, got 'big'"),
        ({"robot": "data/robot"}, "TrainConfig.robot: expected a list (a string each), got 'data/robot'"),
        ({"robot_variants": ["train", 3]}, "TrainConfig.robot_variants[1]: expected a string, got 3"),
        ({"hard_negatives": 1}, "TrainConfig.hard_negatives: expected true or false, got 1"),
        ({"seed": None}, "TrainConfig.seed: expected an integer, got None"),
        (
            {"backbone": {"embed_dim": "big"}},
            "TrainConfig.backbone.embed_dim: expected an integer, got 'big'",
        ),
        ({"backbone": {"embed_dim": -1}}, "TrainConfig.backbone.embed_dim: must be positive, got -1"),
        ({"loss_weights": {"cdc": -1}}, "TrainConfig.loss_weights.cdc: must be >= 0, got -1.0"),
        ({"num_modes": 6}, "TrainConfig.num_modes: must lie in 1..5, got 6"),
        ({"ablation": "no-cdc"}, "TrainConfig.ablation: must be one of ('full', 'no-failure', 'bce-only')"),
    ],
)
def test_a_bad_value_is_named_with_its_field(changes, message):
    with pytest.raises(ConfigError) as error:
        TrainConfig.from_dict(ROBOT | changes)
    assert str(error.value).startswith(message), str(error.value)


def test_unknown_keys_are_named_with_the_known_ones():
    with pytest.raises(
        ConfigError, match=r"TrainConfig: unknown key\(s\) \['colour'\]; known keys: \['human'"
    ):
        TrainConfig.from_dict(ROBOT | {"colour": 1})
    with pytest.raises(
        ConfigError, match=r"TrainConfig.backbone: unknown key\(s\) \['colour'\].*'embed_dim'"
    ):
        TrainConfig.from_dict(ROBOT | {"backbone": {"colour": 1}})
    with pytest.raises(ConfigError, match=r"TrainConfig.loss_weights: unknown key\(s\) \['vlcc'\]"):
        TrainConfig.from_dict(ROBOT | {"loss_weights": {"vlcc": 1.0}})
    with pytest.raises(ConfigError, match=r"ModelConfig.prompts: unknown key\(s\) \['modes'\]"):
        ModelConfig.from_dict({"prompts": {"modes": 2}})


def test_k_lies_in_the_range_the_docstring_states():
    assert "1 to `MAX_MODES` = 5" in " ".join(TrainConfig.__doc__.split())
    for k in range(1, 6):
        assert TrainConfig(robot=("r",), num_modes=k).num_modes == k
    for k in (0, 6):
        with pytest.raises(ConfigError, match=f"num_modes: must lie in 1..5, got {k}"):
            TrainConfig(robot=("r",), num_modes=k)


def test_the_run_objective_follows_the_config():
    config = TrainConfig.from_dict(ROBOT | {"fvlc_success_negatives": False, "loss_weights": {"bce": 0.25}})
    loss = config.loss_config()
    assert not loss.fvlc_success_negatives and loss.bce_weight == 0.25 and loss.cdc_weight == 1.0
    assert TrainConfig(robot=("r",)).loss_config().fvlc_success_negatives  # the default, as before
    assert not TrainConfig(robot=("r",), ablation="bce-only").loss_config().failure_prompts


def test_an_ablation_is_named_once_in_the_loss_presets(monkeypatch):
    monkeypatch.setitem(PRESETS, "no-bce", {"success_bce": False})
    assert not TrainConfig(robot=("r",), ablation="no-bce").loss_config().success_bce


def _holds(loaded, raw) -> bool:
    """Whether JSON value `loaded` has every value of `raw` (an object may have more keys: its defaults)."""
    if isinstance(raw, dict):
        return isinstance(loaded, dict) and all(k in loaded and _holds(loaded[k], v) for k, v in raw.items())
    return loaded == raw


SHIPPED = {"train": TrainConfig, "pretrain": PretrainConfig, "generate": GenerationConfig}
SHIPPED |= {"dvd": DVDConfig, "liv": LIVConfig, "concept2robot": Concept2RobotConfig}


@pytest.mark.parametrize(
    "path",
    sorted(
        [*CONFIGS.glob("*.json"), *CONFIGS.glob("baselines/*.json"), *CONFIGS.glob("generalization/*.json")]
    ),
    ids=lambda p: p.name,
)
def test_the_shipped_configs_load_with_their_values(path):
    cls = SHIPPED[path.stem.split("-")[0]]
    raw = json.loads(path.read_text())
    assert _holds(json.loads(json.dumps(cls.from_file(path).to_dict())), raw)


# The `train` section of a stage-2 run saved before the typed backbone, loss weights and fVLC switch.
OLD_TRAIN = ROBOT | {"backbone": {}, "loss_weights": {"cdc": 1.0, "vlc": 1.0, "fvlc": 1.0, "bce": 1.0}}


def test_a_checkpoint_config_written_before_still_loads():
    assert TrainConfig.from_dict(OLD_TRAIN) == TrainConfig(robot=("data/robot",))


def test_a_run_saved_before_still_resumes_and_another_config_is_still_refused(tmp_path):
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.AdamW(model.parameters())
    old = {"stage": "adapt", "train": OLD_TRAIN, "tasks": ["drawer-close"]}
    save_run(tmp_path, model, optimizer, old, {"step": 3}, {"model": {}})
    now = {**old, "train": TrainConfig.from_dict(ROBOT).to_dict()}
    assert resume_run(tmp_path, model, optimizer, now)["step"] == 3
    changed = {**old, "train": TrainConfig.from_dict(ROBOT | {"fvlc_success_negatives": False}).to_dict()}
    with pytest.raises(ValueError, match="another config"):
        resume_run(tmp_path, model, optimizer, changed)


# Every command that takes --config: what it runs with, given a file and flags. The run is replaced by a
# function that records its config.
COMMANDS = {
    "generate": (GenerationConfig, ["generate", "--out", "OUT"], {"domains": ["human"]}),
    "pretrain": (PretrainConfig, ["pretrain"], {"data": ["d"]}),
    "train": (TrainConfig, ["train"], ROBOT),
    "dvd": (DVDConfig, ["baseline", "dvd"], {"human": ["h"], "robot": ["r"], "init": "ckpt"}),
    "liv": (LIVConfig, ["baseline", "liv"], {"human": ["h"], "robot": ["r"], "init": "ckpt"}),
    "concept2robot": (Concept2RobotConfig, ["baseline", "concept2robot"], {"human": ["h"], "init": "ckpt"}),
}


@pytest.fixture
def ran(monkeypatch, tmp_path):
    """The configs the commands were run with."""
    configs = []

    def record(config, *args, **kwargs):
        configs.append(config)
        return {} if not isinstance(config, baselines.BaselineConfig) else tmp_path

    for module, name in [
        ("adapt2reward.data.generate", "generate"),
        ("adapt2reward.training.pretrain", "pretrain"),  # the package's `pretrain` is the function
        ("adapt2reward.training.adapt", "train"),
    ]:
        monkeypatch.setattr(importlib.import_module(module), name, record)
    monkeypatch.setattr("adapt2reward.evaluation.heldout.evaluate_run", lambda out: {})
    for kind in ("dvd", "liv", "concept2robot"):
        monkeypatch.setitem(
            baselines.BASELINES, kind, dataclasses.replace(baselines.BASELINES[kind], train=record)
        )
    return configs


def _invoke(args, tmp_path, file_values):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(file_values))
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    return CliRunner().invoke(app, [*args, "--config", str(path)]), path


@pytest.mark.parametrize("command", COMMANDS)
def test_a_flag_beats_the_file_and_the_file_beats_the_default(command, ran, tmp_path):
    cls, args, required = COMMANDS[command]
    file_values = required | {"seed": 5}
    result, _ = _invoke(args, tmp_path, file_values)
    assert result.exit_code == 0, result.output
    assert ran[-1].seed == 5  # the file beats the default
    assert ran[-1] == cls.from_dict(file_values)  # and sets nothing else
    result, _ = _invoke([*args, "--seed", "7"], tmp_path, file_values)
    assert result.exit_code == 0, result.output
    assert ran[-1].seed == 7  # the flag beats the file


@pytest.mark.parametrize("command", COMMANDS)
def test_a_bad_value_in_the_file_names_the_file_and_the_field(command, ran, tmp_path):
    cls, args, required = COMMANDS[command]
    result, path = _invoke(args, tmp_path, required | {"seed": "five"})
    assert result.exit_code == 2 and not ran, result.output
    assert f"{path}: {cls.__name__}.seed: expected an integer, got 'five'" in result.output, result.output


def test_a_checked_value_names_the_file_when_it_came_from_there(ran, tmp_path):
    result, path = _invoke(["train"], tmp_path, ROBOT | {"num_modes": 9})
    assert f"{path}: TrainConfig.num_modes: must lie in 1..5, got 9" in result.output, result.output
    result, path = _invoke(["train", "--k", "9"], tmp_path, ROBOT)  # from a flag: not the file's fault
    assert "error: TrainConfig.num_modes: must lie in 1..5, got 9" in result.output, result.output
    result, _ = _invoke(["train", "--k", "2"], tmp_path, ROBOT | {"num_modes": 9})  # the flag replaces it
    assert result.exit_code == 0 and ran[-1].num_modes == 2, result.output


def test_null_in_a_file_sets_an_optional_field_and_a_flag_still_beats_it(ran, tmp_path):
    result, _ = _invoke(["train"], tmp_path, ROBOT | {"init": None})
    assert result.exit_code == 0 and ran[-1].init is None, result.output
    result, _ = _invoke(["train", "--init", "ckpt"], tmp_path, ROBOT | {"init": None})
    assert result.exit_code == 0 and ran[-1].init == "ckpt", result.output
    result, _ = _invoke(["generate", "--out", "OUT"], tmp_path, {"human_tasks": None})
    assert result.exit_code == 0 and ran[-1].human_tasks is None, result.output


def test_evaluation_presets_and_protocols_name_the_file_and_the_field(tmp_path):
    presets = tmp_path / "presets.json"
    presets.write_text(
        json.dumps({"tiny": {"episodes": 1, "seed": 0, "planner": {"cem": {"samples": "many"}}}})
    )
    message = f"{presets}: Preset.planner.cem.samples: expected an integer, got 'many'"
    with pytest.raises(ConfigError, match=re.escape(message)):
        get_preset("tiny", presets)
    protocol = tmp_path / "mine.json"
    protocol.write_text(json.dumps({"description": "typo", "sweep": {}}))
    with pytest.raises(ConfigError, match=re.escape(f"{protocol}: ProtocolConfig: unknown key(s) ['sweep']")):
        get_protocol(protocol)


def test_a_preset_gives_only_what_differs_from_its_base(tmp_path):
    """`base` inherits a preset; planner keys merge one by one; a missing base or a cycle is named."""
    presets = tmp_path / "presets.json"
    planner = {"cem": {"samples": 8, "elites": 2, "iterations": 1}, "size": 64}
    presets.write_text(
        json.dumps(
            {
                "small": {"episodes": 3, "seed": 5, "planner": planner},
                "sharp": {"base": "small", "episodes": 4, "planner": {"size": 96}},
            }
        )
    )
    sharp = get_preset("sharp", presets)
    assert (sharp.episodes, sharp.seed, sharp.planner.size, sharp.planner.cem.samples) == (4, 5, 96, 8)
    assert get_preset("small", presets).planner.size == 64
    assert presets_filming_hint(8, 96, presets) == "presets that do: sharp"
    assert presets_filming_hint(8, 128, presets).startswith("no preset does")
    assert presets_filming_hint(16, 64, presets).startswith("no preset does")
    presets.write_text(json.dumps({"orphan": {"base": "nowhere"}}))
    with pytest.raises(ValueError, match="preset 'orphan': its base 'nowhere' is not a preset"):
        get_preset("orphan", presets)
    presets.write_text(json.dumps({"a": {"base": "b"}, "b": {"base": "a"}}))
    with pytest.raises(ValueError, match="preset 'b': its base 'a' makes a cycle"):
        get_preset("a", presets)


def test_switches_beyond_the_paper_are_checked():
    with pytest.raises(ValueError, match=r"TrainConfig.keep_weight: needs an `init` model to keep, got 1.0"):
        TrainConfig(robot=("r",), keep_weight=1.0)
    with pytest.raises(ValueError, match=r"TrainConfig.order_weight: must be >= 0, got -1.0"):
        TrainConfig(robot=("r",), order_weight=-1.0)
    assert TrainConfig(robot=("r",)).order_weight == TrainConfig(robot=("r",)).keep_weight == 0  # the paper
