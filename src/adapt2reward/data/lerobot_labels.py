"""Success labels of LeRobot episodes: a column the user names, else a small JSON/CSV file."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adapt2reward.data.lerobot_meta import LeRobotError

HOW_TO_LABEL = (
    "give --success-key COLUMN (a per-episode column of the episodes metadata, e.g. a quality label, or a "
    "per-frame column such as next.success, read at the episode's last frame) or --success-file FILE "
    '(JSON {"<episode_index>": true, ...} or CSV with columns episode_index,success)'
)
TRUE_WORDS = {"true", "yes", "success", "succeeded", "1"}
FALSE_WORDS = {"false", "no", "failure", "fail", "failed", "0"}


class LeRobotLabelError(LeRobotError):
    """An episode has no success label, or its label cannot be read as success or failure."""


def as_success(value: Any, threshold: float, where: str) -> bool:
    """bool, a number (>= threshold is success, e.g. a quality score) or a word such as 'success'."""
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        value = value.tolist()
    if isinstance(value, list | tuple) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value) >= threshold
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS | FALSE_WORDS:
            return word in TRUE_WORDS
    raise LeRobotLabelError(f"{where}: success label {value!r} is not a bool, a number or success/failure")


def read_success_file(path: Path) -> dict[int, Any]:
    """episode index -> raw label, from JSON (object or list of {episode_index, success}) or CSV."""
    if not path.is_file():
        raise LeRobotLabelError(f"success file {path} does not exist")
    try:
        if path.suffix.lower() == ".csv":
            with path.open(newline="") as f:
                rows = list(csv.DictReader(f))
            if rows and not {"episode_index", "success"} <= set(rows[0]):
                raise LeRobotLabelError(f"{path}: the CSV needs the columns episode_index,success")
            return {int(r["episode_index"]): r["success"] for r in rows}
        data = json.loads(path.read_text())
        if isinstance(data, list):
            return {int(r["episode_index"]): r["success"] for r in data}
        return {int(k): v for k, v in data.items()}
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError) as e:
        if isinstance(e, LeRobotLabelError):
            raise
        raise LeRobotLabelError(f"success file {path} does not map episode indices to labels: {e}") from e


def label_candidates(columns: list[str]) -> list[str]:
    words = ("success", "quality", "label", "reward", "done")
    return [c for c in columns if any(w in c.lower() for w in words) and not c.startswith("stats/")]


def resolve_success(
    episode_index: int,
    meta: dict[str, Any],
    last_frame_value: Callable[[str], Any],
    data_columns: list[str],
    success_key: str | None,
    file_labels: dict[int, Any] | None,
    threshold: float,
    where: str,
) -> bool:
    """The episode's label: `success_key` in its metadata row or at its last frame, else the file's."""
    if success_key is not None:
        if success_key in meta and meta[success_key] is not None:
            return as_success(meta[success_key], threshold, f"{where}, column {success_key}")
        if success_key in data_columns:
            value = last_frame_value(success_key)
            if value is not None:
                return as_success(value, threshold, f"{where}, column {success_key} at the last frame")
        elif file_labels is None and success_key not in meta:
            columns = sorted(set(meta) | set(data_columns))
            raise LeRobotLabelError(
                f"{where}: success key {success_key!r} is neither an episodes-metadata column nor a "
                f"data column; label-like columns: {label_candidates(columns) or 'none'}; all: {columns}"
            )
    if file_labels is not None:
        if episode_index not in file_labels:
            raise LeRobotLabelError(f"{where}: the success file has no label for episode {episode_index}")
        return as_success(file_labels[episode_index], threshold, f"{where}, success file")
    if success_key is not None:
        raise LeRobotLabelError(f"{where}: column {success_key!r} is empty for this episode; {HOW_TO_LABEL}")
    columns = sorted(set(meta) | set(data_columns))
    raise LeRobotLabelError(
        f"{where}: no success label; {HOW_TO_LABEL}. Label-like columns here: "
        f"{label_candidates(columns) or 'none'}"
    )
