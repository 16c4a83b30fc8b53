"""Composing a config with Hydra, and turning Hydra's errors into one line.

`load(overrides)` composes `conf/config.yaml` (which extends the schema) with Hydra's Compose
API, converts it to the schema's dataclasses, fills in the default `_target_` nodes and
validates it. `load_many` does the same for many sweep points, composing once per distinct group
choice. `explain` turns Hydra's and OmegaConf's multi-line errors into one line naming the key
and what is allowed.
"""

from __future__ import annotations

import copy
import functools
import re
import warnings

import yaml
from hydra import compose
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from quidproquo.config.checks import ConfigError, validate
from quidproquo.config.job_loader import fresh, job_hydra, kept
from quidproquo.config.limits import check_interpolation, check_scenario_file, refuse_empty_mapping
from quidproquo.config.overrides import is_value_override, keep_overrides
from quidproquo.config.scenarios import alone, conf_dir, locate, no_such, scenario_names
from quidproquo.config.schema import ACTORS, SCHEMAS, STRATEGIES, Config

# Our launcher presets (conf/hydra/launcher) share their names with the plugins' schemas, so Hydra
# validates each preset against the plugin's schema -- what we want -- and warns that this
# "automatic schema matching" is deprecated. It still holds in Hydra 1.3, which pyproject pins.
warnings.filterwarnings("ignore", message=r"[\s\S]*is validated against ConfigStore schema with the same name")


def structured() -> DictConfig:
    """The schema as Hydra composes it: utility nodes open to another function's arguments."""
    schema = OmegaConf.structured(Config)
    for name in ACTORS:
        OmegaConf.set_struct(schema.actors[name].utility, False)
    return schema


def complete(cfg: Config) -> Config:
    """Fill the strategy nodes a composition left empty with their defaults, and append the case's
    dated facts to the scenario's events (one list: the timeline, the checks and a rerun's saved
    config see them alike; `events[i]` still names the scenario's i-th event), in place. Facts
    and events are two keys because Hydra replaces a list: a scenario's events would otherwise
    drop its case's facts."""
    for name, strategy in STRATEGIES.items():
        actor = getattr(cfg.actors, name)
        if actor.strategy is None:
            actor.strategy = dict(strategy)
    if cfg.facts:
        cfg.events, cfg.facts = [*cfg.events, *cfg.facts], []
    return cfg


@functools.cache
def _schema() -> DictConfig:
    return structured()  # ~20 ms to build; the store copies what it is given, so once a process is enough


def register() -> None:
    ConfigStore.instance().store(name="schema", node=_schema())


# ------------------------------------------------------------------------------ composition
def explain(err: Exception) -> str:
    """Hydra's and OmegaConf's composition errors, as one line naming the key and what is allowed."""
    text = str(err)
    missing = re.search(r"Could not find '(\w+)/([^']+)'", text)
    if missing:
        group, choice = missing.groups()
        options = sorted(re.findall(r"^\t(\S+)$", text, re.M)) or scenario_names(group)
        return no_such(group, choice, options)
    key = getattr(err, "full_key", None) or (re.search(r"full_key: (\S+)", text) or [None, None])[1]
    cause = getattr(err, "__cause__", None) or getattr(err, "__context__", None)
    detail = text
    if cause is not None and hasattr(cause, "full_key"):
        key, detail = cause.full_key, str(cause)
    first = detail.strip().splitlines()[0] if detail.strip() else type(err).__name__
    merging = re.search(r"override ([^=\s]+)=(\S*)", text)
    if "$VALUE" in first and merging:  # OmegaConf left its placeholders unfilled
        key, value = merging.groups()
        first = first.replace("$VALUE_TYPE", "str").replace("$VALUE", value)
    if "is not a valid bool" in first and key:
        return f"{key}={(merging.group(2) if merging else '')!r}: must be true or false"
    node = re.match(r"(actors\.\w+\.strategy)\.", key or "")
    if node and "not in" in first:
        return (
            f"{key}: {node.group(1)} is unset here (its default applies); a strategy is set whole, "
            f"e.g. {node.group(1)}={{_target_: quidproquo.strategies.boulware, exponent: 0.3}}"
        )
    if "not in" in first and "Key '" in first:
        parent = re.search(r"not in '(\w+)'", first)
        allowed = ""
        if parent and parent.group(1) in SCHEMAS:
            allowed = "; allowed: " + ", ".join(SCHEMAS[parent.group(1)].__dataclass_fields__)
        return f"{key}: unknown key{allowed}"
    value = re.search(r"Value '([^']*)'", first)
    converted = re.search(r"could not be converted to (\w+)", first)
    if key and value and converted:
        return f"{key}={value.group(1)!r}: must be {converted.group(1).lower()}"
    override = re.search(r"override '([^']+)'", text)
    if override and not key:
        key = override.group(1)
    first = re.sub(r"\s+", " ", first)
    return f"{key}: {first}" if key else first


def _compose_dict(overrides: tuple[str, ...]) -> DictConfig:
    return _composed(overrides)[0]


@functools.lru_cache(maxsize=64)
def _kept(overrides: tuple[str, ...]) -> bytes | DictConfig:
    """`_compose_dict`'s config, kept to copy from (`kept`)."""
    return kept(_compose_dict(overrides))


def hydra_node(overrides: tuple[str, ...]) -> DictConfig:
    """The `hydra` node these overrides and every file they reach compose to (a copy apart from
    the config), from the same one composition as `_compose_dict`'s."""
    return _composed(overrides)[1]


