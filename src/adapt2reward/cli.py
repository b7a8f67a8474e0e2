"""The `a2r` command line: thin wrappers over library functions that the tests call too."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
import json
import os
import typing
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from adapt2reward.json_config import load_config

# OpenMP threads that spin while they wait made torch 10x slower on a loaded 2-core machine (a 64 px
# frame pass: 63 ms with 2 spinning threads, 5 ms with 2 passive ones, 7 ms with one); torch reads this
# when it is first imported, which the commands below do lazily. Set the variable to override.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

app = typer.Typer(
    help="adapt2reward: learn a language-conditioned robot reward from human videos and a few robot clips.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Options that several commands share.
Epochs = Annotated[int | None, typer.Option(help="Epochs (a larger value extends a finished run).")]
Seed = Annotated[int | None, typer.Option(help="Random seed.")]
HumanDirs = Annotated[list[Path] | None, typer.Option(help="Dataset folder(s) with human clips.")]
RobotDirs = Annotated[list[Path] | None, typer.Option(help="Dataset folder(s) with robot clips.")]
InitCkpt = Annotated[Path | None, typer.Option(help="Stage-1 checkpoint to start from.")]
OutCkpt = Annotated[Path | None, typer.Option(help="Checkpoint folder to create or resume.")]
HumanTasks = Annotated[
    str | None, typer.Option(help="Use only these tasks' human clips, comma-separated (default: all).")
]
Device = Annotated[str, typer.Option(help="Where the model runs: cpu, cuda, cuda:N or auto (CUDA if any).")]

LeRobotDir = Annotated[
    Path | None,
    typer.Option("--lerobot", help="LeRobot dataset folder (v2.1 or v3.0) whose episodes are robot clips."),
]
Camera = Annotated[str | None, typer.Option(help="LeRobot camera key, e.g. observation.images.front.")]
SuccessKey = Annotated[
    str | None,
    typer.Option(help="LeRobot column with the success label: per episode, or per frame (last frame read)."),
]
SuccessFile = Annotated[
    Path | None, typer.Option(help="JSON or CSV file mapping LeRobot episode index to success.")
]
LeRobotCache = Annotated[
    Path | None,
    typer.Option(help="Dataset folder the LeRobot episodes are imported into (default: a cache folder)."),
]
SSV2Labels = Annotated[
    Path | None, typer.Option(help="SS-V2 split labels JSON (something-something-v2-train.json).")
]
SSV2Videos = Annotated[Path | None, typer.Option(help="Folder of the SS-V2 <id>.webm videos.")]
SSV2Classes = Annotated[
    list[str] | None,
    typer.Option(help='SS-V2 classes by id or template: "5,46" or "Closing [something]"; repeatable.'),
]
SSV2TaskMap = Annotated[
    Path | None,
    typer.Option(
        help='JSON SS-V2 class -> task, e.g. {"Closing [something]": "drawer-close"} (match-tasks).'
    ),
]
SSV2PerClass = Annotated[int, typer.Option(help="At most this many videos of each SS-V2 class (0: all).")]
SSV2Cache = Annotated[
    Path | None,
    typer.Option(help="Dataset folder the SS-V2 videos are imported into (default: a cache folder)."),
]


@dataclass(frozen=True)
class LeRobotOptions:
    """A LeRobot folder as robot data (train, baseline): imported once into a dataset folder, then read
    as one. A command taking a parameter of this type gets these fields as its flags."""

    lerobot: LeRobotDir = None
    camera: Camera = None
    success_key: SuccessKey = None
    success_file: SuccessFile = None
    lerobot_cache: LeRobotCache = None

    def imported(self) -> list[str]:
        """The dataset folder of the import asked for (made now; a rerun reuses what is imported), if any."""
        if self.lerobot is None:
            return []
        if self.camera is None:
            raise ValueError("--lerobot needs --camera KEY, one of the video features in its meta/info.json")
        from adapt2reward.data.lerobot_import import default_cache, import_lerobot
        from adapt2reward.data.lerobot_read import LeRobotSpec

        success_file = str(self.success_file) if self.success_file else None
        spec = LeRobotSpec(str(self.lerobot), self.camera, self.success_key, success_file)
        out = self.lerobot_cache or default_cache(spec)
        typer.echo(json.dumps(import_lerobot(spec, out)), err=True)
        return [str(out)]


@dataclass(frozen=True)
class SSV2Options:
    """An SS-V2 split as human data (pretrain, train, baseline): chosen classes imported once into a
    dataset folder (its tasks renamed by the task map), then read as one. A command taking a parameter of
    this type gets these fields as its flags."""

    ssv2_labels: SSV2Labels = None
    ssv2_videos: SSV2Videos = None
    ssv2_classes: SSV2Classes = None
    ssv2_task_map: SSV2TaskMap = None
    ssv2_per_class: SSV2PerClass = 0
    ssv2_cache: SSV2Cache = None

    def imported(self) -> list[str]:
        """The dataset folder of the import asked for (made now; a rerun reuses what is imported), if any."""
        if self.ssv2_labels is None and self.ssv2_videos is None:
            if self.ssv2_classes or self.ssv2_task_map:
                raise ValueError("--ssv2-classes and --ssv2-task-map need --ssv2-labels and --ssv2-videos")
            return []
        if self.ssv2_labels is None or self.ssv2_videos is None:
            raise ValueError("SS-V2 data needs both --ssv2-labels and --ssv2-videos")
        from adapt2reward.data.ssv2_classes import read_task_map
        from adapt2reward.data.ssv2_import import SSV2Spec, ssv2_folder

        mapping = read_task_map(self.ssv2_task_map) if self.ssv2_task_map else {}
        classes = tuple(self.ssv2_classes or ())
        spec = SSV2Spec(str(self.ssv2_labels), str(self.ssv2_videos), classes, mapping, self.ssv2_per_class)
        out = ssv2_folder(spec, self.ssv2_cache)
        typer.echo(json.dumps({"ssv2_import": str(out)}), err=True)
        return [str(out)]


def _split(value: str | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(v.strip() for v in value.split(",") if v.strip())


def _given(**flags: Any) -> dict[str, Any]:
    """The flags given on the command line (not None), as config values (paths as strings)."""
    plain = {
        k: [str(x) for x in v] if isinstance(v, list) else v for k, v in flags.items() if v not in (None, [])
    }
    return {k: str(v) if isinstance(v, Path) else v for k, v in plain.items()}


def _config(cls: type, path: Path | None, imported: dict[str, list[str]] | None = None, **flags: Any):
    """A config from its JSON file (or the defaults) with the flags given on top, and the folders of a
    LeRobot or SS-V2 import added to the dataset folders of its field (`{"robot": [folder]}`). Its `out`
    folder, if it does not exist yet, is one a failed run removes while it is still empty."""
    config = load_config(cls, path, _given(**flags), {k: v for k, v in (imported or {}).items() if v})
    if getattr(config, "out", None):
        _new_outputs.append(_new_folders(Path(config.out)))
    return config


_settings = {"debug": False}  # options given before the command, read by its error path
_new_outputs: list[list[Path]] = []  # output folders (and parents) the running command may create


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Show an error's traceback, not one line.")] = False,
) -> None:
    _settings["debug"] = debug


@contextlib.contextmanager
def _warnings_in_one_line() -> Iterator[None]:
    """Warnings shown as `warning: MESSAGE`, without the file and line of code a user cannot act on."""
    default = warnings.formatwarning
    warnings.formatwarning = lambda message, *_, **__: f"warning: {message}\n"
    try:
        yield
    finally:
        warnings.formatwarning = default


def _is_user_error(error: BaseException) -> bool:
    """Errors a user can act on (bad input; a file missing, unreadable or corrupt); the rest are bugs."""
    from adapt2reward.data.clip_io import ClipDecodeError

    return isinstance(error, ValueError | OSError | ClipDecodeError)


def _message(error: BaseException) -> str:
    """An error in one line; one the OS raised (permission denied, ...) names its path first."""
    if isinstance(error, OSError) and error.strerror and error.filename:
        return f"{error.filename}: {error.strerror}"
    return str(error)


def _new_folders(path: Path | None) -> list[Path]:
    """`path` and its parents that do not exist yet, deepest first: what a failed run should not leave."""
    new = []
    while path is not None and not path.exists() and path != path.parent:
        new.append(path)
        path = path.parent
    return new


def _option_groups(fn: Callable[..., None]) -> Callable[..., None]:
    """`fn` with each parameter typed by an options dataclass (`LeRobotOptions`) replaced, for typer, by
    that dataclass's fields as flags; `fn` gets the dataclass."""
    hints = typing.get_type_hints(fn, include_extras=True)
    groups = {name: hint for name, hint in hints.items() if dataclasses.is_dataclass(hint)}
    params = []
    for param in inspect.signature(fn).parameters.values():
        group = groups.get(param.name)
        if group is None:
            params.append(param.replace(annotation=hints[param.name]))
            continue
        group_hints = typing.get_type_hints(group, include_extras=True)
        params += [
            inspect.Parameter(f.name, param.KEYWORD_ONLY, default=f.default, annotation=group_hints[f.name])
            for f in dataclasses.fields(group)
        ]

    @functools.wraps(fn)
    def call(**values: Any) -> None:
        for name, group in groups.items():
            values[name] = group(**{f.name: values.pop(f.name) for f in dataclasses.fields(group)})
        fn(**values)

    call.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    call.__annotations__ = {p.name: p.annotation for p in params}
    return call


