"""Which code a config may name: `_target_` functions come from quidproquo, or from modules the
user chose to trust.

A config is data, and it can come from someone else's folder (`qpq rerun`, a shared scenario).
Naming `builtins.eval` or `subprocess.call` there, or any module whose import runs code, must
not run anything. So the module of every `_target_` is checked *before* it is imported: it must
be `quidproquo` or below it, or a module (or package prefix) the user trusts -- by
`--trust MODULE` on the command line or in the `QPQ_TRUST` environment variable
(comma-separated), which reaches the worker processes of a sweep too.

Some modules are never trusted, whatever the user says: those whose functions run code, start
processes or touch files by design (`builtins.eval`, `os.system`, `subprocess.call`,
`shutil.rmtree`, `pickle.loads`...). Hydra 1.3's `instantiate` has no such list of its own
(it imports whatever `_target_` names), so this is the blocklist a config meets.
"""

from __future__ import annotations

import os

from quidproquo.config import ConfigError

ALWAYS = ("quidproquo",)
VARIABLE = "QPQ_TRUST"
NEVER = ("builtins", "os", "posix", "nt", "subprocess", "sys", "shutil", "importlib", "pickle", "marshal", "shelve",
         "ctypes", "socket", "pty", "runpy", "code", "codeop", "multiprocessing", "pathlib", "io", "tempfile", "webbrowser")


def _under(module: str, prefixes) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def refuse_untrustable(module: str, where: str) -> None:
    """A module name the user may trust: dotted identifiers, not one of `NEVER`."""
    if not module or not all(part.isidentifier() for part in module.split(".")):
        raise ConfigError(f"{where}={module!r}: not a module name; allowed: dotted Python names such as mymodels.utility")
    if _under(module, NEVER):
        raise ConfigError(f"{where}={module!r}: {module.split('.')[0]} can never be trusted (its functions run code, "
                          f"processes or files); allowed: your own modules")


def trusted() -> tuple[str, ...]:
    """The module prefixes trusted now: quidproquo, and those in $QPQ_TRUST."""
    named = [m.strip() for m in os.environ.get(VARIABLE, "").split(",") if m.strip()]
    return (*ALWAYS, *named)


def trust(modules: list[str]) -> None:
    """Trust more modules for the rest of this process and the processes it starts."""
    for module in modules:
        refuse_untrustable(module, "--trust")
    os.environ[VARIABLE] = ",".join(dict.fromkeys([*trusted()[len(ALWAYS):], *modules]))


def check_target(target: str, key: str) -> None:
    """Refuse a `_target_` whose module is not trusted, before anything is imported."""
    module = target.rsplit(".", 1)[0] if "." in target else target
    if _under(module, NEVER):  # even if QPQ_TRUST names it
        raise ConfigError(f"{key}._target_={target!r}: {module.split('.')[0]} can never be trusted (its functions run "
                          f"code, processes or files); allowed: quidproquo.* and your own modules")
    if _under(module, trusted()):
        return
    raise ConfigError(f"{key}._target_={target!r}: {module} is not a trusted module; allowed: quidproquo.* and "
                      f"modules you trust with --trust {module} or {VARIABLE}={module}")
