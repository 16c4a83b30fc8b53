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
import sys
import warnings

import yaml
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from quidproquo.config.checks import ConfigError, month, validate
from quidproquo.config.limits import check_interpolation, check_scenario_file, refuse_empty_mapping
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


@functools.lru_cache(maxsize=64)
def _compose_dict(overrides: tuple[str, ...]) -> DictConfig:
    overrides = tuple(alone(overrides))  # a case or policy named without a scenario runs alone
    check_scenario_file(overrides, conf_dir())
    register()
    try:
        if GlobalHydra.instance().is_initialized():
            return compose(config_name="config", overrides=list(overrides))
        with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
            return compose(config_name="config", overrides=list(overrides))
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
    dict_cfg = _compose_dict(overrides)
    try:
        return from_dictconfig(dict_cfg)
    except ConfigError as err:
        raise ConfigError(locate(str(err), overrides)) from None


def load(overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Compose and validate a config from Hydra overrides (`scenario=thaw`, `engine.worlds=10`)."""
    cfg = copy.deepcopy(_compose(tuple(overrides)))
    keep_overrides(cfg, overrides)
    return cfg


def beyond_the_horizon(cfg: Config) -> list[str]:
    """Notices for the scenario's events dated after the run's last month (a shortened run):
    they never happen, which is said, not silently assumed."""
    start = month(cfg.engine.start, "engine.start")
    end = start + (cfg.engine.rounds - 1)
    return [
        f"qpq: note: events[{i}] ({event.date}{': ' + event.text if event.text else ''}) falls after the run's last month "
        f"{end}, so it never happens"
        for i, event in enumerate(cfg.events)
        if month(event.date, "events.date") > end
    ]


def keep_overrides(cfg: Config, overrides, notify: bool = True) -> list[str]:
    """A value given on the command line holds for the whole run: where a dated event of the
    scenario would change the same key, that change is dropped from the event (the event's other
    changes stay), and a one-line notice on stderr names both. Returns the notices."""
    given = {o.split("=", 1)[0] for o in overrides if is_value_override(o)}
    notices = []
    for event in cfg.events:
        for key in sorted(given & set(event.changes)):
            notices.append(
                f"qpq: note: {key} is set on the command line, so the scenario's event of {event.date} "
                f"({key} = {event.changes[key]!r}) is skipped for it"
            )
            del event.changes[key]
    notices += beyond_the_horizon(cfg)
    if notify:
        for line in notices:
            print(line, file=sys.stderr)
    return notices


def own(overrides: list[str]) -> list[str]:
    """The overrides that shape our config: ours, and Hydra's search path (a user's own
    scenario folder), but not Hydra's run settings or flags."""
    return [
        o
        for o in overrides
        if o.startswith("hydra.searchpath=") or not o.lstrip("+~").startswith(("hydra.", "hydra/", "-"))
    ]


def is_value_override(override: str) -> bool:
    """A plain `a.b=value` override (not a group choice like `scenario=thaw`, nor +/~ edits)."""
    key = override.split("=", 1)[0]
    return "=" in override and "." in key and not key.startswith(("+", "~", "hydra"))


def load_many(points: list[list[str]]) -> list[Config]:
    """Validated configs for many override lists, composing once per distinct group choice.

    Hydra composition costs ~0.3 s for this tree; a sweep's points mostly differ in plain values,
    which `OmegaConf.update` sets with the same struct-mode and type checks.
    """
    out = []
    for point in points:
        for override in point:
            # `+key=value` adds a key; our schema has every key already, so an added one would be
            # ignored without a word.
            added = override.split("=", 1)[0]
            if added.startswith("+") and not added.startswith("++") and not added.lstrip("+").startswith("hydra"):
                raise ConfigError(
                    f"{added}: adds a key the schema does not know; set one of its keys without '+' "
                    f"(qpq params lists them)"
                )
        groups = tuple(o for o in point if not is_value_override(o))
        cfg = copy.deepcopy(_compose_dict(groups))
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
            config = from_dictconfig(cfg)
        except ConfigError as err:
            raise ConfigError(locate(str(err), point)) from None
        keep_overrides(config, point)
        out.append(config)
    return out


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