def command(name: str | None = None):
    """`app.command`, with the one error path of every command: a user error ends in one line on stderr
    and exit code 2 (`a2r --debug` shows its traceback), and a failed run removes the output folders it
    created (`--out`, or a config file's `out`) while they are still empty. Options dataclasses among
    its parameters become flags."""

    def register(fn):
        fn = _option_groups(fn)

        @functools.wraps(fn)
        def run(**params):
            _new_outputs[:] = [_new_folders(params.get("out"))]
            try:
                with _warnings_in_one_line():
                    fn(**params)
            except BaseException as error:
                for new in _new_outputs:
                    for folder in new:
                        if not folder.is_dir() or any(folder.iterdir()):
                            break
                        folder.rmdir()
                if not _is_user_error(error) or _settings["debug"]:
                    raise
                typer.secho(f"error: {_message(error)}", fg=typer.colors.RED, err=True)
                raise typer.Exit(2) from None

        return app.command(name)(run)

    return register


def _generation_fields(
    domains: tuple[str, ...],
    tasks: tuple[str, ...] | None,
    human_tasks: tuple[str, ...] | None,
    clips: int | None,
    human_clips: int | None,
    variants: tuple[str, ...] | None,
) -> dict[str, object]:
    """`a2r generate`'s per-domain flags as config fields. --tasks and --clips-per-task set the robot
    clips, or the human ones when only those are made (who names tasks and a count gets them); a flag
    that would set nothing is an error, not ignored."""
    if "human" not in domains:
        for flag, value in (("--human-tasks", human_tasks), ("--human-clips-per-task", human_clips)):
            if value is not None:
                raise ValueError(f"{flag} sets human clips, and --domains {','.join(domains)} makes none")
    if "robot" in domains:
        return {
            "robot_tasks": tasks,
            "robot_clips_per_task": clips,
            "variants": variants,
            "human_tasks": human_tasks,
            "human_clips_per_task": human_clips,
        }
    if variants is not None:
        raise ValueError("--variants sets the robot clips' looks, and --domains human makes no robot clips")
    for flag, value, other in (("--tasks", tasks, human_tasks), ("--clips-per-task", clips, human_clips)):
        if value is not None and other is not None:
            raise ValueError(f"{flag} and --human-{flag[2:]} both set the human clips: give one")
    return {
        "human_tasks": tasks if tasks is not None else human_tasks,
        "human_clips_per_task": clips if clips is not None else human_clips,
    }


