"""The files that say what a run folder holds: `done.json` (a complete result) and `failed.json`
(a job that failed, kept beside its outputs so a re-run retries it).

`done.json` is always written last, after every output is in place; every reader treats a folder
without it as holding no result.
"""

from __future__ import annotations

import json
from pathlib import Path

from quidproquo.runs import storage

DONE = "done.json"
FAILED = "failed.json"


def is_done(folder: Path) -> bool:
    return (Path(folder) / DONE).exists()


def mark_done(folder: Path, worlds: int, seconds: float) -> None:
    storage.write_text(json.dumps({"worlds": worlds, "seconds": round(seconds, 3)}), Path(folder) / DONE)


def mark_failed(folder: Path, overrides: list[str], error: Exception) -> None:
    """Record a job's failure beside its outputs; the job stays unfinished, so a re-run retries it."""
    reason = f"{type(error).__name__}: {' '.join(str(error).split())}"
    storage.write_text(json.dumps({"overrides": overrides, "error": reason}), Path(folder) / FAILED)


def unmark(folder: Path) -> None:
    """A result about to be rewritten is neither done nor failed."""
    for marker in (DONE, FAILED):
        (Path(folder) / marker).unlink(missing_ok=True)
