"""What a run needs, checked before it starts: memory for its worlds and months, and a scenario
file small and plain enough to read.

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

import yaml

from quidproquo.config.checks import ConfigError
from quidproquo.config.schema import Config

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


MAX_SCENARIO_BYTES = 1_000_000  # a scenario is a page of YAML; this is a thousand pages


def check_scenario_file(overrides: tuple[str, ...], conf: Path) -> None:
    """Refuse, before Hydra reads it, a scenario file that is too large or uses YAML aliases
    (anchors and aliases can expand without bound: the "billion laughs"; a scenario needs none)."""
    chosen = [o.split("=", 1)[1] for o in overrides if o.startswith("scenario=")]
    roots = [conf]
    for o in overrides:
        if o.startswith("hydra.searchpath="):
            roots += [Path(p.strip().strip("'\"").removeprefix("file://")) for p in o.split("=", 1)[1].strip("[]").split(",")]
    for root in roots:
        path = root / "scenario" / f"{chosen[-1] if chosen else 'thaw'}.yaml"
        if not path.is_file():
            continue
        if path.stat().st_size > MAX_SCENARIO_BYTES:
            raise ConfigError(f"{path}: {path.stat().st_size:,} bytes; a scenario may have at most {MAX_SCENARIO_BYTES:,}")
        try:
            for event in yaml.parse(path.read_text()):
                if isinstance(event, yaml.AliasEvent):
                    mark = event.start_mark
                    raise ConfigError(f"{path}: line {mark.line + 1}: YAML aliases are not allowed in a scenario "
                                      f"(they can expand without bound); write the values out")
        except yaml.YAMLError:
            pass  # Hydra reads it next and reports the syntax error with its place