@command()
def generate(
    out: Annotated[Path, typer.Option(help="Dataset folder to create or resume.")],
    config: Annotated[Path | None, typer.Option(help="Generation config JSON (see configs/).")] = None,
    tasks: Annotated[
        str | None, typer.Option(help="Robot tasks, comma-separated (human ones with --domains human).")
    ] = None,
    human_tasks: Annotated[str | None, typer.Option(help="Human-domain tasks, comma-separated.")] = None,
    domains: Annotated[str | None, typer.Option(help="robot,human")] = None,
    clips_per_task: Annotated[
        int | None,
        typer.Option(help="Robot clips per task and variant (human clips per task with --domains human)."),
    ] = None,
    human_clips_per_task: Annotated[int | None, typer.Option(help="Human clips per task.")] = None,
    variants: Annotated[str | None, typer.Option(help="Robot variants, e.g. train,colors.")] = None,
    frames: Annotated[int | None, typer.Option(help="Frames kept per clip.")] = None,
    size: Annotated[int | None, typer.Option(help="Frame height and width in pixels.")] = None,
    seed: Annotated[int | None, typer.Option(help="Dataset seed.")] = None,
    workers: Annotated[int, typer.Option(help="Parallel worker processes.", min=1)] = 1,
    backend: Annotated[
        str, typer.Option(help="local (processes on this machine) or ray (a Ray cluster).")
    ] = "local",
) -> None:
    """Generate (or resume) a simulated dataset of robot and human-like clips."""
    from adapt2reward.data.generate import generate as run
    from adapt2reward.data.generation_config import GenerationConfig

    cfg = _config(GenerationConfig, config, domains=_split(domains), num_frames=frames, size=size, seed=seed)
    per_domain = _generation_fields(
        cfg.domains,
        _split(tasks),
        _split(human_tasks),
        clips_per_task,
        human_clips_per_task,
        _split(variants),
    )
    counts = run(dataclasses.replace(cfg, **_given(**per_domain)), out, workers=workers, backend=backend)
    typer.echo(json.dumps({"out": str(out), **counts}))


@command("second-view")
def second_view(
    source: Annotated[Path, typer.Option(help="Generated dataset whose human clips are filmed again.")],
    out: Annotated[Path, typer.Option(help="Folder of the second views, to create or resume.")],
    variant: Annotated[str, typer.Option(help="The look they are filmed in, e.g. any-view.")] = "any-view",
    per_task: Annotated[int, typer.Option(help="Clips per task filmed again (0: all).", min=0)] = 0,
    workers: Annotated[int, typer.Option(help="Parallel worker processes.", min=1)] = 1,
    domain: Annotated[
        str, typer.Option(help="Whose clips: human (successes) or robot (both outcomes).")
    ] = "human",
    look: Annotated[
        str | None, typer.Option(help="Film them in another domain's look, e.g. robot clips as human.")
    ] = None,
) -> None:
    """Film a simulated dataset's clips again in another look: multi-view pairs of human clips for stage
    1, or robot clips in the human look (cross-embodiment pairs for stage 2)."""
    from adapt2reward.data.second_view import film_second_views

    counts = film_second_views(source, out, variant, per_task, workers, domain=domain, look=look)
    typer.echo(json.dumps({"out": str(out), **counts}))


