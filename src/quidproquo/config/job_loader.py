"""A job's Hydra config, its files composed once a process for each choice of them.

Hydra composes a job's config from scratch for every job (`ConfigLoaderImpl.load_configuration`:
~0.15 s for this tree, about half of a small `qpq run` and of each job of `qpq sweep --jobs`),
though most of that work -- the defaults list, every file it reaches, merged -- depends only on
the overrides that choose files (`scenario=thaw`, `case=...`, `hydra/launcher=joblib`,
`hydra.searchpath=...`), while a job mostly differs in plain values (`engine.seed=5`,
`hydra.run.dir=...`). Hydra composes the files and applies the values in two separate steps;
`JobConfigLoader` keeps the first step's result for each choice of files (and each state of the
files on disk) and does the second with Hydra's own code: the values parsed by Hydra's override
grammar and applied by `ConfigLoaderImpl._apply_overrides_to_config`, then the fields Hydra
fills in after them (the override lists, the working folder, `override_dirname`). The result is
the config Hydra composes itself, key for key and flag for flag
(tests/config/test_job_loader.py checks every kind of override against Hydra's own).

A command's check before its run composes through the same loader (`job_hydra`, used by
config/compose.py and cli.launch), so a `qpq run` composes its files once for both.

Whatever this does not know to be a plain value -- a sweep, `+`/`~`, a package (`@`), a dict, a
key of the `hydra` node other than where runs go and the mode, a value under a key that a
file-choosing override also sets -- is composed by Hydra from scratch, as before. Subclassing is
the one way to change how Hydra composes a job (hydra-core is pinned below 1.4, where
`ConfigLoaderImpl` is this). A composition is kept as `kept` keeps one (pickled, where it pickles):
a job's copy is `fresh` of it, faster than `copy.deepcopy`.
"""

from __future__ import annotations

import copy
import os
import pickle
import re
from collections import OrderedDict

from hydra import version
from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname
from hydra._internal.hydra import Hydra
from hydra._internal.utils import create_config_search_path
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType
from hydra.core.utils import JobRuntime
from hydra.types import RunMode
from omegaconf import DictConfig, open_dict

from quidproquo.config.scenarios import conf_dir

# Keys of the hydra node a job's value may set here: where it runs and its mode. Hydra reads
# none of them while it fills in the fields that follow the overrides.
_HYDRA_VALUES = ("hydra.run.dir", "hydra.sweep.dir", "hydra.sweep.subdir", "hydra.mode")
_DOTTED = re.compile(r"[A-Za-z_]\w*(\.\w+)+")
_KEPT = 16  # compositions kept a process (one per choice of files; a sweep's jobs share one)
_COMPOSED: OrderedDict[tuple, bytes | DictConfig] = OrderedDict()  # each composition, as `kept` keeps it


# The name of every qpq job (`hydra.job.name`; its log is `cli.log`): what `@hydra.main` would
# name a task of cli.py.
TASK_NAME = "cli"


def job_hydra() -> Hydra:
    """A Hydra for qpq's configs: our config folder, `TASK_NAME`, and the loader below. `qpq run`
    and `qpq sweep` launch their jobs through one; a command's check composes through one
    (config/compose.py), so a run composes its files once."""
    version.setbase("1.3")
    search_path = create_config_search_path(str(conf_dir()))
    return Hydra(task_name=TASK_NAME, config_loader=JobConfigLoader(config_search_path=search_path))


def kept(node: DictConfig) -> bytes | DictConfig:
    """A DictConfig to make copies of with `fresh`: pickled, where it pickles. Unpickling is ~8x
    faster than `copy.deepcopy` of a DictConfig, and gives the same nodes, flags and parents; a
    node typed by a class pickle cannot find again by its name (Hydra loads its launchers'
    config classes as plugins) is kept as it is, and deep-copied."""
    try:
        return pickle.dumps(node)
    except (pickle.PicklingError, TypeError, AttributeError):
        return node


def fresh(node: bytes | DictConfig) -> DictConfig:
    """A copy of a node `kept` keeps, of its own."""
    return pickle.loads(node) if isinstance(node, bytes) else copy.deepcopy(node)


