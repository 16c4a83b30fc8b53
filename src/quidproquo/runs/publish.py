"""Staging and publishing a run folder: its outputs appear complete, or not at all.

Every output is first written to `folder/.staging/` (`staging`), and moved into place only when
all of it exists (`publish`): one atomic rename a file, then `done.json` last. A run killed at
any moment leaves a folder with `done.json` and a complete result, or without `done.json`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from quidproquo.runs import markers, storage

MOVE_HOOK = None  # called before each step of `publish` with the step's number: tests kill a run there


def staging(folder: Path, unmark: bool = True) -> Path:
    """A fresh, empty staging folder inside `folder`; the folder's result is unmarked (no
    done.json) from now until `publish` ends (with `unmark` false, until `replace` begins)."""
    folder = Path(folder)
    if unmark:
        markers.unmark(folder)
    staged = folder / ".staging"
    shutil.rmtree(staged, ignore_errors=True)  # what a killed run left half-staged
    staged.mkdir(parents=True)
    return staged


@contextlib.contextmanager
def remade(folder: Path, worlds: int, seconds):
    """Hold `folder` (runs/lock.py), stage what the block writes into the folder it is given, and
    put it in place of what `folder` held (`replace`) when the block ends without an error; the
    hold is released in any case. `seconds` is the run's time, or a function giving it then."""
    from quidproquo.runs.lock import hold, release

    hold(folder)
    try:
        staged = staging(folder, unmark=False)
        yield staged
        replace(folder, worlds, seconds() if callable(seconds) else seconds)
    finally:
        release(folder)


def move_in(paths: list[Path], staged: Path, folder: Path) -> list[Path]:
    """Move each staged file to its place in `folder`, one atomic rename each (MOVE_HOOK(k) before the k-th)."""
    written = []
    for step, path in enumerate(paths):
        if MOVE_HOOK is not None:
            MOVE_HOOK(step)
        target = folder / path.relative_to(staged)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        written.append(target)
    return written


def publish(folder: Path, worlds: int, seconds: float) -> list[Path]:
    """Move the staged files into place, one atomic rename each, then write done.json."""
    folder = Path(folder)
    staged = folder / ".staging"
    written = move_in(sorted(p for p in staged.rglob("*") if p.is_file()), staged, folder)
    shutil.rmtree(staged, ignore_errors=True)
    if MOVE_HOOK is not None:
        MOVE_HOOK(len(written))
    markers.mark_done(folder, worlds, seconds)
    return written


def replace(folder: Path, worlds: int, seconds: float) -> list[Path]:
    """Put what is staged in `folder/.staging/` in place of everything the folder held before
    (a re-made comparison or calibration replaces the old one whole), `done.json` files last.

    In order: the folder's own done.json goes, then every marker below it, then the old files;
    the new files move in, then the markers of the run folders inside (a side of a comparison),
    then done.json. A kill at any moment leaves the old result whole, or no done.json at the top
    and a done.json below only over a new, complete run folder.
    """
    folder = Path(folder)
    staged = folder / ".staging"
    markers.unmark(folder)
    keep = {".staging", ".lock"}
    for old in [p for p in folder.iterdir() if p.name not in keep]:
        for marker in old.rglob("*") if old.is_dir() else ():
            if marker.name in (markers.DONE, markers.FAILED):
                marker.unlink()
    for old in [p for p in folder.iterdir() if p.name not in keep]:
        shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
    files = sorted(p for p in staged.rglob("*") if p.is_file())
    # The staged markers are taken out first (kept in memory) and written again after every file
    # has moved: no done.json is left, even in .staging, over files that have moved away.
    inner = {p.relative_to(staged): p.read_bytes() for p in files if p.name == markers.DONE}
    for relative in inner:
        (staged / relative).unlink()
    written = move_in([p for p in files if p.name != markers.DONE], staged, folder)
    for step, (relative, body) in enumerate(inner.items(), start=len(written)):
        if MOVE_HOOK is not None:
            MOVE_HOOK(step)
        written.append(storage.atomic(folder / relative, lambda tmp, body=body: tmp.write_bytes(body)))
    shutil.rmtree(staged, ignore_errors=True)
    if MOVE_HOOK is not None:
        MOVE_HOOK(len(written))
    markers.mark_done(folder, worlds, seconds)
    return written
