"""Robot clips from the planner's own search, labelled by the simulator (issue #9, lever 1).

The scripted expert and its perturbations are not what CEM proposes: the planner's candidates are
P-controller paths through waypoints. `record_candidates` plans an episode twice from the same start,
once guided by the oracle (its candidates drift towards success) and once by noise, and keeps every
distinct candidate clip with MetaWorld's labels. `record_planner_dataset` writes such clips of the
*training* tasks as a dataset (`behaviour` "planner", failures with `failure_source` "planner"), as DVD
collected its robot data; episode by episode, so an interrupted run resumes.

Given other guides (lever 15: a learned reward), the search drifts towards what that reward likes,
right or wrong, and the simulator's labels mark where it is wrong: its own adversarial candidates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from adapt2reward.data.clip_io import save_clip
from adapt2reward.data.records import ClipRecord, append_records, iter_manifest
from adapt2reward.data.second_view import LOOK, VIEW_OF, second_view_id
from adapt2reward.planning.episode import PlannerConfig, run_episode
from adapt2reward.planning.rewards import OracleReward, RandomReward, RewardFunction, check_clip_shape
from adapt2reward.tasks import get_task

LABELS = ("final_success", "success", "max_reward")


class RecordingReward:
    """Scores with `inner` and keeps every distinct candidate clip with the simulator's labels."""

    uses_frames = True

    def __init__(self, inner: RewardFunction) -> None:
        self.inner, self.identity = inner, f"recording({getattr(inner, 'identity', None)})"
        self.clips: list[np.ndarray] = []
        self.infos: list[dict[str, Any]] = []
        self._seen: set[bytes] = set()

    def reseed(self, seed: int) -> None:
        if hasattr(self.inner, "reseed"):
            self.inner.reseed(seed)

    def __call__(self, clips: np.ndarray, instruction: str, infos: Sequence[dict[str, Any]]) -> np.ndarray:
        for clip, info in zip(clips, infos, strict=True):
            key = hashlib.blake2b(clip.tobytes(), digest_size=16).digest()
            if key not in self._seen:
                self._seen.add(key)
                self.clips.append(clip)
                self.infos.append(info)
        return self.inner(clips, instruction, infos)


@dataclass(frozen=True)
class Candidates:
    """Distinct candidate clips (N, T, H, W, 3) of one episode and MetaWorld's labels of each."""

    clips: np.ndarray
    labels: dict[str, np.ndarray]


def default_guides() -> tuple[RewardFunction, ...]:
    """Lever 1's guides: the oracle (its candidates drift towards success) and noise."""
    return OracleReward(), RandomReward()


def guide_name(guide: RewardFunction) -> str:
    """What a guide computes, as records and errors name it."""
    return str(getattr(guide, "identity", type(guide).__name__))


def check_guides(guides: Sequence[RewardFunction], look: str, planner: PlannerConfig) -> None:
    """Refuse no guide, a guide that reads more or larger frames than the planner films, and a
    frame-reading guide with `look="human"`: it would search the human look's frames, not film the robot's
    search in that look."""
    if not guides:
        raise ValueError("need at least one guide for the planner's search")
    for guide in guides:
        check_clip_shape(guide, planner.num_frames, planner.size, f"the guide {guide_name(guide)}")
    readers = [guide_name(g) for g in guides if g.uses_frames]
    if look != "robot" and readers:
        raise ValueError(
            f"guides that read frames ({', '.join(readers)}) cannot film the robot's search in "
            f"the {look!r} look: they would search that look's frames instead; record the robot look"
        )


def record_candidates(
    sim: Any,
    task: str,
    variant: str,
    seed: int,
    planner: PlannerConfig,
    look: str = "robot",
    guides: Sequence[RewardFunction] | None = None,
) -> Candidates:
    """Every distinct candidate of one search per guide from the episode `seed` (default: an
    oracle-guided and a noise-guided search).

    The default guides do not read the frames, so `look="human"` films the very same candidates in the
    human stand-in's look (the hand in place of the arm): the robot's search seen as the human data shows it.
    """
    guides = default_guides() if guides is None else tuple(guides)
    check_guides(guides, look, planner)
    instruction = get_task(task).instruction
    clips, infos = [], []
    for guide in guides:
        recorder = RecordingReward(guide)
        sim.reset(seed, domain=look, variant=variant)
        run_episode(sim, recorder, instruction, planner, seed)
        clips += recorder.clips
        infos += recorder.infos
    labels = {k: np.asarray([info[k] for info in infos]) for k in LABELS}
    return Candidates(np.stack(clips), labels)


