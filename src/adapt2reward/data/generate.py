"""Generate a simulated dataset: plan clip jobs, record them in parallel, resume after interruption.

A job is one clip slot, named by its id (`robot-drawer-close-train-00042`). Its seed comes from the
dataset seed and the id alone, so the same config always makes the same clips, in any order and with
any number of workers. A clip file is written atomically by the worker; the manifest line is appended by
the parent only after the file is complete. Running the same command again skips every id already in
the manifest and remakes the rest, so nothing is lost, duplicated or half-written; a clip the manifest
lists whose file has since gone is made again too.
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from adapt2reward.data.clip_io import save_clip
from adapt2reward.data.generation_config import GenerationConfig
from adapt2reward.data.records import MANIFEST_NAME, ClipRecord, append_records, iter_manifest
from adapt2reward.distributed.pool import parallel_map
from adapt2reward.paths import why_not
from adapt2reward.tasks import get_task

CONFIG_NAME = "generation.json"
DROPPED_NAME = "dropped.txt"  # human slots that never reached their label, so a resume does not retry them


@dataclass(frozen=True)
class ClipJob:
    """One clip slot: what to attempt and which label it must end with (`None`: any)."""

    id: str
    domain: str
    task: str
    variant: str
    behaviour: str
    want_success: bool | None
    seed: int


def clip_seed(dataset_seed: int, clip_id: str, attempt: int = 0) -> int:
    """A 31-bit seed determined by the dataset seed, the clip id and the attempt number."""
    return zlib.crc32(f"{dataset_seed}/{clip_id}/{attempt}".encode()) & 0x7FFFFFFF


def plan_jobs(config: GenerationConfig) -> list[ClipJob]:
    """Every clip slot of a config, in a fixed order."""
    jobs: list[ClipJob] = []
    if "robot" in config.domains:
        n = config.robot_clips_per_task
        n_success = round(n * config.success_fraction)
        n_random = round((n - n_success) * config.random_fraction)
        for task in config.robot_tasks:
            for variant in config.variants:
                for i in range(n):
                    if i < n_success:
                        behaviour, want = "expert", True
                    elif i < n_success + n_random:
                        behaviour, want = "random", False
                    else:
                        behaviour, want = "near_success", False
                    jobs.append(_job("robot", task, variant, i, behaviour, want, config.seed))
    if "human" in config.domains:
        for task in config.all_human_tasks:
            for variant in config.human_variants:
                for i in range(config.human_clips_per_task):
                    jobs.append(_job("human", task, variant, i, "expert", True, config.seed))
                for i in range(config.human_failures_per_task):  # ids of their own: a dataset may hold none
                    job = _job("human", task, variant, i, "near_success", False, config.seed, "failure-")
                    jobs.append(job)
    return jobs


def variant_slug(variant: str) -> str:
    """A variant name as clip ids hold it: 'colors+distractors@2' -> 'colors_distractors_2'."""
    return variant.replace("+", "_").replace("@", "_")


def _job(
    domain: str, task: str, variant: str, index: int, behaviour: str, want: bool, seed: int, kind: str = ""
) -> ClipJob:
    clip_id = f"{domain}-{task}-{variant_slug(variant)}-{kind}{index:05d}"
    return ClipJob(clip_id, domain, task, variant, behaviour, want, clip_seed(seed, clip_id))


def clip_path(job: ClipJob) -> str:
    return f"clips/{job.domain}/{job.task}/{job.id}.npz"


def make_clip(job: ClipJob, config: GenerationConfig, out_dir: str) -> ClipRecord | None:
    """Record a job's clip, retrying with fresh seeds until the simulator's label is the wanted one.

    The label is always the simulator's success flag. A robot slot that never reaches its wanted label
    keeps its last clip with its true label; a human slot that never reaches its label is dropped.
    """
    from adapt2reward.envs.recording import ClipSpec, record_clip

    for attempt in range(config.max_attempts):
        seed = job.seed if attempt == 0 else clip_seed(config.seed, job.id, attempt)
        spec = ClipSpec(
            task=job.task,
            domain=job.domain,
            behaviour=job.behaviour,
            variant=job.variant,
            seed=seed,
            num_frames=config.num_frames,
            size=config.size,
        )
        clip = record_clip(spec)
        if job.want_success is None or clip.success == job.want_success:
            break
    else:
        if job.domain == "human":
            return None
    rel = clip_path(job)
    save_clip(Path(out_dir) / rel, clip.frames, progress=np.asarray(clip.progress, dtype=np.float32))
    return ClipRecord.of_recording(
        clip,
        id=job.id,
        domain=job.domain,  # type: ignore[arg-type]
        task=job.task,
        instruction=get_task(job.task).phrasing(seed),
        variant=job.variant,
        seed=seed,
        path=rel,
        extra={"attempts": attempt + 1},
    )


def _run_job(args: tuple[ClipJob, GenerationConfig, str]) -> tuple[str, ClipRecord | None]:
    job, config, out_dir = args
    return job.id, make_clip(job, config, out_dir)


def finished_ids(out_dir: Path) -> set[str]:
    """Ids already made or dropped; a torn last line left by a killed run is cut off first, and the lines
    of clips whose files are gone (deleted by hand, a lost disk) are removed so that they are made again."""
    ids: set[str] = set()
    for name in (MANIFEST_NAME, DROPPED_NAME):
        path = out_dir / name
        if not path.exists():
            continue
        raw = path.read_bytes()
        if raw and not raw.endswith(b"\n"):
            path.write_bytes(raw[: raw.rfind(b"\n") + 1])
    if (out_dir / MANIFEST_NAME).exists():
        ids |= {record.id for record in _forget_missing_clips(out_dir)}
    if (out_dir / DROPPED_NAME).exists():
        ids |= set((out_dir / DROPPED_NAME).read_text().split())
    return ids


def _forget_missing_clips(out_dir: Path) -> list[ClipRecord]:
    """The manifest's records whose clip files exist; the manifest is rewritten without the others."""
    records = list(iter_manifest(out_dir))
    present = [(out_dir / r.path).is_file() for r in records]
    kept = [r for r, here in zip(records, present, strict=True) if here]
    if len(kept) < len(records):
        missing = [r.path for r, here in zip(records, present, strict=True) if not here]
        print(
            f"{out_dir}: {len(missing)} clips of {MANIFEST_NAME} are missing (first: {missing[0]}); "
            "making them again",
            file=sys.stderr,
        )
        tmp = out_dir / (MANIFEST_NAME + ".tmp")
        tmp.write_text("".join(r.to_json() + "\n" for r in kept))
        os.replace(tmp, out_dir / MANIFEST_NAME)  # a crash leaves the old manifest whole
    return kept