@command("import-lerobot")
def import_lerobot_command(
    source: Annotated[Path, typer.Argument(help="LeRobot dataset folder (codebase v2.1 or v3.0).")],
    out: Annotated[Path, typer.Option(help="Dataset folder to create or resume.")],
    camera: Annotated[str, typer.Option(help="Camera key, e.g. observation.images.front.")],
    success_key: SuccessKey = None,
    success_file: SuccessFile = None,
    frames: Annotated[int, typer.Option(help="Frames kept per episode, evenly spaced.")] = 8,
    size: Annotated[int, typer.Option(help="Frames cropped and resized to SIZE (0: as decoded).")] = 64,
    window: Annotated[
        str | None, typer.Option(help="START:END in seconds of each episode (negative: from its end).")
    ] = None,
    success_threshold: Annotated[
        float, typer.Option(help="Numeric labels at or above it are successes.")
    ] = 0.5,
) -> None:
    """Import a LeRobot dataset's episodes as robot clips of a dataset folder (resumable)."""
    from adapt2reward.data.lerobot_import import import_lerobot
    from adapt2reward.data.lerobot_read import LeRobotSpec

    span = None
    if window is not None:
        start, _, end = window.partition(":")
        span = (float(start) if start else None, float(end) if end else None)
    spec = LeRobotSpec(
        str(source),
        camera,
        success_key,
        str(success_file) if success_file else None,
        num_frames=frames,
        window=span,
        success_threshold=success_threshold,
    )
    counts = import_lerobot(spec, out, size or None)
    typer.echo(json.dumps(counts))


@command("import-ssv2")
def import_ssv2_command(
    labels: Annotated[
        Path, typer.Argument(help="SS-V2 split labels JSON (something-something-v2-train.json).")
    ],
    videos: Annotated[Path, typer.Option(help="Folder of the <id>.webm videos.")],
    out: Annotated[Path, typer.Option(help="Dataset folder to create or resume.")],
    classes: Annotated[
        list[str] | None, typer.Option(help='Classes by id or template: "5,46" or "Closing [something]".')
    ] = None,
    task_map: Annotated[
        Path | None,
        typer.Option(help='JSON class -> task name, e.g. {"Closing [something]": "drawer-close"}.'),
    ] = None,
    class_file: Annotated[
        Path | None, typer.Option(help="Class file template -> id (default: the one next to LABELS).")
    ] = None,
    per_class: SSV2PerClass = 0,
    frames: Annotated[int, typer.Option(help="Frames kept per video, evenly spaced.")] = 8,
    size: Annotated[int, typer.Option(help="Frames cropped and resized to SIZE (0: as decoded).")] = 64,
) -> None:
    """Import SS-V2 videos of chosen classes as human clips of a dataset folder (resumable)."""
    from adapt2reward.data.ssv2_classes import read_task_map
    from adapt2reward.data.ssv2_import import SSV2Spec, import_ssv2

    mapping = read_task_map(task_map) if task_map else {}
    spec = SSV2Spec(
        str(labels),
        str(videos),
        tuple(classes or ()),
        mapping,
        str(class_file) if class_file else None,
        per_class,
        frames,
    )
    counts = import_ssv2(spec, out, size or None)
    typer.echo(json.dumps(counts))


@command("match-tasks")
def match_tasks(
    ssv2_labels: Annotated[
        Path, typer.Option(help="SS-V2 class file (template -> id) or a split's labels JSON.")
    ],
    checkpoint: Annotated[Path, typer.Option(help="Checkpoint whose text tower ranks the templates.")] = Path(
        "checkpoints/stage1"
    ),
    tasks: Annotated[
        str | None, typer.Option(help="Robot tasks, comma-separated (default: every registered task).")
    ] = None,
    top: Annotated[int, typer.Option(help="Templates shown per task.")] = 5,
    out: Annotated[Path | None, typer.Option(help="Write the proposed task map (JSON) here.")] = None,
    pretending: Annotated[
        bool, typer.Option(help='Also rank the "Pretending to ..." classes (the action not done).')
    ] = False,
) -> None:
    """Rank SS-V2 templates for each robot task by text similarity; propose a task map to check and edit."""
    from adapt2reward.data.ssv2_match import (
        drop_pretending,
        propose,
        rank_templates,
        read_templates,
        task_map,
    )
    from adapt2reward.reward.reward_model import RewardModel
    from adapt2reward.tasks import TASK_NAMES, get_task

    names = list(_split(tasks) or TASK_NAMES)
    unknown = sorted(set(names) - set(TASK_NAMES))
    if unknown:
        raise ValueError(f"unknown robot tasks {unknown}; known: {list(TASK_NAMES)}")
    model = RewardModel.load(checkpoint).model
    templates = read_templates(ssv2_labels)
    templates = templates if pretending else drop_pretending(templates)
    phrasings = {name: get_task(name).instructions for name in names}
    matches = propose(rank_templates(model, phrasings, templates, max(top, 1)))
    warned: set[frozenset] = set()
    for match in matches:
        typer.echo(f"{match.task}  ({'; '.join(match.phrasings)})")
        for rank, (template, score) in enumerate(match.ranked, 1):
            mark = "  <- proposed" if template == match.proposed else ""
            typer.echo(f"  {rank}. {score:.3f}  {template}{mark}")
        owner = next((m.task for m in matches if m.proposed == match.ranked[0][0]), None)
        if match.proposed is None:
            typer.echo(
                f"  ! no proposal: its first template went to {owner}, which scored it higher (a template "
                "names one task); choose one by hand"
            )
        elif match.proposed != match.ranked[0][0]:
            typer.echo(f"  ! its first template went to {owner}, which scored it higher")
        opposite = get_task(match.task).opposite
        rival = next((m for m in matches if m.task == opposite), None)
        pair = frozenset((match.task, str(opposite)))
        if rival and rival.ranked[0][0] == match.ranked[0][0] and pair not in warned:
            warned.add(pair)
            typer.echo(
                f"  ! {match.task} and its opposite {opposite} rank the same template first: "
                "check the direction"
            )
    mapping = task_map(matches)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(mapping, indent=2) + "\n")
        typer.echo(f"proposed task map written to {out}: edit it, then pass it as --ssv2-task-map")
    else:
        typer.echo(json.dumps(mapping, indent=2))


