"""Over-reward probes: simulator clips of behaviours a good reward must not pay for.

For every task, `PROBE_KINDS`, each recorded in the task's own MetaWorld scene and look, with the
clip set's frame count and size:

- `idle`: the arm holds its start pose (P-control to where it was at the reset, gripper open).
- `wrong_way`: the right object moved the wrong way: the noisy expert approaches, then moves opposite to
  the expert's motion in the horizontal plane (the `wrong_way` near-success mode).
- `wrong_object`: MetaWorld's scenes hold one task object each, so "the wrong object" is the motion meant
  for another task's object: another task's noisy expert is run in its own scene, its hand path and
  gripper recorded, and the hand replays that path (relative to its start) in this task's scene. The
  other task is the next one of the clip set's tasks (cyclically), later attempts take the next ones,
  then the simulator's other tasks; a replay that happens to do this task (a sweep that shuts the
  drawer) ends in success and is replaced.
- `undone`: a success undone at the end: the expert succeeds, then runs the opposite task's scripted
  policy (drawer-close -> drawer-open) where the task has an opposite, or replays its own motion
  backwards (`bounce_back`) on every second attempt and for tasks without one; the episode is 1.5x the
  task's length to leave time for the undoing, and a clip is kept only when the simulator's success flag
  was raised during the episode and is down at its end.
- `near_miss`: the expert freezes part-way (`stop_short`), or lets go part-way (`release_early`) on
  every second attempt.

Every kept probe clip ends in failure by the simulator's own flag; an attempt that ends in success is
recorded again with the next seed (up to `MAX_ATTEMPTS`), and a slot that never fails is dropped (listed
in `dropped.txt`, so a rerun does not retry it). Seeds lie in [2^31, 2^32), disjoint from the generator's
31-bit clip seeds. The probes are a dataset folder (manifest + clips, probe kind in the record's
`behaviour` and `extra["probe"]`), made resumably like `a2r generate`.
"""

from __future__ import annotations

import warnings
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from adapt2reward.data.clip_io import save_clip
from adapt2reward.data.folder_settings import check_folder_settings
from adapt2reward.data.records import ClipRecord, append_records, read_manifest

PROBE_KINDS = ("idle", "wrong_way", "wrong_object", "undone", "near_miss")
MAX_ATTEMPTS = 4
SETTINGS_NAME = "probes.json"
DROPPED_NAME = "dropped.txt"
_GAIN = 10.0  # P-control gain of the hand, as the planner's


@dataclass(frozen=True)
class ProbeJob:
    """One probe slot: a task, a kind, its index, the look and the clip shape."""

    task: str
    kind: str
    index: int
    variant: str = "train"
    num_frames: int = 8
    size: int = 64
    other_tasks: tuple[str, ...] = ()  # wrong_object: whose motion is replayed, one per attempt

    @property
    def id(self) -> str:
        return f"probe-{self.task}-{self.kind}-{self.variant.replace('+', '_')}-{self.index:04d}"


def probe_seed(clip_id: str, attempt: int) -> int:
    """A seed in [2^31, 2^32): never one of the generator's 31-bit clip seeds."""
    return 2**31 + (zlib.crc32(f"probe/{clip_id}/{attempt}".encode()) & 0x7FFFFFFF)


def plan_probes(
    tasks: list[str], per_task: int, variant: str = "train", num_frames: int = 8, size: int = 64
) -> list[ProbeJob]:
    """Every probe slot: `per_task` clips of each kind for each task."""
    from adapt2reward.tasks import TASK_NAMES, get_task

    for task in tasks:
        get_task(task)
    jobs = []
    for task in tasks:
        here = tasks.index(task)
        others = [t for t in tasks[here + 1 :] + tasks[:here] if t != task]
        others += [t for t in TASK_NAMES if t != task and t not in others]
        for kind in PROBE_KINDS:
            replays = tuple(others[:MAX_ATTEMPTS]) if kind == "wrong_object" else ()
            jobs += [ProbeJob(task, kind, i, variant, num_frames, size, replays) for i in range(per_task)]
    return jobs


