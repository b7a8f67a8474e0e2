"""Reading JSON files with errors that name the file, and the JSON round trip of config dataclasses."""

from __future__ import annotations

import json
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

from adapt2reward.paths import why_not


def read_json(path: str | Path, what: str = "JSON file") -> Any:
    """Parse a JSON file; a missing file or invalid JSON raises an error naming `what` and the path."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what} {path} {why_not(path, 'file')}")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"{what} {path} is not valid JSON: {e}") from e


class JsonConfig:
    """JSON (de)serialisation for frozen config dataclasses; unknown keys are an error, not ignored."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown {cls.__name__} keys {unknown}; known keys: {sorted(known)}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})

    @classmethod
    def from_file(cls, path: str | Path):
        return cls.from_dict(read_json(path, f"{cls.__name__} file"))

    def override(self, **changes: Any):
        """A copy with the given fields replaced; `None` leaves a field as it is."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[type-var]
