"""`record(section, figures)`: merge one benchmark's figures into `results/speed.json`.

Every speed benchmark writes its own section, so the file gathers the whole picture (render, frame
encoder, reward, wrapper, server, planning) while each section stays one run: ratios are only compared
within a section, measured on the same machine state. Each section carries the machine and its load.
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

SPEED_JSON = Path("results/speed.json")


def machine() -> dict[str, Any]:
    """What the figures depend on: CPU count, OpenMP threads, the 1-minute load at the start."""
    return {
        "cpus": os.cpu_count(),
        "omp_threads": os.environ.get("OMP_NUM_THREADS", "unset"),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "platform": platform.platform(),
    }


def record(section: str, figures: dict[str, Any], path: Path = SPEED_JSON) -> Path:
    """Replace `section` of the speed file with `figures` (plus the machine), keeping other sections."""
    path.parent.mkdir(parents=True, exist_ok=True)
    results = json.loads(path.read_text()) if path.exists() else {}
    results[section] = {"machine": machine(), **figures}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(dict(sorted(results.items())), indent=2) + "\n")
    tmp.replace(path)
    return path
