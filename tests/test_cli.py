"""The command line does what it says: flags apply or are refused, and bad input ends in one line."""

import json
import shutil
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

import adapt2reward
import adapt2reward.data.generate as gen
from adapt2reward.cli import app
from adapt2reward.data.generation_config import GenerationConfig
from adapt2reward.data.records import read_manifest
from adapt2reward.evaluation.protocols import CONFIG_DIR
from adapt2reward.models.checkpoint import MODEL_FILE

# The cheapest clips the simulator makes: two 16-pixel frames of one human task.
TINY = ["--frames", "2", "--size", "16"]
TINY_HUMAN = ["--domains", "human", "--human-tasks", "drawer-close", "--human-clips-per-task", "1", *TINY]


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def assert_one_line_error(result, *words: str) -> None:
    """Exit code 2, `error: ...` naming the problem, and no traceback."""
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output, result.output
    assert "error: " in result.output, result.output
    for word in words:
        assert word in result.output, result.output


@pytest.fixture
def counted_clips(monkeypatch):
    """Ids of the clips `generate` makes; more than two fail at once instead of running for an hour."""
    made, make = [], gen.make_clip

    def make_at_most_two(job, config, out_dir):
        made.append(job.id)
        assert len(made) <= 2, f"asked for at most 2 clips, {len(made)} started"
        return make(job, config, out_dir)

    monkeypatch.setattr(gen, "make_clip", make_at_most_two)
    return made


def test_generate_human_only_gets_the_tasks_and_count_it_names(tmp_path, counted_clips):
    out = tmp_path / "human"
    args = ["--domains", "human", "--tasks", "drawer-close", "--clips-per-task", "2", *TINY]
    result = invoke("generate", "--out", out, *args)
    assert result.exit_code == 0, result.output
    records = read_manifest(out)
    assert [(r.domain, r.task) for r in records] == [("human", "drawer-close")] * 2
    assert len(counted_clips) == 2


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--domains", "robot", "--human-tasks", "push"], ["--human-tasks", "makes none"]),
        (["--domains", "robot", "--human-clips-per-task", "3"], ["--human-clips-per-task", "makes none"]),
        (["--domains", "human", "--variants", "colors"], ["--variants", "no robot clips"]),
        (["--domains", "human", "--tasks", "push", "--human-tasks", "push"], ["--tasks", "give one"]),
        (["--clips-per-task", "0"], ["no robot clips to make", "robot_clips_per_task 0"]),
        (["--tasks", ""], ["no robot clips to make", "robot tasks []"]),
        (["--domains", "human", "--human-tasks", ""], ["no human clips to make"]),
        (["--domains", "human", "--clips-per-task", "0"], ["no human clips to make"]),
        (["--domains", ""], ["domains is empty"]),
    ],
)
def test_generate_refuses_flags_that_would_do_nothing(tmp_path, counted_clips, flags, words):
    out = tmp_path / "new" / "data"
    assert_one_line_error(invoke("generate", "--out", out, *flags, *TINY), *words)
    assert not (tmp_path / "new").exists() and not counted_clips


@pytest.mark.parametrize(
    "command",
    [
        ["generate", "--out", "x", "--domains", "human", "--human-tasks", "drawer-close", *TINY],
        ["eval", "offline", "--checkpoint", "none", "--out", "x"],
        ["bench", "--out", "x", "--model", "a=none"],
    ],
)
def test_zero_workers_is_refused_not_run_serially(tmp_path, monkeypatch, counted_clips, command):
    monkeypatch.chdir(tmp_path)
    result = invoke(*command, "--workers", "0")
    assert result.exit_code == 2 and "Invalid value for '--workers'" in result.output, result.output
    assert not counted_clips and not (tmp_path / "x").exists()
    with pytest.raises(ValueError, match="workers must be >= 1"):
        gen.generate(GenerationConfig(domains=("human",)), tmp_path / "x", workers=0)


