"""The `hydra` node is config too: what a user and a scenario file may set under it.

A Hydra callback or a logging handler is a `_target_` by another name, a launcher's `_target_`
is code, and a log file's name is a write anywhere on disk. `check_hydra` keeps the node that the
command line and every file reach compose to within what quidproquo ships: our launcher presets
and their options, Hydra's basic sweeper, no callbacks, and logging only into the run folder.
"""

from __future__ import annotations

import functools
from typing import Any

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from quidproquo.config import compose
from quidproquo.config.checks import ConfigError

# What a user may set under `hydra`: where runs and sweeps go, the search path for their own
# scenarios, a launcher preset (conf/hydra/launcher) and its options, and Hydra's own logging presets.
HYDRA_KEYS = (
    "hydra.run.dir",
    "hydra.sweep.dir",
    "hydra.sweep.subdir",
    "hydra.searchpath",
    "hydra.job.chdir",
    "hydra.verbose",
    "hydra.launcher.",
)
HYDRA_GROUPS = {
    "hydra/launcher": ("basic", "joblib", "ray", "submitit_local", "submitit_slurm"),
    "hydra/hydra_logging": ("default", "disabled", "none"),
    "hydra/job_logging": ("default", "disabled", "none", "stdout"),
}
LAUNCHERS = (
    "hydra._internal.core_plugins.basic_launcher.BasicLauncher",
    "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher",
    "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher",
    "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher",
    "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher",
)
SWEEPERS = ("hydra._internal.core_plugins.basic_sweeper.BasicSweeper",)


def check_hydra_overrides(overrides: list[str]) -> None:
    """Refuse a `hydra...` override beyond what a user needs: callbacks, logging handlers, a
    launcher's or sweeper's `_target_` are code (and a log file a write anywhere)."""
    allowed = (
        f"allowed: {', '.join(k.rstrip('.') + ('<option>' if k.endswith('.') else '') for k in HYDRA_KEYS)}, "
        + ", ".join(f"{g}={'|'.join(v)}" for g, v in HYDRA_GROUPS.items())
    )
    for override in overrides:
        key, _, value = override.partition("=")
        bare = key.lstrip("+~").removeprefix("override ").strip()
        if not bare.startswith(("hydra.", "hydra/")) and bare != "hydra":
            continue
        if bare in HYDRA_GROUPS:
            if value.strip() not in HYDRA_GROUPS[bare]:
                raise ConfigError(f"{bare}={value}: no such preset; allowed: {', '.join(HYDRA_GROUPS[bare])}")
            continue
        plain = bare in HYDRA_KEYS or any(k.endswith(".") and bare.startswith(k) for k in HYDRA_KEYS)
        # A launcher takes options of its own a user may add (`+hydra.launcher.ray.init.X=...`, Ray's
        # init keywords); anywhere else adding or deleting a hydra key is refused.
        added = key.startswith(("+", "~")) and not bare.startswith("hydra.launcher.")
        if not plain or "_target_" in bare or "_target_" in value or added:
            raise ConfigError(
                f"{bare}: not a hydra setting qpq lets a config change (callbacks, logging handlers and "
                f"_target_ nodes are code); {allowed}"
            )
        from hydra.core.override_parser.overrides_parser import OverridesParser

        try:  # Hydra's grammar, here, so its error names the key (its own message names none)
            OverridesParser.create().parse_overrides([override])
        except Exception as err:
            reason = " ".join(str(err).split("See https://")[0].split()) or type(err).__name__
            raise ConfigError(f"{bare}={value!r}: cannot be parsed ({reason})") from None
        if "${" in value:
            raise ConfigError(f"{bare}={value!r}: an interpolation is not resolved here; give the value itself")