@functools.lru_cache(maxsize=64)
def _composed(overrides: tuple[str, ...]) -> tuple[DictConfig, DictConfig]:
    overrides = tuple(alone(overrides))  # a case or policy named without a scenario runs alone
    check_scenario_file(overrides, conf_dir())
    register()
    try:
        if GlobalHydra.instance().is_initialized():
            cfg = compose(config_name="config", overrides=list(overrides), return_hydra_config=True)
        else:  # as hydra.compose would, through the Hydra a run launches its job with: one composition for both
            cfg = job_hydra().compose_config("config", list(overrides), run_mode=RunMode.RUN, from_shell=False)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        where = f"{mark.name}: line {mark.line + 1}, column {mark.column + 1}" if mark else "a config file"
        raise ConfigError(f"{where}: {err.problem or err.context}") from None
    except (HydraException, OmegaConfBaseException, ValueError) as err:
        message = explain(err)
        if message.startswith("scenario: unknown key"):
            chosen = [o.split("=", 1)[1] for o in overrides if o.startswith("scenario=")]
            message = (
                f"scenario={chosen[-1] if chosen else '?'}: its file sets no scenario; a scenario file starts with "
                f"'# @package _global_' and sets name, description and the keys it changes"
            )
        raise ConfigError(locate(_with_names(message, overrides), overrides)) from None
    # Hydra's compose() composes the hydra node either way and drops it unless asked: kept apart
    # here, a command checks it (hydra_node.check_hydra) without composing everything again.
    node = OmegaConf.create(OmegaConf.to_container(cfg.hydra, resolve=False))
    with open_dict(cfg):
        del cfg["hydra"]
    return cfg, node


def _with_names(message: str, overrides: tuple[str, ...]) -> str:
    """For an unknown tier, instrument or EU member, add the names that do exist."""
    if not message.endswith(": unknown key"):
        return message
    parent = message.split(":")[0].rsplit(".", 1)[0]
    try:
        node = OmegaConf.select(_compose_dict(tuple(o for o in overrides if not is_value_override(o))), parent)
    except ConfigError:
        return message
    return f"{message}; allowed: {', '.join(node.keys())}" if isinstance(node, DictConfig) else message


@functools.lru_cache(maxsize=64)
def _compose(overrides: tuple[str, ...]) -> Config:
    return _point(list(overrides))


def load(overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Compose and validate a config from Hydra overrides (`scenario=thaw`, `engine.worlds=10`),
    as `load_many` does a point's: its group choices composed once a process, its values set on
    a copy."""
    cfg = copy.deepcopy(_compose(tuple(overrides)))
    keep_overrides(cfg, overrides)
    return cfg


def load_many(points: list[list[str]]) -> list[Config]:
    """Validated configs for many override lists, composing once per distinct group choice.

    Hydra composition costs ~0.3 s for this tree; a sweep's points mostly differ in plain values,
    which `OmegaConf.update` sets with the same struct-mode and type checks.
    """
    out = []
    for point in points:
        config = _point(point)
        keep_overrides(config, point)
        out.append(config)
    return out


def _point(point: list[str]) -> Config:
    """One point of `load_many`, before `keep_overrides`."""
    for override in point:
        # `+key=value` adds a key; our schema has every key already, so an added one would be
        # ignored without a word.
        added = override.split("=", 1)[0]
        if added.startswith("+") and not added.startswith("++") and not added.lstrip("+").startswith("hydra"):
            raise ConfigError(
                f"{added}: adds a key the schema does not know; set one of its keys without '+' (qpq params lists them)"
            )
    groups = tuple(o for o in point if not is_value_override(o))
    cfg = fresh(_kept(groups))
    for override in groups:  # `engine={}`: Hydra merges it into the group and says nothing
        key, _, text = override.partition("=")
        if text.strip() == "{}":
            refuse_empty_mapping(cfg, key.lstrip("+~"))
    for override in point:
        if is_value_override(override):
            key, text = override.split("=", 1)
            try:
                value = yaml.safe_load(text) if text else ""
            except (
                yaml.YAMLError,
                ValueError,
                RecursionError,
            ):  # ValueError: what YAML reads as a date, e.g. 2025-01-32
                raise ConfigError(f"{key}={text!r}: cannot be parsed") from None
            if isinstance(value, dict) and not value:
                refuse_empty_mapping(cfg, key)
            if isinstance(value, str) and "${" in value:
                check_interpolation(key, text)
            try:
                OmegaConf.update(cfg, key, value, merge=True)
            except OmegaConfBaseException as err:
                # update() raises before OmegaConf fills in its message's placeholders
                converted = re.search(r"could not be converted to (\w+)", str(err))
                if converted:
                    raise ConfigError(f"{key}={text!r}: must be {converted.group(1).lower()}") from None
                if "is not a valid bool" in str(err):
                    raise ConfigError(f"{key}={text!r}: must be true or false") from None
                message = _with_names(explain(err), groups)
                if not message.startswith(key):  # OmegaConf's line names no key here
                    message = f"{key}={text!r}: {re.sub(r'[.] value: .*$', '', message)}"
                raise ConfigError(message) from None
    try:
        return from_dictconfig(cfg)
    except ConfigError as err:
        raise ConfigError(locate(str(err), point)) from None


def from_dictconfig(cfg: DictConfig) -> Config:
    """A Hydra-composed DictConfig (as @hydra.main passes it) to a validated Config."""
    try:
        out = OmegaConf.to_object(cfg)
    except (OmegaConfBaseException, ValueError) as err:
        raise ConfigError(explain(err)) from None
    validate(complete(out))
    if out.draws:
        from quidproquo.config.points import check_draws

        check_draws(out)
    return out
