"""A CSV log of the training losses, one row per logged step, safe to resume."""

from __future__ import annotations

import csv
from pathlib import Path

from adapt2reward.models.checkpoint import replace_atomically


class LossLog:
    """Appends rows to `path`; a fresh run (`resume_step` None) starts a new file, a resumed one keeps the
    rows up to its step and drops those past it (logged after its last save), so no step repeats."""

    def __init__(self, path: str | Path, resume_step: int | None = None) -> None:
        self.path = Path(path)
        self.fields: list[str] | None = None
        if not self.path.exists():
            return
        with self.path.open(newline="") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
        kept = [] if resume_step is None else [r for r in rows if int(r["step"]) <= resume_step]
        if not kept:
            self.path.unlink()
            return
        self.fields = list(reader.fieldnames or [])
        if len(kept) < len(rows):  # the file is only rewritten when rows go, and atomically
            replace_atomically(self.path, lambda tmp: _write(tmp, self.fields, kept))

    def write(self, row: dict) -> None:
        if self.fields is None:
            self.fields = list(row)
        new = not self.path.exists()
        with self.path.open("a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=self.fields, extrasaction="ignore")
            if new:
                writer.writeheader()
            writer.writerow(row)


def _write(path: Path, fields: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
