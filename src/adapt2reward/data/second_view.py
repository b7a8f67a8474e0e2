"""Film the episodes of a dataset's clips again, in another look: multi-view and cross-embodiment pairs.

A simulated clip is fixed by its seed, and its look (camera, colours) is drawn from the seed and the
variant alone, so replaying a clip's seed in another variant films the same motion from elsewhere (the
physics never reads the look). Each new clip is saved as `<source id>~<variant>` with `extra.view_of`
naming its source, in a folder of its own beside the source. Two views of one episode are what
multi-view human video gives (as time-contrastive networks learn from): the stage-1 view term
(`PretrainConfig.view_weight`) makes them agree, so features keep what happened and drop where the
camera stood.

With `domain="robot"` and `look="human"`, the robot clips (successes and failures) are filmed again in
the human stand-in's look (`<source id>~<variant>~human-look`): the very same robot episode with the
stand-in's hand in place of the arm, from its camera, in its colours. The stage-2 pair term
(`TrainConfig.embodiment_pair_weight`) makes each robot training clip agree with its copy. The copies
keep the robot domain in the manifest: they are pairs for that term, not robot training data.
Resumable like `generate`: ids already in the manifest are skipped.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from adapt2reward.data.clip_io import save_clip
from adapt2reward.data.generate import finished_ids, variant_slug
from adapt2reward.data.records import ClipRecord, append_records, iter_manifest
from adapt2reward.distributed.pool import parallel_map

VIEW_OF = "view_of"  # extra field of a second view: the id of the clip it films again
LOOK = "look"  # extra field of a clip filmed in another domain's look: that domain
SPEC_NAME = "second_view.json"


def second_view_id(source_id: str, variant: str, look: str | None = None) -> str:
    return f"{source_id}~{variant_slug(variant)}" + (f"~{look}-look" if look else "")


def _sources(source: Path, per_task: int, domain: str) -> list[ClipRecord]:
    """The first `per_task` clips of `domain` of each task in `source`, in manifest order: human
    successes, or robot clips of both outcomes that the simulator can replay."""
    from adapt2reward.envs.recording import BEHAVIOURS

    taken: dict[str, list[ClipRecord]] = defaultdict(list)
    for record in iter_manifest(source):
        wanted = record.success if domain == "human" else record.behaviour in BEHAVIOURS
        first_view = record.domain == domain and wanted and VIEW_OF not in record.extra
        if first_view and (per_task <= 0 or len(taken[record.task]) < per_task):
            taken[record.task].append(record)
    if not taken:
        kind = "human success clips" if domain == "human" else "robot clips the simulator can replay"
        raise ValueError(f"{source} holds no {kind} to film again")
    return [r for records in taken.values() for r in records]


def _film(args: tuple[ClipRecord, str, str | None, str]) -> ClipRecord | None:
    from adapt2reward.envs.recording import ClipSpec, record_clip

    record, variant, look, out_dir = args
    spec = ClipSpec(
        task=record.task,
        domain=record.domain,
        behaviour=record.behaviour,
        variant=variant,
        seed=record.seed,
        num_frames=record.num_frames,
        size=record.height,
        look=look,
    )
    clip = record_clip(spec)
    if clip.success != record.success:  # only a look that moved the physics could do this
        return None
    clip_id = second_view_id(record.id, variant, look)
    rel = f"clips/{record.domain}/{record.task}/{clip_id}.npz"
    save_clip(Path(out_dir) / rel, clip.frames, progress=np.asarray(clip.progress, dtype=np.float32))
    return ClipRecord.of_recording(
        clip,
        id=clip_id,
        domain=record.domain,
        task=record.task,
        instruction=record.instruction,
        variant=variant,
        seed=record.seed,
        path=rel,
        extra={VIEW_OF: record.id} | ({LOOK: look} if look else {}),
    )


def film_second_views(
    source: str | Path,
    out_dir: str | Path,
    variant: str,
    per_task: int = 0,
    workers: int = 1,
    progress: bool = True,
    domain: str = "human",
    look: str | None = None,
) -> dict[str, int]:
    """Film the first `per_task` (0: all) clips of `domain` per task of `source` (human: successes;
    robot: both outcomes) again in `variant`, in `look`'s look when given (another domain's), into
    `out_dir`; returns counts of made, skipped and mismatched clips."""
    from adapt2reward.envs.appearance import check_domain
    from adapt2reward.envs.variants import get_variant

    get_variant(variant)
    check_domain(domain)
    check_domain(look or domain, "look")
    source, out_dir = Path(source), Path(out_dir)
    sources = _sources(source, per_task, domain)  # a bad source fails before anything is written
    spec = {"source": str(source), "variant": variant, "per_task": per_task}
    if domain != "human" or look is not None:  # the spec of earlier (human, own look) folders is unchanged
        spec |= {"domain": domain, "look": look}
    out_dir.mkdir(parents=True, exist_ok=True)
    spec_path = out_dir / SPEC_NAME
    if spec_path.exists() and json.loads(spec_path.read_text()) != spec:
        made = spec_path.read_text().strip()
        raise ValueError(f"{out_dir} holds second views made with {made}, not {json.dumps(spec)}")
    spec_path.write_text(json.dumps(spec) + "\n")
    done = finished_ids(out_dir)
    pending = [r for r in sources if second_view_id(r.id, variant, look) not in done]
    counts = {"made": 0, "skipped": len(done), "mismatched": 0}
    args = [(r, variant, look, str(out_dir)) for r in pending]
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


def copies_of(folders: Sequence[str | Path], ids: Iterable[str]) -> list[tuple[Path, ClipRecord]]:
    """The clips of `folders` that film one of the clips `ids` again (by `extra.view_of`), one per id."""
    wanted, found = set(ids), {}
    for folder in folders:
        for record in iter_manifest(folder):
            source = record.extra.get(VIEW_OF)
            if source in wanted and source not in found:
                found[source] = (Path(folder), record)
    return list(found.values())
