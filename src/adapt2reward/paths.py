"""Error messages for a user's path of the wrong kind: "does not exist" only when nothing is there."""

from __future__ import annotations

from pathlib import Path
from typing import Literal


def why_not(path: str | Path, kind: Literal["file", "folder"]) -> str:
    """Why `path` is not a `kind`, to follow the path in an error: it is missing or of another kind."""
    path = Path(path)
    if not path.exists():
        return "does not exist"
    if path.is_dir():
        return f"is a folder, not a {kind}"
    return f"is a file, not a {kind}" if path.is_file() else "is neither a file nor a folder"
