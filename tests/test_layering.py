"""Layering: each floor of the package imports only the floors below it; training runs without MuJoCo."""

import ast
import json
import os
import subprocess
import sys
import textwrap
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import adapt2reward

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


# Each package's floor (docs: "How the code is laid out" in the README). A module may import modules of
# lower floors, and of its own floor only where SIDEWAYS allows it (floor 0 holds plain data and helpers,
# which may use each other). `distributed` imports nothing of the project: process plumbing that data,
# training and evaluation all use, so it sits at the bottom.
FLOORS = {
    "tasks": 0,
    "json_config": 0,
    "paths": 0,
    "distributed": 0,
    "envs": 1,
    "data": 1,
    "models": 2,
    "losses": 2,
    "training": 3,
    "reward": 4,
    "baselines": 5,
    "planning": 5,
    "evaluation": 6,
    "serving": 6,
    "cli": 7,
    "demo": 7,
    "": 7,  # the package's own __init__: its public face
}
SIDEWAYS = {
    ("data", "envs"),  # the data generator records clips in the simulator
    ("cli", "demo"),  # `a2r demo` runs the demo
}
REACH = {"losses": 0, "reward": 2}  # the highest floor a package may import, where it is not floor - 1
PACKAGE_ROOT = Path(adapt2reward.__file__).parent


def _is_module(root: Path, name: str) -> bool:
    return (root / f"{name}.py").is_file() or (root / name).is_dir()


def _imports(root: Path, path: Path, module: str) -> Iterator[tuple[str, int]]:
    """(imported adapt2reward module, line) for every import in a file, inside functions too."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            names = [".".join([*base, *([node.module] if node.module else [])])]
            if names == ["adapt2reward"]:  # `from adapt2reward import tasks` imports a module of its own
                names = [
                    f"adapt2reward.{a.name}" if _is_module(root, a.name) else "adapt2reward"
                    for a in node.names
                ]
        else:
            continue
        for name in names:
            if name == "adapt2reward" or name.startswith("adapt2reward."):
                yield name, node.lineno


def _package(module: str) -> str:
    """The package (or top-level module) of a module: 'adapt2reward.data.dataset' -> 'data'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer_violations(root: Path) -> list[str]:
    """Every import that climbs a floor or goes sideways unallowed, every package cycle, every package
    without a floor, in the package at `root`."""
    problems, edges = [], defaultdict(set)
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        source = _package(module)
        if source not in FLOORS:
            problems.append(f"{module}: package {source!r} has no floor")
            continue
        for target_module, line in _imports(root, path, module):
            target = _package(target_module)
            if target == source:
                continue
            if target not in FLOORS:
                problems.append(f"{module}:{line} imports {target_module}, whose package has no floor")
                continue
            edges[source].add(target)
            low, high = FLOORS[target], FLOORS[source]
            sideways_ok = low == 0 or (source, target) in SIDEWAYS
            if low > REACH.get(source, high) or (low == high and not sideways_ok):
                problems.append(
                    f"{module}:{line} imports {target_module}: floor {high} ({source}) -> {low} ({target})"
                )
    problems += [f"import cycle between packages: {' -> '.join(c)}" for c in _cycles(edges)]
    return problems


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each package that lies on a cycle of the package graph."""
    found, seen = [], set()
    for start in sorted(edges):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(edges.get(node, ())):
                if nxt == start and start not in seen:
                    found.append([*path, start])
                    seen.update(path)
                elif nxt not in path:
                    stack.append((nxt, [*path, nxt]))
    return found


def test_every_import_goes_down_a_floor_and_no_package_cycle():
    assert layer_violations(PACKAGE_ROOT) == []


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / "adapt2reward" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "adapt2reward" / name).write_text(text)
    return root / "adapt2reward"


def test_the_layering_check_finds_upward_imports_and_cycles(tmp_path):
    package = _write(
        tmp_path,
        {
            "__init__.py": "",
            "tasks.py": "from adapt2reward import json_config\n",
            "json_config.py": "import adapt2reward.tasks\n",
            "data/__init__.py": "",
            "data/dataset.py": "def load():\n    from ..training.adapt import train\n",
            "envs/__init__.py": "from adapt2reward.data import dataset\n",
            "training/adapt.py": "from adapt2reward.data.dataset import load\n",
            "stray.py": "",
        },
    )
    found = "\n".join(layer_violations(package))
    assert "adapt2reward.data.dataset:2 imports adapt2reward.training.adapt: floor 1 (data) -> 3" in found
    assert "adapt2reward.envs:1 imports adapt2reward.data: floor 1 (envs) -> 1 (data)" in found
    assert "json_config -> tasks -> json_config" in found
    assert "package 'stray' has no floor" in found
    assert "training/adapt" not in found and "(training) -> 1 (data)" not in found
