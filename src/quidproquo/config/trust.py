"""Which code a config may name: a `_target_` is trusted by the object it resolves to, not by its name.

A config is data, and it can come from someone else's folder (`qpq rerun`, a shared scenario).
Naming `builtins.eval` there, or a path such as `quidproquo.runs.provenance.subprocess.Popen` that
merely *reaches* a dangerous function through a trusted module's imports, must run nothing.
So a `_target_` is resolved by these rules, before anything it names is called:

1. Its dotted path must start with a trusted module: `quidproquo.utility` or
   `quidproquo.strategies` (the two modules whose functions scenarios name; the rest of
   quidproquo writes files and folders by design, so it is not config material), or a module the
   user trusts -- `--trust MODULE` on the command line or `QPQ_TRUST` (comma-separated), which
   reaches a sweep's worker processes too. Nothing outside a trusted module is imported, so a
   module whose import runs code is never touched.
2. The module is the longest trusted prefix that is a module; the rest of the path is read with
   `inspect.getattr_static` (no property, descriptor or `__getattr__` runs) through classes
   only -- never through a module -- and no part may start with `_` (dunders such as
   `__globals__` lead anywhere).
3. The object found must be *defined* in that module: a function or class whose `__module__`
   is the module and whose `__qualname__` is the rest of the path. A name the module imported
   from elsewhere (`from subprocess import Popen`) fails this, whatever path reaches it.
4. Nested nodes (any mapping with a `_target_` among the node's arguments, `_args_` included)
   pass the same check, recursively.
5. As a second line, Hydra 1.3.8's own target policy (`hydra.utils.instantiate` with
   `_partial_=True`, which builds a partial and calls nothing) must accept the target too.

Some modules are never trusted, whatever the user says: those whose functions run code, start
processes or touch files by design (`builtins`, `os`, `subprocess`, `shutil`, `pickle`, ...).
Why our own rule and not Hydra's policy alone: Hydra's is a blocklist of known-dangerous names
("best-effort defense in depth", its source says), while a config here needs a handful of
functions; an allowlist by defining module is the smaller promise, and it is checked before any
untrusted import.

The `hydra` node is config too: `hydra_node.py` keeps its launchers, sweepers, callbacks and
logging to what quidproquo ships.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import os
from collections.abc import Callable, Mapping
from typing import Any

from quidproquo.config.checks import ConfigError

ALWAYS = ("quidproquo.utility", "quidproquo.strategies")
VARIABLE = "QPQ_TRUST"
NEVER = (
    "builtins",
    "os",
    "posix",
    "nt",
    "subprocess",
    "sys",
    "shutil",
    "importlib",
    "pickle",
    "marshal",
    "shelve",
    "ctypes",
    "socket",
    "pty",
    "runpy",
    "code",
    "codeop",
    "multiprocessing",
    "pathlib",
    "io",
    "tempfile",
    "webbrowser",
    "hydra",
    "omegaconf",
    "operator",
    "functools",
    "inspect",
    "types",
)
# Of quidproquo itself only ALWAYS may be named: the rest writes files and folders by design.
OWN = "quidproquo"


def _under(module: str, prefixes) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def _is_dotted(name: str) -> bool:
    return bool(name) and all(part.isidentifier() for part in name.split("."))


def refuse_reserved(name: str, where: str, allowed: str) -> None:
    """Neither a module of `NEVER` nor of quidproquo beyond `ALWAYS`, whatever the user trusts."""
    if _under(name, NEVER) and not _under(name, ALWAYS):
        raise ConfigError(
            f"{where}: {name.split('.')[0]} can never be trusted (its functions run code, processes or "
            f"files); allowed: {allowed}"
        )
    if _under(name, [OWN]) and not _under(name, ALWAYS):
        raise ConfigError(
            f"{where}: of quidproquo only {' and '.join(ALWAYS)} may be named in a config (the rest "
            f"writes files by design); allowed: {allowed}"
        )


def refuse_untrustable(module: str, where: str) -> None:
    """A module name the user may trust: dotted identifiers, not one of `NEVER`."""
    if not _is_dotted(module):
        raise ConfigError(
            f"{where}={module!r}: not a module name; allowed: dotted Python names such as mymodels.utility"
        )
    refuse_reserved(module, f"{where}={module!r}", "your own modules")


def trusted() -> tuple[str, ...]:
    """The module prefixes trusted now: quidproquo's utility and strategies, and those in $QPQ_TRUST."""
    named = [m.strip() for m in os.environ.get(VARIABLE, "").split(",") if m.strip()]
    return (*ALWAYS, *(m for m in named if _is_dotted(m) and not _under(m, [*NEVER, OWN])))


def trust(modules: list[str]) -> None:
    """Trust more modules for the rest of this process and the processes it starts."""
    for module in modules:
        refuse_untrustable(module, "--trust")
    os.environ[VARIABLE] = ",".join(dict.fromkeys([*trusted()[len(ALWAYS) :], *modules]))


