"""Clip records and the dataset manifest (`manifest.jsonl`, one JSON object per clip)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from adapt2reward.paths import why_not

MANIFEST_NAME = "manifest.jsonl"
DOMAINS = ("robot", "human")
FAILURE_SOURCES = ("random", "near_success", "planner")
REQUIRED_FIELDS = (
    "id",
    "domain",
    "task",
    "instruction",
    "success",
    "failure_source",
    "variant",
    "seed",
    "num_frames",
    "path",
)

Domain = Literal["robot", "human"]


class ManifestError(ValueError):
    """A manifest line is missing, does not parse, or holds an invalid record."""


@dataclass(frozen=True)
class ClipRecord:
    """One clip of a dataset.

    `success` is the simulator's own success flag at the end of the clip (or the data set's label);
    `failure_source` says what produced a clip that was *meant* to fail (`random` exploration or a
    `near_success` perturbation of the expert), `None` for expert attempts. The two are independent: a
    near-success attempt that happens to succeed is recorded with `success=True`.
    """

    id: str
    domain: Domain
    task: str
    instruction: str
    success: bool
    failure_source: str | None
    variant: str
    seed: int
    num_frames: int
    path: str
    height: int = 0
    width: int = 0
    behaviour: str = "expert"
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.id:
            raise ManifestError("clip record has an empty id")
        if self.domain not in DOMAINS:
            raise ManifestError(f"clip {self.id}: domain {self.domain!r} is not one of {DOMAINS}")
        if self.failure_source is not None and self.failure_source not in FAILURE_SOURCES:
            raise ManifestError(
                f"clip {self.id}: failure_source {self.failure_source!r} is not null or in {FAILURE_SOURCES}"
            )
        if not self.instruction.strip():
            raise ManifestError(f"clip {self.id}: empty instruction")
        if self.num_frames <= 0:
            raise ManifestError(f"clip {self.id}: num_frames must be positive, got {self.num_frames}")

    @classmethod
    def of_recording(
        cls,
        clip: Any,
        *,
        id: str,
        domain: Domain,
        task: str,
        instruction: str,
        variant: str,
        seed: int,
        path: str,
        extra: dict[str, Any],
    ) -> ClipRecord:
        """The record of a clip `envs.recording.record_clip` just made (`clip`: its `RecordedClip`): the
        label, failure source, behaviour and shape are the clip's own."""
        frames = clip.frames
        return cls(
            id=id,
            domain=domain,
            task=task,
            instruction=instruction,
            success=bool(clip.success),
            failure_source=clip.failure_source,
            variant=variant,
            seed=seed,
            num_frames=int(frames.shape[0]),
            path=path,
            height=int(frames.shape[1]),
            width=int(frames.shape[2]),
            behaviour=clip.behaviour,
            extra=extra,
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClipRecord:
        known = {f.name for f in fields(cls)}
        missing = sorted(set(REQUIRED_FIELDS) - data.keys())
        if missing:
            raise ManifestError(f"clip record {data.get('id', '?')!r} lacks the fields {missing}")
        kwargs = {k: v for k, v in data.items() if k in known}
        extra = dict(kwargs.pop("extra", {}) or {})
        extra.update({k: v for k, v in data.items() if k not in known})
        if not isinstance(kwargs["success"], bool):
            raise ManifestError(
                f"clip {data['id']!r}: success must be true or false, got {kwargs['success']!r}"
            )
        return cls(**kwargs, extra=extra)


def read_manifest(dataset_dir: str | Path) -> list[ClipRecord]:
    """Read every record of `dataset_dir/manifest.jsonl`; a bad line raises `ManifestError` naming it."""
    return list(iter_manifest(dataset_dir))


def iter_manifest(dataset_dir: str | Path) -> Iterator[ClipRecord]:
    path = Path(dataset_dir) / MANIFEST_NAME
    if not Path(dataset_dir).is_dir():
        raise FileNotFoundError(f"dataset folder {dataset_dir} {why_not(dataset_dir, 'folder')}")
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: is {dataset_dir} a dataset folder?")
    with path.open() as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as e:
                raise ManifestError(f"{path}:{lineno}: line does not parse as JSON ({e.msg})") from e
            if not isinstance(data, dict):
                raise ManifestError(f"{path}:{lineno}: expected a JSON object, got {type(data).__name__}")
            try:
                yield ClipRecord.from_dict(data)
            except (ManifestError, TypeError) as e:
                raise ManifestError(f"{path}:{lineno}: {e}") from e


def append_records(dataset_dir: str | Path, records: Iterable[ClipRecord]) -> None:
    """Append records to the manifest, flushed and fsynced so that an interrupted run keeps them."""
    path = Path(dataset_dir) / MANIFEST_NAME
    with path.open("a") as f:
        for record in records:
            f.write(record.to_json() + "\n")
        f.flush()
        os.fsync(f.fileno())
