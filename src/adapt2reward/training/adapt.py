"""Stage 2: adapt a video-language model into a robot reward with failure prompts (the paper's method).

Readable top to bottom: data, model, objective, resume, re-clustering of the failure modes at every
epoch end, and the step (one batch of B_h human, B_r robot success and B_f robot failure clips) inside
the loop every training run shares (`training.loop`: resume, log, checkpoints, stop). The terms beyond
the paper (`TrainConfig`: keep, human failures, embodiment pairs, order) follow the paper's objective in
the step, each only when its weight is set.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from adapt2reward.data.batching import StageTwoSampler
from adapt2reward.data.clip_bank import ClipBank
from adapt2reward.data.dataset import ClipDataset
from adapt2reward.data.run_data import (
    Items,
    RobotSplit,
    load_human_failures,
    load_human_items,
    load_robot_split,
)
from adapt2reward.data.second_view import VIEW_OF, copies_of
from adapt2reward.data.task_texts import canonical_instructions, task_text_columns
from adapt2reward.data.transforms import frame_indices
from adapt2reward.distributed.data_parallel import DataParallel
from adapt2reward.losses.bce import SuccessBCELoss
from adapt2reward.losses.combined import Adapt2RewardLoss
from adapt2reward.losses.order import OrderRankingLoss
from adapt2reward.losses.view import ViewConsistencyLoss
from adapt2reward.tasks import opposite_instructions
from adapt2reward.training.config import TrainConfig
from adapt2reward.training.device import training_device
from adapt2reward.training.failure_modes import FailureModes, cluster_failures
from adapt2reward.training.loop import TrainLoop
from adapt2reward.training.model_init import build_model, trainable_parameters
from adapt2reward.training.seeding import seed_everything


def failure_source(record) -> str:
    """Failures of plain expert attempts count as near-success: the expert nearly did it."""
    return record.failure_source or "near_success"


def robot_training_items(config: TrainConfig) -> tuple[RobotSplit, Items]:
    """The run's robot split and the failure clips it trains on (of its failure sources; none when the
    ablation uses no failures)."""
    split = load_robot_split(
        config.robot, config.tasks, config.robot_variants, config.heldout_fraction, config.split_seed
    )
    if not config.uses_failures:
        return split, []
    return split, [it for it in split.failure if failure_source(it[1]) in config.failure_sources]


def train(
    config: TrainConfig, progress: bool = True, stop_after: int | None = None, device: str = "cpu"
) -> int:
    """Run (or resume) stage 2 into `config.out`; returns the number of steps the run has taken in all.

    The caller measures the checkpoint (`evaluation.heldout.evaluate_run`): training does not know
    about evaluation. `stop_after` ends the run after that many steps in total, as an interruption would
    (for tests).
    Under `torchrun` the batch is split over the processes (see `distributed.data_parallel`). `device`:
    where the model trains (see `training.device`); the clips stay on the CPU. The device is not part of
    the run's config: a run may resume on another one.
    """
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = seed_everything(config.seed)
    dp = DataParallel.from_env()
    device, autocast = training_device(device, dp.world)
    dp.check_divides(
        batch_human=config.batch_human,
        batch_success=config.batch_success,
        batch_failure=config.batch_failure,
        batch_human_failure=config.human_failures_per_batch,
    )
    progress = progress and dp.is_main

    # Data ---------------------------------------------------------------------------------------------
    split, failure_items = robot_training_items(config)
    tasks, success_items = split.tasks, split.success
    human, human_failures = ClipDataset([]), ClipDataset([])
    if config.human:
        human.items = load_human_items(config.human, config.human_tasks)
    if config.human_failure_weight > 0:
        human_failures.items = load_human_failures(config.human, config.human_tasks)

    # Model and objective ------------------------------------------------------------------------------
    use_prompts = config.ablation == "full" and bool(failure_items)
    prompt_tasks = canonical_instructions(tasks, split.records) if use_prompts else {}
    model = build_model(config.backbone, config.init, prompt_tasks, config.num_modes, config.prompt_length)
    model.to(device)
    anchor = None
    if config.keep_weight > 0:  # the frozen init model whose features the consistency term keeps
        anchor = build_model(config.backbone, config.init).to(device).eval().requires_grad_(False)
    banks = {
        name: ClipBank.load(items, model.video, name, progress, augment=config.look_augmentation)
        for name, items in (
            ("human", human.items),
            ("success", success_items),
            ("failure", failure_items),
            ("human failure", human_failures.items),
        )
    }
    copy_of: dict[str, int] = {}  # robot clip id -> its copy in the human look (only training clips)
    if config.embodiment_pair_weight > 0:
        trained = {r.id for _, r in success_items + failure_items}
        banks["copy"] = ClipBank.load(
            copies_of(config.embodiment_pairs, trained), model.video, "copy", progress
        )
        copy_of = {r.extra[VIEW_OF]: i for i, r in enumerate(banks["copy"].records)}
        if not copy_of:
            raise ValueError(
                f"embodiment_pairs {list(config.embodiment_pairs)} hold no copy of a robot training clip: "
                "make them with `a2r second-view --domain robot --look human` from the robot data"
            )
    task_index = {task: i for i, task in enumerate(tasks)}  # = prompt table rows
    failure_task = np.asarray([task_index[r.task] for r in banks["failure"].records], dtype=np.int64)
    criterion = Adapt2RewardLoss(config.loss_config())
    human_bce, pair_loss = SuccessBCELoss(), ViewConsistencyLoss()
    trainable = trainable_parameters(model)
    optimizer = torch.optim.AdamW(trainable, lr=config.lr, weight_decay=config.weight_decay)
    sampler = StageTwoSampler(
        human.records,
        banks["success"].records,
        banks["failure"].records,
        config.batch_human,
        config.batch_success,
        config.batch_failure if failure_items else 0,
        seed=config.seed,
        human_failure=human_failures.records,
        batch_human_failure=config.human_failures_per_batch,
    )
    run_config = {"stage": "adapt", "train": config.to_dict(), "tasks": tasks}

    # Resume or start ----------------------------------------------------------------------------------
    def state() -> dict:
        return {
            "sampler": sampler.state(),
            "text_rng": rng.bit_generator.state,
            "modes": modes.state() if modes is not None else None,
        }

    def end_epoch() -> None:  # the re-clustering: pseudo-labels follow the adapted features
        nonlocal modes
        if use_prompts:
            modes = _recluster(model, banks["failure"], failure_task, config, modes)

    loop = TrainLoop(
        out,
        model,
        optimizer,
        run_config,
        steps=config.steps_per_epoch,
        epochs=config.epochs,
        save_every=config.save_every,
        desc="adapt",
        state=state,
        on_epoch_end=end_epoch,
        progress=progress,
        stop_after=stop_after,
        is_main=dp.is_main,
    )
    saved = loop.resume()
    if saved is None:
        modes = _recluster(model, banks["failure"], failure_task, config, None) if use_prompts else None
    else:
        sampler.load_state(saved["sampler"])
        rng.bit_generator.state = saved["text_rng"]
        modes = FailureModes.from_state(saved["modes"]) if saved["modes"] is not None else None

    # The loop: resumed where the run stopped, logged, saved every `save_every` steps and at epoch ends --
    model.train()
    for _ in loop.steps():
        batch = sampler.sample()
        records = (
            [human.records[i] for i in batch.human]
            + [banks["success"].records[i] for i in batch.robot_success]
            + [banks["failure"].records[i] for i in batch.robot_failure]
            + [banks["human failure"].records[i] for i in batch.human_failure]
        )
        extra = opposite_instructions(sorted({r.task for r in records})) if config.hard_negatives else None
        columns, texts, labels = task_text_columns(records, rng, extra)
        labels = torch.from_numpy(labels).to(device)
        n_h, n_s, n_f = len(batch.human), len(batch.robot_success), len(batch.robot_failure)

        with autocast():  # bf16 forward on a GPU, a no-op on the CPU
            text_features = model.encode_text(texts)
            human_features = dp.gather(_encode(banks["human"], model, dp.shard(batch.human)))
            robot_features = dp.gather(_encode(banks["success"], model, dp.shard(batch.robot_success)))
            failure_features = dp.gather(_encode(banks["failure"], model, dp.shard(batch.robot_failure)))
            failure_texts, failure_mask = (
                failure_text_columns(model, columns, texts, prompt_tasks) if use_prompts else (None, None)
            )
            failure_modes = None
            if modes is not None:
                failure_modes = torch.from_numpy(modes.labels[batch.robot_failure]).to(device)
            total, parts = criterion(
                logit_scale=model.logit_scale(),
                human_features=human_features,
                human_tasks=labels[:n_h],
                robot_features=robot_features,
                robot_tasks=labels[n_h : n_h + n_s],
                task_text_features=text_features,
                failure_features=failure_features,
                failure_tasks=labels[n_h + n_s : n_h + n_s + n_f],
                failure_modes=failure_modes,
                failure_text_features=failure_texts,
                failure_mode_mask=failure_mask,
                success_scale=model.success_head.scale,
                success_bias=model.success_head.bias,
            )
            if anchor is not None:
                with torch.no_grad():
                    kept_text = anchor.encode_text(texts)
                    kept_human = _encode(banks["human"], anchor, batch.human)
                parts["keep"] = 2 - (
                    (text_features * kept_text).sum(-1).mean() + (human_features * kept_human).sum(-1).mean()
                )
                total = total + config.keep_weight * parts["keep"]
            if config.human_failure_weight > 0:  # human successes against unfinished human attempts
                failed = dp.gather(_encode(banks["human failure"], model, dp.shard(batch.human_failure)))
                video = torch.cat([human_features, failed])
                success = torch.cat([torch.ones(n_h), torch.zeros(len(batch.human_failure))]).to(device)
                tasks_of = torch.cat([labels[:n_h], labels[n_h + n_s + n_f :]])
                parts["human_bce"] = human_bce(
                    video, text_features[tasks_of], success, model.success_head.scale, model.success_head.bias
                )
                total = total + config.human_failure_weight * parts["human_bce"]
            if copy_of:  # each robot clip against its own episode in the human look, among the batch's
                robot_records = records[n_h : n_h + n_s + n_f]
                rows, seen = [], set()
                for row, record in enumerate(robot_records):  # a clip drawn twice is one episode
                    if record.id in copy_of and record.id not in seen:
                        seen.add(record.id)
                        rows.append(row)
                if len(rows) > 1:
                    own = torch.cat([robot_features, failure_features])[rows]
                    copies = np.asarray([copy_of[robot_records[i].id] for i in rows])
                    parts["pair"] = pair_loss(own, _encode(banks["copy"], model, copies), model.logit_scale())
                    total = total + config.embodiment_pair_weight * parts["pair"]
            if config.order_weight > 0:
                parts["order"] = _order_loss(
                    model,
                    [(banks["human"], batch.human), (banks["success"], batch.robot_success)],
                    text_features[labels[: n_h + n_s]],
                    np.random.default_rng([config.seed, loop.global_step]),
                )
                total = total + config.order_weight * parts["order"]
        optimizer.zero_grad(set_to_none=True)
        total.backward()
        dp.average_gradients(trainable)
        optimizer.step()
        loop.log({"total": total.item()} | {name: value.item() for name, value in parts.items()})

    dp.close()
    return loop.global_step


def _encode(bank: ClipBank, model, idx: np.ndarray, time: np.ndarray | None = None) -> torch.Tensor:
    """Normalised features of the bank's clips at `idx` (frames reordered by `time`, see
    `ClipBank.encode`); (0, D) when there are none (no failure data)."""
    if len(idx) == 0:
        return torch.zeros(0, model.config.backbone.embed_dim, device=model.device)
    return F.normalize(bank.encode(model.video, idx, time), dim=-1)


def _order_loss(
    model, clips: list[tuple[ClipBank, np.ndarray]], text_features: torch.Tensor, rng: np.random.Generator
) -> torch.Tensor:
    """Success clips (banks and indices; `text_features` holds their texts in the same order) against
    their rewound copies, and a later prefix of each against an earlier one (lengths drawn from `rng`)."""
    t = model.video.max_frames
    better, worse, texts, start = [], [], [], 0
    for bank, idx in clips:
        if len(idx) == 0:
            continue
        forward = np.tile(np.arange(t), (len(idx), 1))
        short = rng.integers(1, t, size=len(idx))  # 1 .. T-1 frames
        long = rng.integers(short + 1, t + 1)  # longer, up to the whole clip
        better += [_encode(bank, model, idx, forward), _encode(bank, model, idx, _prefixes(long, t))]
        rewound = forward[:, ::-1].copy()
        worse += [_encode(bank, model, idx, rewound), _encode(bank, model, idx, _prefixes(short, t))]
        texts += [text_features[start : start + len(idx)]] * 2
        start += len(idx)
    return OrderRankingLoss()(torch.cat(better), torch.cat(worse), torch.cat(texts), model.logit_scale())


def _prefixes(lengths: np.ndarray, t: int) -> np.ndarray:
    """(n, T) frame indices of each clip's first `lengths[i]` frames, resampled to T."""
    return np.stack([frame_indices(int(k), t) for k in lengths])


