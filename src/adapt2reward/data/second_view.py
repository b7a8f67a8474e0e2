"""Film the episodes of a dataset's human clips again, in another look: multi-view pairs.

A simulated clip is fixed by its seed, and its look (camera, colours) is drawn from the seed and the
variant alone, so replaying a clip's seed in another variant films the same motion from elsewhere (the
physics never reads the look). Each new clip is saved as `<source id>~<variant>` with `extra.view_of`
naming its source, in a folder of its own beside the source. Two views of one episode are what
multi-view human video gives (as time-contrastive networks learn from): the stage-1 view term
(`PretrainConfig.view_weight`) makes them agree, so features keep what happened and drop where the
camera stood. Resumable like `generate`: ids already in the manifest are skipped.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from tqdm import tqdm

from adapt2reward.data.clip_io import save_clip
from adapt2reward.data.generate import finished_ids, variant_slug
from adapt2reward.data.records import ClipRecord, append_records, iter_manifest
from adapt2reward.distributed.pool import parallel_map

VIEW_OF = "view_of"  # extra field of a second view: the id of the clip it films again
SPEC_NAME = "second_view.json"


def second_view_id(source_id: str, variant: str) -> str:
    return f"{source_id}~{variant_slug(variant)}"


def _sources(source: Path, per_task: int) -> list[ClipRecord]:
    """The first `per_task` human success clips of each task in `source`, in manifest order."""
    taken: dict[str, list[ClipRecord]] = defaultdict(list)
    for record in iter_manifest(source):
        first_view = record.domain == "human" and record.success and VIEW_OF not in record.extra
        if first_view and (per_task <= 0 or len(taken[record.task]) < per_task):
            taken[record.task].append(record)
    if not taken:
        raise ValueError(f"{source} holds no human success clips to film again")
    return [r for records in taken.values() for r in records]


def _film(args: tuple[ClipRecord, str, str]) -> ClipRecord | None:
    from adapt2reward.envs.recording import ClipSpec, record_clip

    record, variant, out_dir = args
    spec = ClipSpec(
        task=record.task,
        domain="human",
        behaviour=record.behaviour,
        variant=variant,
        seed=record.seed,
        num_frames=record.num_frames,
        size=record.height,
    )
    clip = record_clip(spec)
    if clip.success != record.success:  # only a look that moved the physics could do this
        return None
    clip_id = second_view_id(record.id, variant)
    rel = f"clips/human/{record.task}/{clip_id}.npz"
    save_clip(Path(out_dir) / rel, clip.frames, progress=np.asarray(clip.progress, dtype=np.float32))
    return ClipRecord.of_recording(
        clip,
        id=clip_id,
        domain="human",
        task=record.task,
        instruction=record.instruction,
        variant=variant,
        seed=record.seed,
        path=rel,
        extra={VIEW_OF: record.id},
    )


def film_second_views(
    source: str | Path,
    out_dir: str | Path,
    variant: str,
    per_task: int = 0,
    workers: int = 1,
    progress: bool = True,
) -> dict[str, int]:
    """Film the first `per_task` (0: all) human success clips per task of `source` again in `variant`
    into `out_dir`; returns counts of made, skipped and mismatched clips."""
    from adapt2reward.envs.variants import get_variant

    get_variant(variant)
    source, out_dir = Path(source), Path(out_dir)
    sources = _sources(source, per_task)  # a bad source fails before anything is written
    spec = {"source": str(source), "variant": variant, "per_task": per_task}
    out_dir.mkdir(parents=True, exist_ok=True)
    spec_path = out_dir / SPEC_NAME
    if spec_path.exists() and json.loads(spec_path.read_text()) != spec:
        made = spec_path.read_text().strip()
        raise ValueError(f"{out_dir} holds second views made with {made}, not {json.dumps(spec)}")
    spec_path.write_text(json.dumps(spec) + "\n")
    done = finished_ids(out_dir)
    pending = [r for r in sources if second_view_id(r.id, variant) not in done]
    counts = {"made": 0, "skipped": len(done), "mismatched": 0}
    args = [(r, variant, str(out_dir)) for r in pending]
    with tqdm(total=len(args), desc=f"filming in {variant}", unit="clip", disable=not progress) as bar:
        for record in parallel_map(_film, args, workers):
            if record is None:
                counts["mismatched"] += 1
            else:
                append_records(out_dir, [record])
                counts["made"] += 1
            bar.update()
    return counts


def view_partners(records: list[ClipRecord]) -> dict[int, int]:
    """Index -> index of the other view of the same episode, both ways, among `records` (a clip's first
    second view when it has several)."""
    index = {r.id: i for i, r in enumerate(records)}
    partners: dict[int, int] = {}
    for i, record in enumerate(records):
        source = index.get(record.extra.get(VIEW_OF, ""))
        if source is not None:
            partners.setdefault(i, source)
            partners.setdefault(source, i)
    return partners


def view_pairs(idx: np.ndarray, partners: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(rows of `idx` whose clip has another view, those views' clip indices), each episode once."""
    rows, others, seen = [], [], set()
    for row, i in enumerate(idx.tolist()):
        j = partners.get(i)
        if j is not None and frozenset((i, j)) not in seen:
            seen.add(frozenset((i, j)))
            rows.append(row)
            others.append(j)
    return np.asarray(rows, dtype=int), np.asarray(others, dtype=int)
