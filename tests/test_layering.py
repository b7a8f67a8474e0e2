"""The package's layering: training runs without the simulator."""

import json
import os
import subprocess
import sys
import textwrap

# Run in a fresh interpreter where the simulator cannot be imported, as on a machine without MuJoCo.
_NO_SIMULATOR = textwrap.dedent(
    """
    import sys

    BLOCKED = {"mujoco", "metaworld", "gymnasium"}

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked: the simulator is absent")
            return None

    sys.meta_path.insert(0, Blocker())
    from adapt2reward.cli import app

    app(sys.argv[1:])
    """
)


def test_stage_two_training_runs_without_the_simulator(data, stage1, tmp_path):
    config = {
        "human": [str(data)],
        "robot": [str(data)],
        "init": str(stage1),
        "out": str(tmp_path / "run"),
        "epochs": 1,
        "steps_per_epoch": 2,
        "batch_human": 4,
        "batch_success": 4,
        "batch_failure": 4,
        "heldout_fraction": 0.3,
    }
    (tmp_path / "train.json").write_text(json.dumps(config))
    result = subprocess.run(
        [sys.executable, "-c", _NO_SIMULATOR, "train", "--config", str(tmp_path / "train.json")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert (tmp_path / "run" / "model.safetensors").is_file()
    assert 0.0 <= report["heldout"]["reward_auc"] <= 1.0


_RENDER_HEADLESS = textwrap.dedent(
    """
    import os

    import adapt2reward
    import adapt2reward.training

    assert "MUJOCO_GL" not in os.environ, "importing the package set MUJOCO_GL"
    from adapt2reward.envs import ClipSpec, record_clip

    assert os.environ["MUJOCO_GL"] == "osmesa"
    clip = record_clip(ClipSpec("drawer-close", num_frames=2, size=32))
    assert clip.frames.shape == (2, 32, 32, 3) and clip.frames.std() > 0
    """
)


def test_simulator_renders_headless_without_import_time_side_effects():
    env = {k: v for k, v in os.environ.items() if k not in ("MUJOCO_GL", "PYOPENGL_PLATFORM")}
    result = subprocess.run(
        [sys.executable, "-c", _RENDER_HEADLESS], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