def _allowed(key: str, target: str) -> str:
    return f"{key}._target_={target!r}"


def _module_of(parts: list[str], prefix: str, where: str) -> int:
    """How many leading `parts` name the module: the longest trusted prefix that is a module.
    Finding a submodule imports its parent package, which is trusted."""
    depth = len(prefix.split("."))
    found = None
    for end in range(depth, len(parts) + 1):
        name = ".".join(parts[:end])
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError, AttributeError):
            spec = None
        if spec is None:
            if end == depth:
                raise ConfigError(f"{where}: cannot be imported (no module {name})")
            break
        found = end
    return found


@functools.lru_cache(maxsize=256)
def _resolve(target: str, trusted_now: tuple[str, ...], key: str) -> Callable:
    where = _allowed(key, target)
    if not _is_dotted(target):
        raise ConfigError(f"{where}: not a dotted name; allowed: a function such as quidproquo.utility.linear")
    parts = target.split(".")
    if any(part.startswith("_") for part in parts):
        raise ConfigError(
            f"{where}: a part of the path starts with '_'; allowed: public functions such as quidproquo.utility.linear"
        )
    refuse_reserved(target, where, "quidproquo.utility.*, quidproquo.strategies.* and your own modules")
    prefixes = sorted((p for p in trusted_now if _under(target, [p]) and target != p), key=len, reverse=True)
    if not prefixes:
        module = ".".join(parts[:-1]) or target
        raise ConfigError(
            f"{where}: {module} is not a trusted module; allowed: quidproquo.utility.*, "
            f"quidproquo.strategies.* and modules you trust with --trust {module} or {VARIABLE}={module}"
        )
    depth = _module_of(parts, prefixes[0], where)
    module_name, rest = ".".join(parts[:depth]), parts[depth:]
    if not rest:
        raise ConfigError(f"{where}: names a module, not a function in it")
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as err:  # the user's trusted module failed on import: say so in one line
        raise ConfigError(f"{where}: cannot be imported ({' '.join(str(err).split()) or type(err).__name__})") from None
    for i, part in enumerate(rest):
        if i and not isinstance(obj, type):
            raise ConfigError(
                f"{where}: {'.'.join(parts[: depth + i])} is not a class; a path reaches a function "
                f"through classes only"
            )
        try:
            obj = inspect.getattr_static(obj, part)
        except AttributeError:
            raise ConfigError(f"{where}: cannot be imported ({'.'.join(parts[: depth + i])} has no {part!r})") from None
        if isinstance(obj, staticmethod):
            obj = obj.__func__
    qualname = ".".join(rest)
    routine = inspect.isfunction(obj) or inspect.isbuiltin(obj) or inspect.isclass(obj)
    defined_here = (
        routine and getattr(obj, "__module__", None) == module_name and getattr(obj, "__qualname__", None) == qualname
    )
    if not defined_here:
        home = getattr(obj, "__module__", None) if routine else None
        reason = (
            f"it is defined in {home}, not in {module_name}"
            if home and home != module_name
            else f"it is not a function or class defined in {module_name}"
        )
        raise ConfigError(
            f"{where}: {reason}; a target must be defined in a trusted module, not merely reachable from one"
        )
    _hydra_accepts(target, where)
    return obj


def _hydra_accepts(target: str, where: str) -> None:
    """The second line: Hydra's own target policy. `_partial_` builds a partial and calls nothing."""
    import logging

    from hydra.utils import instantiate

    log = logging.getLogger("hydra.utils")
    quiet, log.disabled = log.disabled, True
    try:
        instantiate({"_target_": target}, _partial_=True, _recursive_=False)
    except Exception as err:
        raise ConfigError(f"{where}: refused by Hydra's target policy ({' '.join(str(err).split())[:160]})") from None
    finally:
        log.disabled = quiet


def resolve(target: str, key: str) -> Callable:
    """The function a `_target_` names, if trusted by the rules above; a one-line error naming
    `key` otherwise. Nothing outside a trusted module is imported, nothing is called."""
    return _resolve(str(target), trusted(), key)


def check_target(target: str, key: str) -> None:
    """Refuse a `_target_` that does not resolve to a trusted function (see `resolve`)."""
    resolve(target, key)


def check_arguments(params: Any, key: str) -> None:
    """Nested `_target_` nodes among a node's arguments (and in `_args_`) must be trusted too."""
    if isinstance(params, Mapping):
        if "_target_" in params:
            check_target(str(params["_target_"]), key)
        for name, value in params.items():
            if name != "_target_":
                check_arguments(value, f"{key}.{name}")
    elif isinstance(params, (list, tuple)):
        for i, value in enumerate(params):
            check_arguments(value, f"{key}[{i}]")
