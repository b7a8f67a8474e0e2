"""Reader for the real Something-Something-v2 layout, yielding the project's clip records.

SS-V2 ships a labels JSON (a list of `{"id", "label", "template", "placeholders"}`) and one
`<id>.webm` per video. Each video becomes a human-domain success clip whose instruction is its label
("Pushing a pen from left to right") and whose task is its template with the brackets removed
("Pushing something from left to right"), the 174 classes of the data set.
"""

from __future__ import annotations

from pathlib import Path

from adapt2reward.data.records import ClipRecord, ManifestError
from adapt2reward.json_config import read_json


def template_to_task(template: str) -> str:
    """SS-V2 template -> class name: `Pushing [something] from left to right` -> `Pushing something ...`."""
    return template.replace("[", "").replace("]", "").strip()


def read_ssv2_labels(labels_json: str | Path, video_dir: str | Path, num_frames: int = 8) -> list[ClipRecord]:
    """Records for every labelled video of an SS-V2 split; paths are relative to `video_dir`.

    Load the clips with `load_clip(video_dir, record)`, which decodes the webm and keeps `num_frames`
    evenly spaced frames. A labelled id without its video raises `FileNotFoundError` naming it.
    """
    labels_json, video_dir = Path(labels_json), Path(video_dir)
    if not video_dir.is_dir():
        raise FileNotFoundError(f"SS-V2 video folder {video_dir} does not exist")
    try:
        entries = read_json(labels_json, "SS-V2 labels file")
    except ValueError as e:
        raise ManifestError(str(e)) from e
    if not isinstance(entries, list):
        raise ManifestError(f"SS-V2 labels file {labels_json} must hold a JSON list of videos")
    records = []
    for i, entry in enumerate(entries):
        missing = sorted({"id", "label", "template"} - set(entry))
        if missing:
            raise ManifestError(f"{labels_json}: entry {i} lacks {missing}")
        path = f"{entry['id']}.webm"
        if not (video_dir / path).is_file():
            raise FileNotFoundError(f"SS-V2 video {video_dir / path} (id {entry['id']}) does not exist")
        records.append(
            ClipRecord(
                id=f"ssv2-{entry['id']}",
                domain="human",
                task=template_to_task(entry["template"]),
                instruction=entry["label"],
                success=True,
                failure_source=None,
                variant="ssv2",
                seed=0,
                num_frames=num_frames,
                path=path,
                behaviour="human",
                extra={"placeholders": entry.get("placeholders", [])},
            )
        )
    return records
