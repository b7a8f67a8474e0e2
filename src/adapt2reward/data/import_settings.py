"""`check_import_settings`: an import folder holds one import, made with one set of settings.

Imports of outside data (LeRobot, Something-Something-v2) write the project's own dataset format and
resume after an interruption; resuming with other settings would mix two imports in one folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def check_import_settings(out: Path, settings: dict[str, Any], file_name: str, kind: str) -> None:
    """Record `settings` in `out/file_name` for a new import; refuse other settings or a non-import folder."""
    path = out / file_name
    if path.exists():
        if json.loads(path.read_text()) != settings:
            raise ValueError(
                f"{out} holds {kind} import made with other settings ({path}); "
                "rerun with the same settings or choose another folder"
            )
    elif (out / "manifest.jsonl").exists():
        raise ValueError(f"{out} already holds a dataset that is not {kind} import; choose another folder")
    else:
        path.write_text(json.dumps(settings, indent=2) + "\n")