@command("record-planner")
def record_planner(
    out: Annotated[Path, typer.Option(help="Dataset folder to write (or to resume).")],
    tasks: Annotated[str, typer.Option(help="Robot training tasks, comma-separated.")] = (
        "drawer-close,faucet-open,button-press"
    ),
    episodes: Annotated[int, typer.Option(help="Planning episodes per task.", min=1)] = 10,
    per_episode: Annotated[
        int,
        typer.Option(help="Candidate clips kept per episode, half ending in success when there are.", min=2),
    ] = 40,
    variant: Annotated[str, typer.Option(help="Robot look the episodes are planned in.")] = "train",
    seed: Annotated[int, typer.Option(help="First episode seed (keep apart from 0-19 and 1000+).")] = 20_000,
    preset: Annotated[str, typer.Option(help="Evaluation preset whose planner searches.")] = "full-20",
    look: Annotated[
        str, typer.Option(help="human: the same clips filmed in the human look (embodiment pairs).")
    ] = "robot",
    guide: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            file_okay=False,
            help="A trained reward (checkpoint folder) that guides the search in place of the oracle "
            "and noise: its own adversarial candidates, labelled by the simulator (lever 15).",
        ),
    ] = None,
) -> None:
    """Record robot clips from the planner's own search, labelled by the simulator (a data source)."""
    from adapt2reward.evaluation.protocols import get_preset
    from adapt2reward.planning.candidate_clips import record_planner_dataset

    guides = None
    if guide is not None:
        from adapt2reward.baselines import checkpoint_kind
        from adapt2reward.evaluation.runner import planner_reward

        guides = [planner_reward(checkpoint_kind(guide), guide)]
    names = _split(tasks) or ()
    written = record_planner_dataset(
        out, names, episodes, get_preset(preset).planner, per_episode, variant, seed, look=look, guides=guides
    )
    typer.echo(json.dumps({"out": str(out), "written": written}))


@command()
def export(
    dataset: Annotated[Path, typer.Argument(help="Dataset folder (manifest.jsonl + clips).")],
    out: Annotated[Path, typer.Option(help="Folder to create; it must not exist.")],
    fmt: Annotated[str, typer.Option("--format", help="Output format: lerobot (v3.0).")] = "lerobot",
    camera: Annotated[str, typer.Option(help="Camera key of the video.")] = "observation.images.front",
    fps: Annotated[int, typer.Option(help="Frame rate written to the videos and timestamps.")] = 8,
    domain: Annotated[str, typer.Option(help="robot, human or all.")] = "robot",
) -> None:
    """Write a dataset as a LeRobot v3.0 dataset (success label and failure source as columns)."""
    from adapt2reward.data.lerobot_write import export_lerobot

    if fmt != "lerobot":
        raise ValueError(f"unknown format {fmt!r}; known: lerobot")
    counts = export_lerobot(dataset, out, camera, fps, None if domain == "all" else domain)
    typer.echo(json.dumps(counts))


@command()
def pretrain(
    data: Annotated[
        list[Path] | None, typer.Option(help="Dataset folder(s) with human-domain clips.")
    ] = None,
    out: OutCkpt = None,
    config: Annotated[Path | None, typer.Option(help="PretrainConfig JSON (see configs/).")] = None,
    epochs: Epochs = None,
    seed: Seed = None,
    device: Device = "cpu",
    ssv2: SSV2Options = SSV2Options(),
) -> None:
    """Stage 1: video-language pre-training on human video-text pairs; rerun to resume."""
    from adapt2reward.models.device import resolve_device
    from adapt2reward.training.config import PretrainConfig
    from adapt2reward.training.pretrain import pretrain as run

    imported = {"data": ssv2.imported()}
    cfg = _config(PretrainConfig, config, imported, data=data, out=out, epochs=epochs, seed=seed)
    last = run(cfg, device=str(resolve_device(device)))
    typer.echo(json.dumps({"checkpoint": cfg.out, **last}))


