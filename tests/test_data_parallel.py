"""Stage-2 training on 2 processes under torchrun (gloo) equals the same run on one process."""

import csv
import json
import os
import subprocess
import sys

import pytest
from synthetic import make_dataset

from adapt2reward.distributed.data_parallel import DataParallel
from adapt2reward.reward.reward_model import RewardModel
from adapt2reward.training.adapt import train
from adapt2reward.training.config import TrainConfig
from adapt2reward.training.model_init import build_model


def test_two_processes_match_one_process(tmp_path):
    data = make_dataset(tmp_path / "data", robot_per_task=12, human_per_task=4)
    config = TrainConfig(
        human=(str(data),),
        robot=(str(data),),
        out=str(tmp_path / "single"),
        epochs=2,
        steps_per_epoch=3,
        batch_human=4,
        batch_success=4,
        batch_failure=4,
        lr=1e-3,
        save_every=100,
        heldout_fraction=0.2,
        backbone={
            "temporal_depth": 1,
            "temporal_width": 64,
            "embed_dim": 64,
            "text_trainable_layers": 1,
            "dropout": 0.0,
        },
    )
    train(config, progress=False)
    ddp_config = tmp_path / "ddp.json"
    ddp_config.write_text(json.dumps(config.to_dict() | {"out": str(tmp_path / "ddp")}))
    env = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK")}
    env["OMP_NUM_THREADS"] = "1"
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        "-m",
        "adapt2reward.cli",
        "train",
        "--config",
        str(ddp_config),
    ]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]

    # The losses of every step agree to float precision: both runs computed the same batches and updates.
    single_rows = list(csv.DictReader((tmp_path / "single" / "losses.csv").read_text().splitlines()))
    ddp_rows = list(csv.DictReader((tmp_path / "ddp" / "losses.csv").read_text().splitlines()))
    assert len(single_rows) == len(ddp_rows) == 6
    for a, b in zip(single_rows, ddp_rows, strict=True):
        for key in ("total", "cdc", "vlc", "fvlc", "bce"):
            assert float(a[key]) == pytest.approx(float(b[key]), rel=1e-5, abs=1e-5), (a["step"], key)
    # Weights agree up to float noise; Adam scales each step to ~lr, so a weight whose true gradient is zero
    # (an attention key bias) can drift by up to lr per step on noise alone: bound by that.
    single = RewardModel.load(tmp_path / "single").model.state_dict()
    ddp = RewardModel.load(tmp_path / "ddp").model.state_dict()
    start = build_model(config.backbone).state_dict()
    bound = config.lr * len(single_rows)
    for name, tensor in single.items():
        assert (tensor.float() - ddp[name].float()).abs().max() <= bound, name
    assert any(
        (single[n].float() - start[n].float()).abs().max() > 1e-3 for n in single
    )  # training moved them


def test_batch_sizes_must_split_evenly():
    with pytest.raises(ValueError, match="divisible by the number of processes"):
        DataParallel(rank=0, world=2).check_divides(batch_human=3)
