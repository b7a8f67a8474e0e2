"""SS-V2 classes: the class file (template -> id), choosing classes by id or text, and task maps.

A class is named by its id ("46") or its template, with or without brackets and in any case
("Closing [something]", "closing something"): `class_key` reduces every spelling to one key.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from adapt2reward.data.records import ClipRecord, ManifestError
from adapt2reward.data.ssv2 import template_to_task
from adapt2reward.json_config import read_json

CLASS_FILE_NAMES = ("something-something-v2-labels.json", "labels.json")


def class_key(text: str) -> str:
    """One key for every spelling of a template: brackets dropped, lower case, single spaces."""
    return " ".join(template_to_task(str(text)).lower().split())


def find_class_file(labels_json: str | Path) -> Path | None:
    """The class file next to a split's labels JSON (the official name or `labels.json`), if any."""
    for name in CLASS_FILE_NAMES:
        path = Path(labels_json).parent / name
        if path.is_file() and path.resolve() != Path(labels_json).resolve():
            return path
    return None


def read_class_file(path: str | Path) -> dict[str, int]:
    """Class key -> class id from a class file mapping template text to id (ids may be strings)."""
    table = read_json(path, "SS-V2 class file")
    if not isinstance(table, dict):
        raise ManifestError(f"SS-V2 class file {path} must map template text to class id")
    try:
        return {class_key(template): int(class_id) for template, class_id in table.items()}
    except (TypeError, ValueError) as e:
        raise ManifestError(f"SS-V2 class file {path}: class ids must be integers ({e})") from e


def select_classes(
    wanted: Sequence[str], entries: Sequence[dict[str, Any]], class_ids: dict[str, int] | None
) -> set[str]:
    """Class keys of `wanted`: ids or template text, a value naming one class or several split at commas
    ("5,46", "Closing [something],Opening [something]"; a template holding commas is matched whole
    first). An unknown class raises ValueError naming the near ones. Ids need the class file; templates
    are checked against the class file or else the split's entries.
    """
    known = set(class_ids) if class_ids else {class_key(e["template"]) for e in entries}
    by_id = {i: key for key, i in (class_ids or {}).items()}
    keys = set()
    for value in wanted:
        whole = class_key(value)
        parts = [whole] if whole in known else [p.strip() for p in str(value).split(",") if p.strip()]
        for name in parts:
            if name.isdigit():
                keys.add(_class_of_id(name, by_id))
            elif class_key(name) in known:
                keys.add(class_key(name))
            else:
                spelt = {class_key(e["template"]): e["template"] for e in entries}
                near = [
                    spelt.get(k, k) for k in difflib.get_close_matches(class_key(name), sorted(known), n=3)
                ]
                raise ValueError(
                    f"unknown SS-V2 class {name!r}" + (f"; did you mean {near}?" if near else "")
                )
    return keys


def _class_of_id(name: str, by_id: dict[int, str]) -> str:
    if not by_id:
        raise ValueError(
            f"SS-V2 class {name!r} is an id, but no class file (something-something-v2-labels.json) "
            "was found next to the labels file or given: name the class by its template instead"
        )
    if int(name) not in by_id:
        raise ValueError(
            f"unknown SS-V2 class id {name}; the class file has ids {min(by_id)} to {max(by_id)}"
        )
    return by_id[int(name)]


def read_task_map(path: str | Path) -> dict[str, str]:
    """A task map file: JSON `{"Closing [something]": "drawer-close", "46": "drawer-open"}`."""
    table = read_json(path, "task map file")
    if not isinstance(table, dict) or not all(isinstance(v, str) and v for v in table.values()):
        raise ValueError(f"task map file {path} must map SS-V2 classes (template or id) to task names")
    return {str(k): v for k, v in table.items()}


def record_keys(record: ClipRecord) -> set[str]:
    """The names a task map may use for a record's class: its task, template and class id."""
    keys = {class_key(record.task)}
    if "template" in record.extra:
        keys.add(class_key(record.extra["template"]))
    if "ssv2_class" in record.extra:
        keys.add(str(record.extra["ssv2_class"]))
    return keys


def map_tasks(records: Iterable[ClipRecord], task_map: dict[str, str]) -> list[ClipRecord]:
    """Records with their task renamed by `task_map` (class -> task name); a key matching no record is
    an error, since a misspelt class would silently leave the robot task without human clips."""
    keys = {k: k.strip() if k.strip().isdigit() else class_key(k) for k in task_map}
    table = {keys[k]: v for k, v in task_map.items()}
    records = list(records)
    used: set[str] = set()
    result = []
    for record in records:
        hits = sorted(record_keys(record) & table.keys())
        used.update(hits)
        result.append(replace(record, task=table[hits[0]]) if hits else record)
    unused = sorted(k for k, key in keys.items() if key not in used)
    if unused:
        classes = sorted({r.task for r in records})
        raise ValueError(
            f"task map classes {unused} match no human clip; the human classes are {classes[:20]}"
        )
    return result
