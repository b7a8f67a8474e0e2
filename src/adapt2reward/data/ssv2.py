"""Reader for the real Something-Something-v2 layout, yielding the project's clip records.

SS-V2 ships a labels JSON per split (`something-something-v2-train.json`, `-validation.json`: a list of
`{"id", "label", "template", "placeholders"}`), a class file (`something-something-v2-labels.json`:
template -> class id) and one `<id>.webm` per video. Each video becomes a human-domain success clip
whose instruction is its template filled with its placeholders, first letter lowered as in the official
labels ("Closing [something]" + ["drawer"] -> "closing drawer"), and whose task is its class: the
template with the brackets removed ("Closing something"), as the class file spells it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from adapt2reward.data.records import ClipRecord, ManifestError
from adapt2reward.json_config import read_json

_SLOT = re.compile(r"\[([^\]]*)\]")


def template_to_task(template: str) -> str:
    """SS-V2 template -> class name: `Pushing [something] from left to right` -> `Pushing something ...`."""
    return template.replace("[", "").replace("]", "").strip()


def fill_template(template: str, placeholders: Sequence[str]) -> str | None:
    """The template with its `[...]` slots filled in order; None when the counts differ."""
    slots = _SLOT.findall(template)
    if len(slots) != len(placeholders):
        return None
    filled = iter(placeholders)
    text = " ".join(_SLOT.sub(lambda _: str(next(filled)).strip(), template).split())
    return text[:1].lower() + text[1:] if not template.startswith("[") else text


def instruction_of(entry: dict[str, Any]) -> str:
    """The filled template, else the entry's label, else the template with its slots unfilled."""
    filled = fill_template(entry["template"], entry.get("placeholders") or [])
    if filled:
        return filled
    text = entry.get("label") or template_to_task(entry["template"])
    return text[:1].lower() + text[1:]


def read_ssv2_entries(labels_json: str | Path) -> list[dict[str, Any]]:
    """The entries of an SS-V2 split's labels JSON, each checked to have an `id` and a `template`."""
    labels_json = Path(labels_json)
    try:
        entries = read_json(labels_json, "SS-V2 labels file")
    except ValueError as e:
        raise ManifestError(str(e)) from e
    if isinstance(entries, dict):
        raise ManifestError(
            f"SS-V2 labels file {labels_json} maps templates to class ids: that is the class file "
            "(something-something-v2-labels.json); give a split's file (…-train.json or …-validation.json)"
        )
    if not isinstance(entries, list):
        raise ManifestError(f"SS-V2 labels file {labels_json} must hold a JSON list of videos")
    for i, entry in enumerate(entries):
        missing = sorted({"id", "template"} - set(entry)) if isinstance(entry, dict) else ["id", "template"]
        if missing:
            raise ManifestError(
                f"{labels_json}: entry {i} lacks {missing}: an SS-V2 train or validation labels file lists "
                "id, label, template and placeholders for every video (the test split's file has no labels)"
            )
    return entries


def entry_record(
    entry: dict[str, Any], num_frames: int, path: str, class_id: int | None = None
) -> ClipRecord:
    """The clip record of one labels entry, its video (or imported clip) at `path`."""
    extra: dict[str, Any] = {
        "ssv2_id": str(entry["id"]),
        "template": entry["template"],
        "placeholders": entry.get("placeholders", []),
    }
    if class_id is not None:
        extra["ssv2_class"] = class_id
    return ClipRecord(
        id=f"ssv2-{entry['id']}",
        domain="human",
        task=template_to_task(entry["template"]),
        instruction=instruction_of(entry),
        success=True,
        failure_source=None,
        variant="ssv2",
        seed=0,
        num_frames=num_frames,
        path=path,
        behaviour="human",
        extra=extra,
    )


def read_ssv2_labels(labels_json: str | Path, video_dir: str | Path, num_frames: int = 8) -> list[ClipRecord]:
    """Records for every labelled video of an SS-V2 split; paths are relative to `video_dir`.

    A labelled id without its video raises `FileNotFoundError` naming it. Load the clips with
    `ClipDataset.from_ssv2`, which decodes `num_frames` evenly spaced frames by seeking.
    """
    video_dir = Path(video_dir)
    if not video_dir.is_dir():
        raise FileNotFoundError(f"SS-V2 video folder {video_dir} does not exist")
    records = []
    for entry in read_ssv2_entries(labels_json):
        path = video_path(video_dir, entry)
        records.append(entry_record(entry, num_frames, path.name))
    return records


def video_path(video_dir: Path, entry: dict[str, Any]) -> Path:
    """`video_dir/<id>.webm`, or `FileNotFoundError` naming the video and its id."""
    path = video_dir / f"{entry['id']}.webm"
    if not path.is_file():
        raise FileNotFoundError(f"SS-V2 video {path} (id {entry['id']}) does not exist")
    return path
