"""What a run needs, checked before it starts: memory for its worlds and months.

A run keeps every month of every world in its record, then turns them into tables: measured on
`thaw` (80,000 against 20,000 worlds, 36 months, peak resident memory), that is about 455 bytes a
world-month over a base of about 210 MB. `check_memory` estimates a config's need with some
margin and refuses, in one line with the estimate and the largest run that fits, when the
machine (or the process's `ulimit -v`) cannot give it -- before any simulation, rather than
failing with a traceback after minutes.
"""

from __future__ import annotations

import resource
from pathlib import Path

from quidproquo.config import Config, ConfigError

BASE_BYTES = 250 * 2**20
BYTES_PER_WORLD_MONTH = 500


def needed(cfg: Config) -> int:
    """Bytes a run of this config needs, about."""
    return BASE_BYTES + cfg.engine.worlds * cfg.engine.rounds * BYTES_PER_WORLD_MONTH


def _status(field: str, path: str) -> int | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024  # kB
    except OSError:
        return None
    return None


def available() -> int | None:
    """Bytes this process can still have: the machine's available memory, and what `ulimit -v`
    leaves of the address space (None where neither can be read)."""
    limits = []
    free = _status("MemAvailable", "/proc/meminfo")
    if free is not None:
        limits.append(free)
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        used = _status("VmSize", "/proc/self/status") or 0
        limits.append(max(soft - used, 0))
    return min(limits) if limits else None


def check_memory(cfg: Config) -> None:
    """Refuse a run that cannot fit, with the estimate and the largest that would."""
    room = available()
    need = needed(cfg)
    if room is None or need <= room:
        return
    fits = max((room - BASE_BYTES) // (cfg.engine.rounds * BYTES_PER_WORLD_MONTH), 0)
    raise ConfigError(f"engine.worlds={cfg.engine.worlds}: {cfg.engine.worlds:,} worlds x {cfg.engine.rounds} months need about "
                      f"{need / 2**30:.1f} GB and {room / 2**30:.1f} GB are free; at most {fits:,} worlds fit "
                      f"(or run fewer at a time: a sweep over engine.seed)")
