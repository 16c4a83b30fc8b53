"""Which code a config may name: `_target_` functions come from quidproquo, or from modules the
user chose to trust.

A config is data, and it can come from someone else's folder (`qpq rerun`, a shared scenario).
Naming `builtins.eval` or `subprocess.call` there, or any module whose import runs code, must
not run anything. So the module of every `_target_` is checked *before* it is imported: it must
be `quidproquo` or below it, or a module (or package prefix) the user trusts -- by
`--trust MODULE` on the command line or in the `QPQ_TRUST` environment variable
(comma-separated), which reaches the worker processes of a sweep too.
"""

from __future__ import annotations

import os

from quidproquo.config import ConfigError

ALWAYS = ("quidproquo",)
VARIABLE = "QPQ_TRUST"


def trusted() -> tuple[str, ...]:
    """The module prefixes trusted now: quidproquo, and those in $QPQ_TRUST."""
    named = [m.strip() for m in os.environ.get(VARIABLE, "").split(",") if m.strip()]
    return (*ALWAYS, *named)


def trust(modules: list[str]) -> None:
    """Trust more modules for the rest of this process and the processes it starts."""
    os.environ[VARIABLE] = ",".join(dict.fromkeys([*trusted()[len(ALWAYS):], *modules]))


def check_target(target: str, key: str) -> None:
    """Refuse a `_target_` whose module is not trusted, before anything is imported."""
    module = target.rsplit(".", 1)[0] if "." in target else target
    if any(module == prefix or module.startswith(prefix + ".") for prefix in trusted()):
        return
    raise ConfigError(f"{key}._target_={target!r}: {module} is not a trusted module; allowed: quidproquo.* and "
                      f"modules you trust with --trust {module} or {VARIABLE}={module}")
