"""Staging and publishing a run folder: its outputs appear complete, or not at all.

Every output is first written to `folder/.staging/` (`staging`), and moved into place only when
all of it exists (`publish`): one atomic rename a file, then `done.json` last. A run killed at
any moment leaves a folder with `done.json` and a complete result, or without `done.json`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from quidproquo.runs import markers

MOVE_HOOK = None  # called before each step of `publish` with the step's number: tests kill a run there


def staging(folder: Path) -> Path:
    """A fresh, empty staging folder inside `folder`; the folder's result is unmarked (no
    done.json) from now until `publish` ends."""
    folder = Path(folder)
    markers.unmark(folder)
    staged = folder / ".staging"
    shutil.rmtree(staged, ignore_errors=True)  # what a killed run left half-staged
    staged.mkdir(parents=True)
    return staged


def publish(folder: Path, worlds: int, seconds: float) -> list[Path]:
    """Move the staged files into place, one atomic rename each, then write done.json."""
    folder = Path(folder)
    staged = folder / ".staging"
    written = []
    for step, path in enumerate(sorted(p for p in staged.rglob("*") if p.is_file())):
        if MOVE_HOOK is not None:
            MOVE_HOOK(step)
        target = folder / path.relative_to(staged)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        written.append(target)
    shutil.rmtree(staged, ignore_errors=True)
    if MOVE_HOOK is not None:
        MOVE_HOOK(len(written))
    markers.mark_done(folder, worlds, seconds)
    return written