@pytest.mark.parametrize(
    ("look", "words"), [("alien", ["unknown look 'alien'"]), ("human", ["films the planner"])]
)
def test_eval_refuses_a_look_it_cannot_film(tmp_path, look, words):
    protocol = "task-generalization" if look == "alien" else "offline"
    result = invoke("eval", protocol, "--checkpoint", tmp_path, "--out", tmp_path / "x", "--look", look)
    assert_one_line_error(result, *words)
    assert not (tmp_path / "x").exists()


def test_resumed_generate_makes_again_the_clips_whose_files_are_gone(tmp_path, capsys):
    config = GenerationConfig(
        domains=("human",), human_tasks=("drawer-close",), human_clips_per_task=2, num_frames=2, size=16
    )
    assert gen.generate(config, tmp_path, progress=False)["made"] == 2
    lost = tmp_path / read_manifest(tmp_path)[0].path
    lost.unlink()
    assert gen.generate(config, tmp_path, progress=False) == {"made": 1, "skipped": 1, "dropped": 0}
    assert lost.is_file() and "1 clips of manifest.jsonl are missing" in capsys.readouterr().err
    assert sorted(r.id for r in read_manifest(tmp_path)) == sorted({r.id for r in read_manifest(tmp_path)})
    assert len(read_manifest(tmp_path)) == 2


def test_generate_into_a_file_or_an_unwritable_folder_is_one_line(tmp_path, monkeypatch):
    afile = tmp_path / "afile"
    afile.write_text("")
    assert_one_line_error(invoke("generate", "--out", afile, *TINY_HUMAN), "afile is a file, not a folder")
    assert_one_line_error(invoke("generate", "--out", afile / "sub", *TINY_HUMAN), "Not a directory")

    # Tests run as root, who may write into a read-only folder: the refusal the OS gives is simulated.
    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(gen, "save_clip", refuse)
    result = invoke("generate", "--out", tmp_path / "ro", *TINY_HUMAN)
    assert_one_line_error(result, "Permission denied", "human-drawer-close")


