"""A CSV log of the training losses, one row per logged step, safe to resume."""

from __future__ import annotations

import csv
from pathlib import Path


class LossLog:
    """Appends rows to `path`; on resume, rows past the resumed step are dropped so none repeat."""

    def __init__(self, path: str | Path, resume_step: int | None = None) -> None:
        self.path = Path(path)
        self.fields: list[str] | None = None
        if self.path.exists():
            with self.path.open() as f:
                rows = list(csv.DictReader(f))
            rows = [] if resume_step is None else [r for r in rows if int(r["step"]) <= resume_step]
            self.path.unlink()
            for row in rows:
                self.write(row)

    def write(self, row: dict) -> None:
        if self.fields is None:
            self.fields = list(row)
        new = not self.path.exists()
        with self.path.open("a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=self.fields, extrasaction="ignore")
            if new:
                writer.writeheader()
            writer.writerow(row)
