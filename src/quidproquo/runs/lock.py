"""A run folder belongs to one run at a time: an exclusive lock taken before anything is written.

`hold(folder)` takes `folder/.lock` with `flock` (released by the system when the process ends,
however it ends: no stale locks) and writes who holds it; a second run into the same folder
finds it held and stops with one line naming the holder, before it writes anything. Folders the
`qpq` command names itself carry a random suffix, so two runs started in the same second never
meet in the first place, and the time they were asked for (`stamp`, or the `day` for the
commands that take minutes).
"""

from __future__ import annotations

import fcntl
import os
import secrets
import socket
from datetime import datetime
from pathlib import Path

from quidproquo.config import ConfigError

_HELD: dict[Path, int] = {}  # folders this process holds -> the lock file's descriptor


class FolderHeld(ConfigError):
    """Another run holds the folder."""


def hold(folder: Path) -> None:
    """Take the folder for this process (a no-op if it already holds it), or raise FolderHeld."""
    folder = Path(folder).resolve()
    if folder in _HELD:
        return
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder}: is a file, not a folder; give a folder to write the run into")
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(descriptor, 200, 0).decode(errors="replace").strip() or "another run"
        os.close(descriptor)
        raise FolderHeld(f"{folder}: held by {holder}; wait for it to finish or choose another folder") from None
    os.ftruncate(descriptor, 0)
    os.pwrite(
        descriptor,
        f"pid {os.getpid()} on {socket.gethostname()}, since {datetime.now():%Y-%m-%d %H:%M:%S}\n".encode(),
        0,
    )
    _HELD[folder] = descriptor


def release(folder: Path) -> None:
    """Let the folder go (the end of the process does it too)."""
    descriptor = _HELD.pop(Path(folder).resolve(), None)
    if descriptor is not None:
        os.close(descriptor)


# A default folder's time, as conf/config.yaml writes Hydra's own (hydra.run.dir, hydra.sweep.dir).
STAMP = "%Y-%m-%d_%H-%M-%S"
DAY = "%Y-%m-%d"


def stamp() -> str:
    """Now, as a default run's or comparison's folder is named (STAMP)."""
    return datetime.now().strftime(STAMP)


def day() -> str:
    """Today, as a default calibration's, forecast's or sweep's folder begins (DAY)."""
    return datetime.now().strftime(DAY)


def fresh_name(stem: Path) -> Path:
    """`stem` with a short random suffix: a default folder no other run can be given."""
    return stem.with_name(f"{stem.name}_{secrets.token_hex(3)}")
