"""The configuration: its schema (`schema.py`, the one home of every default), the checks its
types cannot express (`checks.py`), composition with Hydra (`compose.py`) and what
the command line's overrides are (`overrides.py`)."""

from quidproquo.config.checks import ConfigError, has_key, month, set_key, validate, value_of, with_changes
from quidproquo.config.compose import (
    complete,
    conf_dir,
    explain,
    from_dictconfig,
    load,
    load_many,
    register,
    scenario_names,
)
from quidproquo.config.overrides import is_value_override, keep_overrides, own
from quidproquo.config.schema import ACTORS, SENDERS, Config

__all__ = [
    "ACTORS",
    "SENDERS",
    "Config",
    "ConfigError",
    "complete",
    "conf_dir",
    "explain",
    "from_dictconfig",
    "has_key",
    "is_value_override",
    "keep_overrides",
    "load",
    "load_many",
    "month",
    "own",
    "register",
    "scenario_names",
    "set_key",
    "validate",
    "value_of",
    "with_changes",
]