def check_hydra_node(hydra: Any) -> None:
    """The composed `hydra` node (from the command line and every file) within what quidproquo
    ships: a launcher and sweeper of ours, no callbacks, logging only to the run folder."""

    def get(path: str):
        return OmegaConf.select(hydra, path, default=None, throw_on_missing=False)

    launcher, sweeper = get("launcher._target_"), get("sweeper._target_")
    if launcher is not None and launcher not in LAUNCHERS:
        raise ConfigError(
            f"hydra.launcher._target_={launcher!r}: not a launcher qpq ships; allowed: hydra/launcher="
            f"{'|'.join(HYDRA_GROUPS['hydra/launcher'])}"
        )
    if sweeper is not None and sweeper not in SWEEPERS:
        raise ConfigError(f"hydra.sweeper._target_={sweeper!r}: not Hydra's basic sweeper; qpq sweep runs that one")
    callbacks = get("callbacks")
    if isinstance(callbacks, DictConfig) and len(callbacks):
        raise ConfigError(f"hydra.callbacks.{next(iter(callbacks))}: callbacks are code; qpq runs none")
    for section in ("job_logging", "hydra_logging"):
        node = get(section)
        if not isinstance(node, DictConfig):
            continue
        handlers = OmegaConf.select(node, "handlers", default=None)
        for name, handler in handlers.items() if isinstance(handlers, DictConfig) else ():
            if not isinstance(handler, DictConfig):
                continue
            if "()" in handler or handler.get("class") not in ("logging.StreamHandler", "logging.FileHandler"):
                raise ConfigError(
                    f"hydra.{section}.handlers.{name}: only logging.StreamHandler and logging.FileHandler "
                    f"handlers; allowed: hydra/{section}={'|'.join(HYDRA_GROUPS['hydra/' + section])}"
                )
            filename = OmegaConf.to_container(handler, resolve=False).get("filename")
            if filename is not None and not str(filename).startswith("${hydra.runtime.output_dir}/"):
                raise ConfigError(
                    f"hydra.{section}.handlers.{name}.filename={filename!r}: a log file goes in the run "
                    f"folder; allowed: hydra/{section}={'|'.join(HYDRA_GROUPS['hydra/' + section])}"
                )


# Hydra settings that only name a folder: they change no launcher, sweeper, callback or log
# handler, so the node the files compose to is checked without them (check_hydra).
FOLDERS = ("hydra.run.dir", "hydra.sweep.dir", "hydra.sweep.subdir")


def _names_a_folder(override: str) -> bool:
    if override.partition("=")[0] not in FOLDERS:
        return False
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides([override])[0].value()  # parsed already: check_hydra_overrides
    return isinstance(parsed, str | int | float)  # not a list, a mapping, null or a sweep of values


@functools.lru_cache(maxsize=64)
def check_hydra(overrides: tuple[str, ...]) -> None:
    """The `hydra` node these overrides and every file they reach compose to, within what qpq
    ships (check_hydra_node): a scenario file may not bring callbacks or log handlers. Where the
    command line's hydra settings only name folders, the node is the one our own composition
    made (a composition is ~0.2-0.3 s); otherwise the whole config is composed with them."""
    check_hydra_overrides(list(overrides))
    # In the order given: the same choice as the command's own composition (config/job_loader.py).
    ours = tuple(o for o in overrides if not o.startswith(("hydra.", "hydra/")) or o.startswith("hydra.searchpath="))
    compose._compose_dict(ours)  # our own errors first, in one line
    if all(_names_a_folder(o) for o in overrides if o not in ours):
        check_hydra_node(compose.hydra_node(ours))
        return
    compose.register()
    try:
        if GlobalHydra.instance().is_initialized():
            full = hydra_compose(config_name="config", overrides=list(overrides), return_hydra_config=True)
        else:
            with initialize_config_dir(config_dir=str(compose.conf_dir()), version_base="1.3"):
                full = hydra_compose(config_name="config", overrides=list(overrides), return_hydra_config=True)
    except (HydraException, OmegaConfBaseException, ValueError) as err:
        raise ConfigError(compose.explain(err)) from None
    check_hydra_node(full.hydra)