@command()
def train(
    config: Annotated[Path | None, typer.Option(help="TrainConfig JSON (see configs/).")] = None,
    human: HumanDirs = None,
    robot: RobotDirs = None,
    init: InitCkpt = None,
    out: OutCkpt = None,
    tasks: Annotated[str | None, typer.Option(help="Robot training tasks, comma-separated.")] = None,
    human_tasks: HumanTasks = None,
    ablation: Annotated[str | None, typer.Option(help="full, no-failure or bce-only.")] = None,
    num_modes: Annotated[int | None, typer.Option("--k", help="Failure modes K per task.")] = None,
    epochs: Epochs = None,
    seed: Seed = None,
    device: Device = "cpu",
    lerobot: LeRobotOptions = LeRobotOptions(),
    ssv2: SSV2Options = SSV2Options(),
) -> None:
    """Stage 2: adapt with human clips and robot success/failure clips (the method); rerun to resume."""
    from adapt2reward.distributed.data_parallel import is_main_process
    from adapt2reward.evaluation.heldout import evaluate_run
    from adapt2reward.models.device import resolve_device
    from adapt2reward.training.adapt import train as run
    from adapt2reward.training.config import TrainConfig

    imported = {"robot": lerobot.imported(), "human": ssv2.imported()}
    cfg = _config(
        TrainConfig,
        config,
        imported,
        human=human,
        robot=robot,
        init=init,
        out=out,
        tasks=_split(tasks),
        human_tasks=_split(human_tasks),
        ablation=ablation,
        num_modes=num_modes,
        epochs=epochs,
        seed=seed,
    )
    run(cfg, device=str(resolve_device(device)))
    # under torchrun every process runs this command; the main one measures the run
    metrics = evaluate_run(cfg.out) if is_main_process() else {}
    typer.echo(json.dumps({"checkpoint": cfg.out, "heldout": metrics}, indent=2))


@command("translate-look")
def translate_look(
    checkpoint: Annotated[Path, typer.Option(help="Stage-2 checkpoint folder (`a2r train`).")],
    pairs: Annotated[
        list[Path], typer.Option(help="Folder of its robot clips filmed in the human look (repeatable).")
    ],
    out: Annotated[Path, typer.Option(help="Checkpoint folder to write, with the translator.")],
    ridge: Annotated[float, typer.Option(help="Ridge λ of the fit.", min=0.0)] = 100.0,
    strength: Annotated[float, typer.Option(help="How far features move to the human look, (0, 1].")] = 0.7,
    both_readings: Annotated[
        bool, typer.Option(help="Score the sum of the raw and translated readings (lever 12).")
    ] = False,
    encoder_blocks: Annotated[
        int,
        typer.Option(
            help="0: an affine map of frame features. N in 1..16: train a copy of the frame encoder's last "
            "N blocks instead (lever 13; --ridge and --strength do not apply).",
            min=0,
        ),
    ] = 0,
    epochs: Annotated[int, typer.Option(help="Epochs of the encoder translator.", min=1)] = 6,
    lr: Annotated[float, typer.Option(help="Adam learning rate of the encoder translator.")] = 1e-4,
) -> None:
    """Read robot video partly as the human stand-in's: fit a per-frame look translator on the
    checkpoint's robot training clips and their human-look copies, and write the checkpoint with it."""
    from adapt2reward.training.encoder_translation import EncoderFitConfig
    from adapt2reward.training.look_translation import translate_checkpoint

    encoder = EncoderFitConfig(blocks=encoder_blocks, epochs=epochs, lr=lr) if encoder_blocks else None
    record = translate_checkpoint(
        checkpoint, [str(p) for p in pairs], out, ridge, strength, both_readings, encoder=encoder
    )
    typer.echo(json.dumps({"checkpoint": str(out), "look_translator": record}))


@command()
def ensemble(
    member: Annotated[
        list[Path], typer.Option(help="Checkpoint folder of a member (repeatable, two or more).")
    ],
    out: Annotated[Path, typer.Option(help="Ensemble folder to write (config.json only).")],
    penalty: Annotated[
        float, typer.Option(help="Subtract this many of the members' std from their mean reward.", min=0.0)
    ] = 0.0,
) -> None:
    """Read several trained rewards as one: their mean reward less `penalty` times their spread; the folder
    is scored, planned with and benchmarked like any checkpoint."""
    from adapt2reward.reward.ensemble import EnsembleConfig, save_ensemble

    config = EnsembleConfig(tuple(str(m) for m in member), penalty)
    typer.echo(json.dumps({"ensemble": str(save_ensemble(out, config)), **config.to_dict()}))


@command()
def rescore(
    checkpoint: Annotated[
        Path, typer.Option(help="Stage-2 checkpoint folder (`a2r train`, `a2r translate-look`).")
    ],
    out: Annotated[Path, typer.Option(help="New checkpoint folder to write (weights hard-linked).")],
    scoring: Annotated[
        str,
        typer.Option(
            help="relative (lever 2: the instruction against the checkpoint's training tasks' texts and "
            "their opposites) or cosine (the paper's reward)."
        ),
    ] = "relative",
) -> None:
    """Write a copy of a checkpoint that records how its reward is read; planning, RL, the server and the
    benchmarks then score it that way."""
    from adapt2reward.reward.rescoring import rescore_checkpoint

    folder = rescore_checkpoint(checkpoint, out, scoring)
    typer.echo(json.dumps({"checkpoint": str(folder), "scoring": scoring}))