def keep_balanced(candidates: Candidates, per_episode: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of up to `per_episode` clips, half (or as many as there are) ending in success."""
    final = candidates.labels["final_success"].astype(bool)
    wins, losses = np.flatnonzero(final), np.flatnonzero(~final)
    n_win = min(len(wins), per_episode // 2)
    n_loss = min(len(losses), per_episode - n_win)
    return np.sort(
        np.concatenate([rng.choice(wins, n_win, replace=False), rng.choice(losses, n_loss, replace=False)])
    )


def record_planner_dataset(
    out: str | Path,
    tasks: Sequence[str],
    episodes: int,
    planner: PlannerConfig,
    per_episode: int = 40,
    variant: str = "train",
    seed: int = 20_000,
    progress: bool = True,
    look: str = "robot",
    guides: Sequence[RewardFunction] | None = None,
) -> int:
    """Write `per_episode` candidate clips of each of `episodes` episodes per task into the dataset `out`
    (episode seeds `seed`, `seed + 1`, ...: keep them apart from the protocols' and the validation
    banks'); returns the number of clips written. Finished episodes are skipped on a rerun.

    `look="human"` films the very same clips (same search, same selection) in the human look, each
    named `<robot clip id>~<variant>~human-look` with `extra.view_of` naming the robot clip: the
    embodiment pairs of `TrainConfig.embodiment_pair_weight` for the planner's own clips, which the
    simulator cannot replay from a seed. `guides` replace the oracle and noise (lever 15: a learned
    reward, whose search finds its own errors); each record names them in `extra.guides`."""
    from adapt2reward.envs.appearance import check_domain
    from adapt2reward.envs.simulator import TaskEnv

    if episodes < 1 or per_episode < 2:
        raise ValueError(f"need episodes >= 1 and per_episode >= 2, got {episodes} and {per_episode}")
    check_domain(look, "look")
    guides = default_guides() if guides is None else tuple(guides)
    check_guides(guides, look, planner)
    guide_names = [guide_name(g) for g in guides]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    done = (
        {record.extra.get("episode") for record in iter_manifest(out)}
        if (out / "manifest.jsonl").exists()
        else set()
    )
    written = 0
    jobs = [(task, seed + e) for task in tasks for e in range(episodes)]
    for task, episode_seed in tqdm(jobs, desc="planner episodes", unit="episode", disable=not progress):
        episode = f"{task}/{variant}/{episode_seed}"
        if episode in done:
            continue
        sim = TaskEnv(task, "robot", variant, episode_seed)
        candidates = record_candidates(sim, task, variant, episode_seed, planner, look, guides)
        keep = keep_balanced(candidates, per_episode, np.random.default_rng(episode_seed))
        records = []
        for rank, i in enumerate(keep):
            robot_id = f"robot-{task}-{variant}-planner-{episode_seed}-{rank:03d}"
            clip_id = robot_id if look == "robot" else second_view_id(robot_id, variant, look)
            rel = f"clips/robot/{task}/{clip_id}.npz"
            save_clip(out / rel, candidates.clips[i])
            success = bool(candidates.labels["final_success"][i])
            records.append(
                ClipRecord(
                    id=clip_id,
                    domain="robot",
                    task=task,
                    instruction=get_task(task).phrasing(episode_seed + rank),
                    success=success,
                    failure_source=None if success else "planner",
                    variant=variant,
                    seed=episode_seed,
                    num_frames=int(candidates.clips.shape[1]),
                    path=rel,
                    height=int(candidates.clips.shape[2]),
                    width=int(candidates.clips.shape[3]),
                    behaviour="planner",
                    extra={
                        "episode": episode,
                        "max_reward": float(candidates.labels["max_reward"][i]),
                        "guides": guide_names,
                    }
                    | ({} if look == "robot" else {VIEW_OF: robot_id, LOOK: look}),
                )
            )
        append_records(out, records)  # the episode's clips are on disk first: a crash loses no record
        written += len(records)
    return written
