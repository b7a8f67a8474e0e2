"""The `a2r` command line: thin wrappers over library functions that the tests call too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="adapt2reward: learn a language-conditioned robot reward from human videos and a few robot clips.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _split(value: str | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(v.strip() for v in value.split(",") if v.strip())


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Dataset folder to create or resume.")],
    config: Annotated[Path | None, typer.Option(help="Generation config JSON (see configs/).")] = None,
    tasks: Annotated[str | None, typer.Option(help="Robot tasks, comma-separated.")] = None,
    human_tasks: Annotated[str | None, typer.Option(help="Human-domain tasks, comma-separated.")] = None,
    domains: Annotated[str | None, typer.Option(help="robot,human")] = None,
    clips_per_task: Annotated[int | None, typer.Option(help="Robot clips per task and variant.")] = None,
    human_clips_per_task: Annotated[int | None, typer.Option(help="Human clips per task.")] = None,
    variants: Annotated[str | None, typer.Option(help="Robot variants, e.g. train,colors.")] = None,
    frames: Annotated[int | None, typer.Option(help="Frames kept per clip.")] = None,
    size: Annotated[int | None, typer.Option(help="Frame height and width in pixels.")] = None,
    seed: Annotated[int | None, typer.Option(help="Dataset seed.")] = None,
    workers: Annotated[int, typer.Option(help="Parallel worker processes.")] = 1,
) -> None:
    """Generate (or resume) a simulated dataset of robot and human-like clips."""
    from adapt2reward.data.generate import generate as run
    from adapt2reward.data.generation_config import GenerationConfig

    try:
        cfg = GenerationConfig.from_file(config) if config else GenerationConfig()
        cfg = cfg.override(
            robot_tasks=_split(tasks),
            human_tasks=_split(human_tasks),
            domains=_split(domains),
            robot_clips_per_task=clips_per_task,
            human_clips_per_task=human_clips_per_task,
            variants=_split(variants),
            num_frames=frames,
            size=size,
            seed=seed,
        )
        counts = run(cfg, out, workers=workers)
    except (ValueError, FileNotFoundError) as e:
        _fail(str(e))
    typer.echo(json.dumps({"out": str(out), **counts}))


if __name__ == "__main__":
    app()