class JobConfigLoader(ConfigLoaderImpl):
    """Hydra's config loader, composing the files of a choice once (see the module)."""

    def load_configuration(
        self,
        config_name: str | None,
        overrides: list[str],
        run_mode: RunMode,
        from_shell: bool = True,
        validate_sweep_overrides: bool = True,
    ) -> DictConfig:
        compose = super().load_configuration
        split = _split(overrides) if run_mode == RunMode.RUN else None
        if split is None:
            return compose(config_name, overrides, run_mode, from_shell, validate_sweep_overrides)
        choosing, values, parsed = split
        # Not `from_shell`: it only words Hydra's error for a sweep's value in a run, and a
        # sweep is never kept; so the check before a run and the run itself share a composition.
        key = (
            config_name,
            tuple(choosing),
            validate_sweep_overrides,
            JobRuntime().get("name"),
            str(version.getbase()),
            tuple((p.provider, p.path) for p in self.config_search_path.get_path()),
            _files(self.config_search_path.get_path(), parsed),
        )
        if key in _COMPOSED:
            _COMPOSED.move_to_end(key)
        else:
            _COMPOSED[key] = kept(compose(config_name, choosing, run_mode, from_shell, validate_sweep_overrides))
            while len(_COMPOSED) > _KEPT:
                _COMPOSED.popitem(last=False)
        try:
            return _with_values(fresh(_COMPOSED[key]), values, parsed)
        except Exception:  # Hydra's own composition says what is wrong, in its own words
            return compose(config_name, overrides, run_mode, from_shell, validate_sweep_overrides)


def _split(overrides: list[str]) -> tuple[list[str], list[Override], list[Override]] | None:
    """The overrides that choose files (as given), the plain values among them (parsed), and all
    of them parsed; None when composing them in two steps could differ from Hydra's one."""
    try:
        parsed = OverridesParser.create().parse_overrides(overrides=list(overrides))
    except Exception:
        return None
    choosing, values = [], []
    for override in parsed:
        if override.is_sweep_override():
            return None
        key = override.key_or_group
        plain = (
            override.type == OverrideType.CHANGE
            and override.package is None
            and _DOTTED.fullmatch(key) is not None
            and (not key.startswith("hydra.") or key in _HYDRA_VALUES)
            and not isinstance(override.value(), dict)
        )
        (values if plain else choosing).append(override)
    # A value under a key that a file-choosing override sets too: Hydra applies them in the order
    # given, one pass; two steps could not.
    for value in values:
        for other in choosing:
            a, b = value.key_or_group, other.key_or_group.replace("/", ".")
            if a == b or a.startswith(b + ".") or b.startswith(a + "."):
                return None
    return [o.input_line for o in choosing], values, parsed


def _files(search_path, parsed: list[Override]) -> tuple:
    """The state on disk of every config file a composition could read: each file:// folder of
    the search path (ours and `hydra.searchpath`'s), its files' paths, sizes and times."""
    paths = [p.path for p in search_path if p.path]
    for override in parsed:
        if override.key_or_group == "hydra.searchpath" and isinstance(override.value(), list):
            paths += [str(v) for v in override.value()]
    # a path without a scheme is a folder to Hydra, as file:// is (pkg:// and structured:// are
    # what was installed and registered)
    folders = [p.removeprefix("file://") for p in paths if p.startswith("file://") or "://" not in p]
    state, seen = [], set()
    for folder in folders:
        # followlinks: conf/scenario is a link to scenarios/; `seen` stops a link that loops
        for root, dirs, names in os.walk(folder, followlinks=True):
            real = os.path.realpath(root)
            if real in seen:
                dirs[:] = []
                continue
            seen.add(real)
            dirs.sort()
            for name in sorted(names):
                stat = os.stat(os.path.join(root, name))
                state.append((os.path.join(root, name), stat.st_size, stat.st_mtime_ns))
    return tuple(state)


def _with_values(cfg: DictConfig, values: list[Override], parsed: list[Override]) -> DictConfig:
    """`cfg` (composed from the file-choosing overrides alone) with the plain values applied and
    the fields Hydra fills in after its overrides made for all of `parsed`, as Hydra's
    `_load_configuration_impl` makes them."""
    ConfigLoaderImpl._apply_overrides_to_config(values, cfg)
    cfg.hydra.overrides.hydra = [o.input_line for o in parsed if o.is_hydra_override()]
    cfg.hydra.overrides.task = [o.input_line for o in parsed if not o.is_hydra_override()]
    with open_dict(cfg.hydra):
        for key in cfg.hydra.job.env_copy:
            cfg.hydra.job.env_set[key] = os.environ[key]
    cfg.hydra.runtime.cwd = os.getcwd()
    dirname = cfg.hydra.job.config.override_dirname
    cfg.hydra.job.override_dirname = get_overrides_dirname(
        overrides=[o for o in parsed if not o.is_hydra_override()],
        kv_sep=dirname.kv_sep,
        item_sep=dirname.item_sep,
        exclude_keys=dirname.exclude_keys,
    )
    return cfg