@command()
def baseline(
    kind: Annotated[str, typer.Argument(help="dvd, liv or concept2robot (zero-shot needs no training).")],
    config: Annotated[Path | None, typer.Option(help="The baseline's config JSON.")] = None,
    human: HumanDirs = None,
    human_tasks: HumanTasks = None,
    robot: RobotDirs = None,
    init: InitCkpt = None,
    out: Annotated[Path | None, typer.Option(help="Checkpoint folder to write.")] = None,
    steps: Annotated[int | None, typer.Option(help="Optimiser steps.")] = None,
    seed: Seed = None,
    device: Device = "cpu",
    lerobot: LeRobotOptions = LeRobotOptions(),
    ssv2: SSV2Options = SSV2Options(),
) -> None:
    """Train a baseline reward (DVD, LIV, Concept2Robot) on the same data and backbone; rerun to resume."""
    from adapt2reward.baselines import BASELINES
    from adapt2reward.models.device import resolve_device

    if kind not in BASELINES or BASELINES[kind].train is None:
        raise ValueError(
            f"cannot train {kind!r}; trainable baselines: {[k for k, b in BASELINES.items() if b.train]}"
        )
    entry = BASELINES[kind]
    imported = {"human": ssv2.imported()}
    if kind == "concept2robot":  # human clips only
        robot = None
    else:
        imported["robot"] = lerobot.imported()
    cfg = _config(
        entry.config_class,
        config,
        imported,
        human=human,
        human_tasks=_split(human_tasks),
        robot=robot,
        init=init,
        out=out,
        steps=steps,
        seed=seed,
    )
    path = entry.train(cfg, device=str(resolve_device(device)))
    typer.echo(json.dumps({"checkpoint": str(path)}))


@command()
def score(
    video: Annotated[Path, typer.Argument(help="Video file (mp4, webm, ...) or clip archive (.npz).")],
    instruction: Annotated[str, typer.Argument(help='Instruction, e.g. "close the drawer".')],
    checkpoint: Annotated[
        Path, typer.Option(help="Checkpoint folder: Adapt2Reward, an ensemble or a trained baseline.")
    ],
    device: Device = "cpu",
) -> None:
    """Print the reward and success probability of a video for an instruction, as one JSON object (the
    probability is null for a reward without a success head)."""
    from adapt2reward.baselines import load_reward
    from adapt2reward.data.clip_io import read_clip_file
    from adapt2reward.models.device import resolve_device

    frames = read_clip_file(video)["frames"][None]  # a bad path fails before the model's seconds of loading
    model = load_reward(checkpoint, resolve_device(device))
    reward, *probability = model.scores(frames, [instruction])
    typer.echo(
        json.dumps(
            {
                "reward": float(reward[0]),
                "success_probability": float(probability[0][0]) if probability else None,
            }
        )
    )


def _methods(
    checkpoint: Path, name: str, baselines: list[str] | None, extra: list[str] | None
) -> dict[str, tuple[str, Path]]:
    """Method name -> (kind, checkpoint): the main checkpoint, `KIND=PATH` baselines, `NAME=PATH` models
    (an Adapt2Reward checkpoint, an ensemble or a trained baseline, told apart by the checkpoint's config)."""
    from adapt2reward.baselines import checkpoint_kind

    methods = {name: (checkpoint_kind(checkpoint), checkpoint)}
    for spec, is_baseline in [(b, True) for b in baselines or []] + [(e, False) for e in extra or []]:
        if "=" not in spec:
            raise ValueError(f"expected {'KIND' if is_baseline else 'NAME'}=PATH, got {spec!r}")
        label, path = spec.rsplit("=", 1)  # a name may hold "=" (K=3), a path rarely does
        methods[label] = (label if is_baseline else checkpoint_kind(path), Path(path))
    return methods


@command("eval")
def evaluate(
    protocol: Annotated[
        str,
        typer.Argument(
            help="env-generalization, task-generalization, robustness, offline, target-clips, or a .json "
            "protocol."
        ),
    ],
    checkpoint: Annotated[
        Path, typer.Option(help="Stage-2 checkpoint (its held-out clips serve `offline`).")
    ],
    out: Annotated[Path, typer.Option(help="Results folder (PROTOCOL.json is written there).")],
    name: Annotated[str, typer.Option(help="Name of the checkpoint's row in the tables.")] = "adapt2reward",
    baseline: Annotated[
        list[str] | None,
        typer.Option(help="KIND=PATH of a baseline (zero-shot, dvd, liv, concept2robot); repeatable."),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(
            help="NAME=PATH of another checkpoint, Adapt2Reward or a trained baseline (a seed, an ablation, "
            "another data setting); repeatable. Name training seeds 'NAME \\[seed K]' to get mean ± sd."
        ),
    ] = None,
    episodes: Annotated[
        int | None, typer.Option(help="Episodes per task and variant (default: the preset's).")
    ] = None,
    workers: Annotated[int, typer.Option(help="Parallel episode workers.", min=1)] = 1,
    preset: Annotated[
        str,
        typer.Option(
            help="quick, full, full-20 or validation (seeds 1000+: for choosing settings); the -96px and "
            "-16f variants of the last two film 96-px frames or 16-frame clips, for rewards that read them; "
            "presets.json."
        ),
    ] = "quick",
    backend: Annotated[
        str, typer.Option(help="local (processes on this machine) or ray (a Ray cluster).")
    ] = "local",
    clips: Annotated[
        int | None,
        typer.Option(help="target-clips: evaluation clips per target task, domain and outcome (default 8)."),
    ] = None,
    clip_cache: Annotated[
        Path | None,
        typer.Option(help="target-clips: folder the clips are recorded in once (default data/target-clips)."),
    ] = None,
    look: Annotated[
        str,
        typer.Option(
            help="Planning: the look the candidates are filmed in for the learned rewards; human shows the "
            "robot's search as the human stand-in's (a diagnostic, not a protocol)."
        ),
    ] = "robot",
    device: Device = "cpu",
) -> None:
    """Evaluate rewards: plan with each in simulation (with oracle and random), or score held-out clips
    (offline) or evaluation-only clips of the target tasks in both domains (target-clips)."""
    from adapt2reward.evaluation.runner import TARGET_CLIPS, run_evaluation
    from adapt2reward.models.device import resolve_device

    methods = _methods(checkpoint, name, baseline, model)
    summary = run_evaluation(
        protocol,
        methods,
        checkpoint,
        out,
        episodes,
        workers,
        preset,
        backend=backend,
        device=str(resolve_device(device)),
        clips=clips,
        clip_cache=clip_cache,
        look=look,
    )
    if protocol == TARGET_CLIPS:  # not every clip's score
        summary = {key: summary[key] for key in ("clips", "seeds", "auc")}
    typer.echo(json.dumps(summary, indent=2))