class _Hold:
    """Keep the hand where it started, gripper open."""

    def __init__(self) -> None:
        self._anchor: np.ndarray | None = None

    def act(self, obs: np.ndarray, succeeded: bool) -> np.ndarray:
        if self._anchor is None:
            self._anchor = obs[:3].copy()
        return np.array([*np.clip((self._anchor - obs[:3]) * _GAIN, -1, 1), -1.0], dtype=np.float32)


class _Undo:
    """The noisy expert until the first success, then the opposite task's scripted policy."""

    def __init__(self, expert, opposite_policy) -> None:
        self._expert, self._policy, self._done = expert, opposite_policy, False

    def act(self, obs: np.ndarray, succeeded: bool) -> np.ndarray:
        self._done = self._done or succeeded
        if not self._done:
            return self._expert.act(obs, False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # MetaWorld's "Constant(s) may be too high"
            return np.clip(self._policy.get_action(obs), -1.0, 1.0).astype(np.float32)


class _Replay:
    """Follow a recorded hand path (offset to this scene's start hand) with its recorded gripper."""

    def __init__(self, path: np.ndarray, grips: np.ndarray) -> None:
        self._path, self._grips, self._t = path, grips, 0
        self._offset: np.ndarray | None = None

    def act(self, obs: np.ndarray, succeeded: bool) -> np.ndarray:
        if self._offset is None:
            self._offset = obs[:3] - self._path[0]
        t = min(self._t, len(self._path) - 1)
        self._t += 1
        target = self._path[t] + self._offset
        return np.array([*np.clip((target - obs[:3]) * _GAIN, -1, 1), self._grips[t]], dtype=np.float32)


_envs: dict = {}


def _env(task: str):
    from adapt2reward.envs.simulator import TaskEnv

    if task not in _envs:
        _envs[task] = TaskEnv(task)
    return _envs[task]


def _expert_path(task: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Hand positions (steps + 1, 3) and gripper actions (steps + 1,) of `task`'s noisy expert."""
    from adapt2reward.envs.behaviours import Expert
    from adapt2reward.envs.tasks import sim_task

    spec = sim_task(task)
    env = _env(task)
    env.reset(seed)
    expert = Expert(spec, np.random.default_rng([seed, 0]))
    path, grips = [env.hand_pos], []
    for _ in range(spec.episode_steps):
        action = expert.act(env.obs, env.success)
        grips.append(float(action[3]))
        env.step(action)
        path.append(env.hand_pos)
    grips.append(grips[-1])
    return np.stack(path), np.asarray(grips)


def _behaviour(job: ProbeJob, seed: int, attempt: int):
    from adapt2reward.envs.behaviours import Expert
    from adapt2reward.envs.recording import ClipSpec, make_behaviour
    from adapt2reward.envs.tasks import sim_task
    from adapt2reward.tasks import get_task

    if job.kind == "idle":
        return _Hold(), "hold"
    if job.kind == "wrong_object":
        other = job.other_tasks[attempt % len(job.other_tasks)]
        return _Replay(*_expert_path(other, seed)), f"replay {other}"
    opposite = get_task(job.task).opposite
    if job.kind == "undone" and opposite and attempt % 2 == 0:
        from metaworld.policies import ENV_POLICY_MAP

        expert = Expert(sim_task(job.task), np.random.default_rng([seed, 0]))
        return _Undo(expert, ENV_POLICY_MAP[sim_task(opposite).env_id]()), f"{opposite} policy"
    mode = {"wrong_way": "wrong_way", "undone": "bounce_back"}.get(job.kind)
    mode = mode or ("stop_short", "release_early")[attempt % 2]
    spec = ClipSpec(
        job.task, behaviour=mode, variant=job.variant, seed=seed, num_frames=job.num_frames, size=job.size
    )
    return make_behaviour(mode, spec, _env(job.task)), mode


def record_probe(job: ProbeJob, seed: int, attempt: int = 0) -> tuple[dict, bool]:
    """Record one attempt: (clip arrays and facts, whether it is a valid probe of its kind)."""
    from adapt2reward.envs.tasks import sim_task

    behaviour, run = _behaviour(job, seed, attempt)
    steps = sim_task(job.task).episode_steps
    steps = steps * 3 // 2 if job.kind == "undone" else steps
    env = _env(job.task)
    env.reset(seed, "robot", job.variant)
    keep = set(np.linspace(0, steps, job.num_frames).round().astype(int).tolist())
    frames, progress, ever = [], [], False
    for t in range(steps + 1):
        if t > 0:
            env.step(behaviour.act(env.obs, env.success))
            ever = ever or env.success
        if t in keep:
            frames.append(env.render(job.size))
            progress.append(env.progress)
    valid = not env.success and (ever or job.kind != "undone")
    clip = {
        "frames": np.stack(frames),
        "progress": np.asarray(progress, np.float32),
        "run": run,
        "ever": ever,
    }
    return clip, valid


def make_probe(args: tuple[ProbeJob, str]) -> tuple[str, ClipRecord | None]:
    """Record a probe slot into `out` (retrying seeds until it is a valid probe); None when it never is."""
    from adapt2reward.data.task_texts import canonical_instructions

    job, out = args
    for attempt in range(MAX_ATTEMPTS):
        seed = probe_seed(job.id, attempt)
        clip, valid = record_probe(job, seed, attempt)
        if valid:
            break
    else:
        return job.id, None
    path = f"clips/{job.task}/{job.id}.npz"
    save_clip(Path(out) / path, clip["frames"], progress=clip["progress"])
    record = ClipRecord(
        id=job.id,
        domain="robot",
        task=job.task,
        instruction=canonical_instructions([job.task], [])[job.task],
        success=False,
        failure_source=None,
        variant=job.variant,
        seed=seed,
        num_frames=job.num_frames,
        path=path,
        height=job.size,
        width=job.size,
        behaviour=job.kind,
        extra={
            "probe": job.kind,
            "run": clip["run"],
            "ever_succeeded": clip["ever"],
            "attempts": attempt + 1,
        },
    )
    return job.id, record


def make_probes(
    out: str | Path, jobs: list[ProbeJob], workers: int = 1, progress: bool = True
) -> list[ClipRecord]:
    """Record every probe slot missing from `out` (resumable) and return the records of `jobs`' slots."""
    from adapt2reward.distributed.pool import parallel_map

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if jobs:
        settings = {k: v for k, v in asdict(jobs[0]).items() if k in ("variant", "num_frames", "size")}
        check_folder_settings(out, settings, SETTINGS_NAME, "probe clips")
    manifest = out / "manifest.jsonl"
    dropped_path = out / DROPPED_NAME
    for path in (manifest, dropped_path):  # a killed run may leave a torn last line
        raw = path.read_bytes() if path.exists() else b""
        if raw and not raw.endswith(b"\n"):
            path.write_bytes(raw[: raw.rfind(b"\n") + 1])
    done = {r.id for r in read_manifest(out)} if manifest.exists() else set()
    dropped = set(dropped_path.read_text().split()) if dropped_path.exists() else set()
    pending = [j for j in jobs if j.id not in done | dropped]
    with tqdm(total=len(pending), desc="probe clips", unit="clip", disable=not progress) as bar:
        for clip_id, record in parallel_map(make_probe, [(j, str(out)) for j in pending], workers):
            if record is None:
                with dropped_path.open("a") as f:
                    f.write(clip_id + "\n")
            else:
                append_records(out, [record])
            bar.update()
    wanted = {j.id for j in jobs}
    return [r for r in read_manifest(out) if r.id in wanted] if manifest.exists() else []
