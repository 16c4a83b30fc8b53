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
from quidproquo.config.schema import DEFAULT_SCENARIO, Config

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
    raise ConfigError(
        f"engine.worlds={cfg.engine.worlds}: {cfg.engine.worlds:,} worlds x {cfg.engine.rounds} months need about "
        f"{need / 2**30:.1f} GB and {room / 2**30:.1f} GB are free; at most {fits:,} worlds fit "
        f"(or run fewer at a time: a sweep over engine.seed)"
    )


MAX_SCENARIO_BYTES = 1_000_000  # a scenario is a page of YAML; this is a thousand pages


MAX_NESTING = 64  # a scenario nests a few levels; YAML parsers recurse on each


def check_search_path(overrides: tuple[str, ...]) -> list[Path]:
    """The folders a `hydra.searchpath=[...]` names, each checked: a `file://` folder must exist and
    a `pkg://` package must be installed (Hydra only warns and goes on without it)."""
    import importlib.util

    roots = []
    for o in overrides:
        if not o.startswith("hydra.searchpath="):
            continue
        for entry in (p.strip().strip("'\"") for p in o.split("=", 1)[1].strip().strip("[]").split(",")):
            if not entry:
                continue
            if entry.startswith("pkg://"):
                package = entry.removeprefix("pkg://").replace("/", ".").strip(".")
                try:
                    found = bool(package) and importlib.util.find_spec(package.split(".")[0]) is not None
                except (ImportError, ValueError):
                    found = False
                if not found:
                    raise ConfigError(
                        f"hydra.searchpath: {entry}: no installed package {package.split('.')[0] or '?'}; "
                        f"allowed: file://DIR of an existing folder or pkg://PACKAGE of an installed one"
                    )
                continue
            path = Path(entry.removeprefix("file://"))
            if not path.is_dir():
                raise ConfigError(
                    f"hydra.searchpath: {entry}: {'is a file, not a folder' if path.exists() else 'no such folder'}; "
                    f"allowed: file://DIR of an existing folder or pkg://PACKAGE of an installed one"
                )
            roots.append(path)
    return roots


CHOSEN_GROUPS = ("scenario", "case", "policy", "behaviour")  # the groups whose files a user may add or name


def check_scenario_file(overrides: tuple[str, ...], conf: Path) -> None:
    """Refuse, before Hydra reads it, a scenario (or case, policy, behaviour) named by a path (only
    files on the search path may be chosen), or such a file that is too large, not UTF-8, nested
    too deep, or uses YAML aliases (anchors and aliases can expand without bound: the "billion
    laughs"; a scenario needs none)."""
    roots = [conf, *check_search_path(overrides)]
    for group in CHOSEN_GROUPS:
        chosen = [o.split("=", 1)[1] for o in overrides if o.startswith(f"{group}=")]
        if chosen or group == "scenario":
            _check_choice(group, chosen[-1] if chosen else DEFAULT_SCENARIO, roots, conf)


def _check_choice(group: str, name: str, roots: list[Path], conf: Path) -> None:
    if name.startswith(("/", "~")) or ".." in Path(name).parts or "\\" in name:
        names = sorted(p.relative_to(conf / group).with_suffix("").as_posix() for p in (conf / group).rglob("*.yaml"))
        raise ConfigError(
            f"{group}={name}: names a file by its path; allowed: a {group} on the search path "
            f"({', '.join(names)}, or one in a folder added with hydra.searchpath=[file://DIR])"
        )
    for root in roots:
        path = root / group / f"{name}.yaml"
        if not path.is_file():
            continue
        if path.stat().st_size > MAX_SCENARIO_BYTES:
            raise ConfigError(
                f"{path}: {path.stat().st_size:,} bytes; a scenario may have at most {MAX_SCENARIO_BYTES:,}"
            )
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as err:
            raise ConfigError(
                f"{path}: not UTF-8 text (byte {err.start}: {err.object[err.start : err.start + 1]!r}); "
                f"a scenario file must be saved as UTF-8"
            ) from None
        depth = 0
        try:
            for event in yaml.parse(text):
                if isinstance(event, yaml.AliasEvent):
                    mark = event.start_mark
                    raise ConfigError(
                        f"{path}: line {mark.line + 1}: YAML aliases are not allowed in a scenario "
                        f"(they can expand without bound); write the values out"
                    )
                if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                    depth += 1
                    if depth > MAX_NESTING:
                        mark = event.start_mark
                        raise ConfigError(
                            f"{path}: line {mark.line + 1}: nested deeper than {MAX_NESTING} levels; "
                            f"a scenario may nest at most {MAX_NESTING}"
                        )
                elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                    depth -= 1
        except RecursionError:
            raise ConfigError(
                f"{path}: nested deeper than {MAX_NESTING} levels; a scenario may nest at most {MAX_NESTING}"
            ) from None
        except yaml.YAMLError:
            pass  # Hydra reads it next and reports the syntax error with its place


def refuse_empty_mapping(cfg, key: str) -> None:
    """`key={}` where the config has entries: merged, it would leave every one as it is without a word."""
    from omegaconf import DictConfig, OmegaConf

    node = OmegaConf.select(cfg, key, default=None)
    if isinstance(node, DictConfig):
        names = ", ".join(str(k) for k in node)
        raise ConfigError(
            f"{key}={{}}: an empty mapping is not allowed here: it must keep its entries ({names}); "
            f"change one with {key}.NAME=VALUE or {key}.NAME.KEY=VALUE"
        )


def check_interpolation(key: str, text: str) -> None:
    """A `${...}` value resolves here, or is one line naming the key (OmegaConf's own names none)."""
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    try:
        OmegaConf.to_container(OmegaConf.create({"value": text}), resolve=True)
    except (OmegaConfBaseException, ValueError, KeyError) as err:
        reason = " ".join(str(err).splitlines()[0].split()) if str(err).strip() else type(err).__name__
        raise ConfigError(
            f"{key}={text!r}: the interpolation does not resolve ({reason}); allowed: a plain value, "
            f"or ${{oc.env:NAME}} of a set variable"
        ) from None