def failure_text_columns(
    model, columns: list[str], texts: list[str], prompt_tasks: dict[str, str]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Failure-prompt texts (M, K, D) aligned with the batch's text columns; tasks without prompts masked.

    Column i's failure texts join task `columns[i]`'s prompts to `texts[i]`, the very wording of its
    success text in this batch (a paraphrase), so wording is no cue for telling failure from success.
    """
    rows = [i for i, task in enumerate(columns) if task in prompt_tasks]
    with_prompts = [columns[i] for i in rows]
    features = model.encode_failure_texts(with_prompts, [texts[i] for i in rows])
    full = features.new_zeros(len(columns), *features.shape[1:])
    full[rows] = features
    mask = torch.zeros(len(columns), features.shape[1], dtype=torch.bool, device=features.device)
    mask[rows] = model.failure_mode_mask(with_prompts)
    return full, mask


@torch.no_grad()
def _recluster(
    model, bank: ClipBank, task_of_clip: np.ndarray, config: TrainConfig, previous: FailureModes | None
) -> FailureModes:
    """Spherical k-means of each task's failure-clip features; K per task set on the prompt table."""
    was_training = model.training
    model.eval()
    features = torch.cat(
        [_encode(bank, model, np.arange(i, min(i + 256, len(bank)))).cpu() for i in range(0, len(bank), 256)]
    )
    model.train(was_training)
    modes, ks = cluster_failures(
        features,
        task_of_clip,
        config.num_modes,
        previous,
        choose_k=config.choose_k == "silhouette",
        restarts=config.kmeans_restarts,
        seed=config.seed,
    )
    for task, k in ks.items():
        model.prompts.set_num_modes(task, k)
    return modes