def _check_config(out_dir: Path, config: GenerationConfig) -> None:
    path = out_dir / CONFIG_NAME
    if path.exists():
        old = json.loads(path.read_text())
        if old != json.loads(json.dumps(config.to_dict())):
            raise ValueError(
                f"{out_dir} holds a dataset made with another config ({path}); "
                "resume it with the same config or choose another --out"
            )
    else:
        path.write_text(json.dumps(config.to_dict(), indent=2) + "\n")


def generate(
    config: GenerationConfig,
    out_dir: str | Path,
    workers: int = 1,
    progress: bool = True,
    backend: str = "local",
) -> dict[str, int]:
    """Make every clip of `config` missing from `out_dir`; returns counts of made, skipped, dropped clips."""
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"dataset folder {out_dir} {why_not(out_dir, 'folder')}")
    out_dir.mkdir(parents=True, exist_ok=True)
    _check_config(out_dir, config)
    done = finished_ids(out_dir)
    pending = [job for job in plan_jobs(config) if job.id not in done]
    counts = {"made": 0, "skipped": len(done), "dropped": 0}
    bar = tqdm(total=len(pending), desc="generating clips", unit="clip", disable=not progress)
    with bar:
        args = [(job, config, str(out_dir)) for job in pending]
        for clip_id, record in parallel_map(_run_job, args, workers, backend):
            if record is None:
                with (out_dir / DROPPED_NAME).open("a") as f:
                    f.write(clip_id + "\n")
                counts["dropped"] += 1
            else:
                append_records(out_dir, [record])
                counts["made"] += 1
            bar.update()
    return counts
