"""`check_folder_settings`: a folder that is filled over several runs holds one kind of data, made with one
set of settings.

Imports of outside data (LeRobot, Something-Something-v2), probe clips and evaluation-only clips are
written into a folder and resume after an interruption; resuming with other settings would mix two kinds
of clips in one folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def check_folder_settings(out: Path, settings: dict[str, Any], file_name: str, what: str) -> None:
    """Record `settings` in `out/file_name` on first use; refuse other settings, or a folder that already
    holds a dataset of another kind. `what` names the folder's content in the error ("an SS-V2 import")."""
    path = out / file_name
    if path.exists():
        old = json.loads(path.read_text())
        if old != settings:
            raise ValueError(
                f"{out} holds {what} made with other settings ({path}: {old}; now {settings}); "
                "rerun with the same settings or choose another folder"
            )
    elif (out / "manifest.jsonl").exists():
        raise ValueError(f"{out} already holds a dataset that is not {what}; choose another folder")
    else:
        out.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings, indent=2) + "\n")