def test_debug_shows_the_traceback_and_bugs_are_not_hidden(tmp_path, monkeypatch):
    result = invoke("--debug", "generate", "--out", tmp_path / "x", "--tasks", "")
    assert isinstance(result.exception, ValueError) and "no robot clips" in str(result.exception)

    def bug(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(gen, "_check_config", bug)  # after the folder is made, before it holds anything
    result = invoke("generate", "--out", tmp_path / "y", *TINY_HUMAN)
    assert isinstance(result.exception, KeyError) and result.exit_code == 1
    assert not (tmp_path / "y").exists()  # the folder the failed run made is gone


def test_every_command_shares_the_one_error_path():
    commands = app.registered_commands
    assert len(commands) >= 12 and all(hasattr(c.callback, "__wrapped__") for c in commands)
    source = Path(adapt2reward.cli.__file__).read_text()
    assert "@app.command" not in source and "except (ValueError" not in source


def _damaged(data: Path, tmp_path: Path, how: str) -> tuple[Path, Path]:
    """A copy of `data` with one clip deleted or cut short (and no cached features); -> (copy, clip)."""
    copy = tmp_path / f"data-{how}"
    shutil.copytree(data, copy, ignore=shutil.ignore_patterns("features"))
    clip = copy / next(r.path for r in read_manifest(copy) if r.domain == "human")  # every command reads it
    if how == "missing":
        clip.unlink()
    else:
        clip.write_bytes(clip.read_bytes()[:100])
    return copy, clip


@pytest.mark.parametrize("how", ["missing", "corrupt"])
def test_a_bad_clip_in_training_is_named_in_one_line(data, stage1, tmp_path, how):
    bad, clip = _damaged(data, tmp_path, how)
    runs = {
        "pretrain": ["pretrain", "--data", bad],
        "train": ["train", "--human", bad, "--robot", bad, "--init", stage1],
        "dvd": ["baseline", "dvd", "--human", bad, "--robot", bad, "--init", stage1],
        "concept2robot": ["baseline", "concept2robot", "--human", bad, "--init", stage1],
    }
    for name, args in runs.items():
        out = tmp_path / "runs" / name
        assert_one_line_error(invoke(*args, "--out", out), clip.name)
        assert not out.exists(), f"{name} left an empty {out}"


def test_a_truncated_init_checkpoint_is_named_in_one_line(data, stage1, tmp_path):
    init = tmp_path / "init"
    shutil.copytree(stage1, init)
    (init / MODEL_FILE).write_bytes((stage1 / MODEL_FILE).read_bytes()[:1000])
    for args in (
        ["train", "--human", data, "--robot", data],
        ["baseline", "dvd", "--human", data, "--robot", data],
    ):
        result = invoke(*args, "--init", init, "--out", tmp_path / "out")
        assert_one_line_error(result, f"{init / MODEL_FILE} could not be read")
        assert not (tmp_path / "out").exists()


def test_score_checks_its_paths_before_loading_and_says_what_is_wrong(data, tmp_path, monkeypatch):
    from adapt2reward.reward.reward_model import RewardModel

    def no_load(*args, **kwargs):
        raise AssertionError("the model was loaded before the video path was checked")

    monkeypatch.setattr(RewardModel, "load", no_load)
    clip = data / read_manifest(data)[0].path
    assert_one_line_error(invoke("score", tmp_path / "none.mp4", "x", "--checkpoint", data), "does not exist")
    assert_one_line_error(invoke("score", data, "x", "--checkpoint", data), "is a folder, not a file")
    monkeypatch.undo()
    result = invoke("score", clip, "x", "--checkpoint", clip)
    assert_one_line_error(result, f"checkpoint folder {clip} is a file, not a folder")
    result = invoke("pretrain", "--config", data, "--out", tmp_path / "run")
    assert_one_line_error(result, f"PretrainConfig file {data} is a folder, not a file")


def test_an_instruction_longer_than_the_model_reads_is_warned_about(data, stage1):
    clip = data / read_manifest(data)[0].path
    long = "close the drawer slowly " * 400  # ~10,000 characters
    with pytest.warns(UserWarning, match="reads only the first 32 tokens") as caught:
        result = invoke("score", clip, long, "--checkpoint", stage1)
    assert result.exit_code == 0, result.output
    assert sum("first 32 tokens" in str(w.message) for w in caught) == 1, [str(w.message) for w in caught]
    with pytest.warns(UserWarning, match="first 32 tokens"):
        cut = invoke("score", clip, long[:400], "--checkpoint", stage1)  # 60-odd tokens, also cut to 32
    assert json.loads(result.stdout) == json.loads(cut.stdout)  # what is cut off changes nothing
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert invoke("score", clip, "close the drawer", "--checkpoint", stage1).exit_code == 0


def test_evaluation_configs_are_package_data():
    package = Path(adapt2reward.__file__).parent
    assert CONFIG_DIR.is_relative_to(package) and (CONFIG_DIR / "presets.json").is_file()
    repo_configs = package.parents[1] / "configs" / "eval"
    if repo_configs.exists():  # a source checkout: the documented folder is the package's, not a copy
        assert repo_configs.resolve() == CONFIG_DIR.resolve()


def test_a_failed_run_removes_the_empty_out_folder_its_config_file_named(data, stage1, tmp_path):
    bad, clip = _damaged(data, tmp_path, "missing")
    out = tmp_path / "runs" / "from-file"
    config = tmp_path / "train.json"
    config.write_text(
        json.dumps({"human": [str(bad)], "robot": [str(bad)], "init": str(stage1), "out": str(out)})
    )
    assert_one_line_error(invoke("train", "--config", config), clip.name)
    assert not out.exists() and not out.parent.exists()