@command()
def bench(
    out: Annotated[Path, typer.Option(help="Results folder: bench.json, BENCH.md, PNGs (and probes/).")],
    model: Annotated[
        list[str],
        typer.Option(
            help="NAME=PATH of a reward: an Adapt2Reward checkpoint, a trained baseline or a stage-1 "
            "checkpoint (zero-shot); repeatable, the first is compared with the others. Name seeds "
            "'NAME \\[seed K]'."
        ),
    ],
    data: Annotated[
        list[Path] | None,
        typer.Option(
            help="Dataset folder of labelled clips (generated or imported from LeRobot); repeatable."
        ),
    ] = None,
    heldout: Annotated[
        Path | None,
        typer.Option(help="Also score this stage-2 checkpoint's held-out clips (as eval offline)."),
    ] = None,
    domain: Annotated[str, typer.Option(help="Domain of the clips scored: robot or human.")] = "robot",
    tasks: Annotated[str | None, typer.Option(help="Only these tasks, comma-separated.")] = None,
    probes: Annotated[
        int, typer.Option(help="Over-reward probe clips per task and kind, made by the simulator (0: none).")
    ] = 0,
    probe_dir: Annotated[
        Path | None, typer.Option(help="Folder the probe clips are made in and reused from (OUT/probes).")
    ] = None,
    calibration_fraction: Annotated[
        float, typer.Option(help="Share of clips (by clip id) that chooses the F1 threshold.")
    ] = 0.3,
    bootstrap: Annotated[int, typer.Option(help="Paired-bootstrap resamples (0: none).")] = 1000,
    workers: Annotated[int, typer.Option(help="Processes that record probe clips.", min=1)] = 1,
    device: Device = "cpu",
) -> None:
    """Score rewards on labelled clips: success detection, calibration, VOC, confusion, over-reward probes."""
    from adapt2reward.evaluation.bench import BenchSettings, run_bench
    from adapt2reward.models.device import resolve_device

    methods = {}
    for spec in model:
        if "=" not in spec:
            raise ValueError(f"expected --model NAME=PATH, got {spec!r}")
        name, path = spec.rsplit("=", 1)
        methods[name] = Path(path)
    settings = BenchSettings(
        calibration_fraction=calibration_fraction,
        probes=probes,
        probe_dir=str(probe_dir) if probe_dir else None,
        bootstrap=bootstrap,
        workers=workers,
    )
    run_bench(
        methods,
        out,
        data or [],
        heldout,
        domain,
        _split(tasks),
        settings,
        device=str(resolve_device(device)),
    )
    typer.echo(f"bench: {out / 'BENCH.md'}")


@command()
def report(
    results: Annotated[Path, typer.Option(help="Results folder written by `a2r eval`.")],
    ablation: Annotated[
        Path | None, typer.Option(help="Ablation table JSON (default: RESULTS/ablation.json).")
    ] = None,
) -> None:
    """Gather the results of `a2r eval` into RESULTS/REPORT.md with tables and PNG plots."""
    from adapt2reward.evaluation.report import build_report

    path = build_report(results, ablation)
    typer.echo(f"report: {path}")


@command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo's data, checkpoints and report.")] = Path(
        "runs/demo"
    ),
    workers: Annotated[int, typer.Option(help="Parallel workers for generation and episodes.", min=1)] = 2,
) -> None:
    """Small end-to-end run: generate, pretrain, adapt, evaluate (quick preset), report. Resumable."""
    from adapt2reward.demo import run_demo

    path = run_demo(out, workers)
    typer.echo(f"report: {path}")


@command()
def serve(
    checkpoint: Annotated[
        Path, typer.Argument(help="Checkpoint folder to serve: Adapt2Reward, an ensemble or a baseline.")
    ],
    host: Annotated[
        str, typer.Option(help="Address to bind; beyond loopback a token is required.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    max_batch: Annotated[int, typer.Option(help="Most clips scored in one model call.")] = 32,
    max_queue: Annotated[int, typer.Option(help="Most requests waiting; more get 503.")] = 64,
    device: Device = "cpu",
) -> None:
    """Serve rewards over HTTP (POST /score, GET /health); the bearer token comes from $A2R_SERVE_TOKEN."""
    from adapt2reward.models.device import resolve_device
    from adapt2reward.serving.server import serve as run

    run(
        checkpoint,
        host=host,
        port=port,
        max_batch=max_batch,
        max_queue=max_queue,
        device=str(resolve_device(device)),
    )


if __name__ == "__main__":
    app()
