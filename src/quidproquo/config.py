"""The configuration schema: Hydra structured configs (dataclasses) for every key users type.

The dataclasses are registered in Hydra's ConfigStore as `schema`; `conf/config.yaml` extends
it, so Hydra rejects unknown keys and wrong types while composing. `validate` then checks what
types cannot say (ranges, names, dates) and raises `ConfigError`, whose one-line message names the
key, the bad value and what is allowed.
"""

from __future__ import annotations

import copy
import functools
import math
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

ACTORS = ("minsk", "washington", "eu", "moscow", "opposition")
SENDERS = ("washington", "eu")
INSTRUMENT_STATES = ("imposed", "lifted", "suspended")
STANCES = ("hawk", "core", "dove")
PROTOCOLS = ("alternating", "nash")
GOODS_KINDS = ("bundles", "divisible")


# Our launcher presets (conf/hydra/launcher) share their names with the plugins' schemas, so Hydra
# validates each preset against the plugin's schema -- what we want -- and warns that this
# "automatic schema matching" is deprecated. It still holds in Hydra 1.3, which pyproject pins.
warnings.filterwarnings("ignore", message=r"[\s\S]*is validated against ConfigStore schema with the same name")


class ConfigError(ValueError):
    """A user mistake in a config or override; its message is one line for the terminal."""


def utility_node(target: str = "quidproquo.utility.linear", **params: Any) -> Any:
    return field(default_factory=lambda: {"_target_": target, **params})


# ----------------------------------------------------------------------------------- engine
@dataclass
class EngineConfig:
    worlds: int = 1000  # parallel worlds simulated by one model
    rounds: int = 36  # months simulated
    seed: int = 0
    start: str = "2025-01"  # month of round 0, YYYY-MM


@dataclass
class BargainingConfig:
    max_offers: int = 4  # alternating offers per envoy visit; Washington proposes first
    verification_lag: int = 0  # rounds between release and relief; 0 = simultaneous exchange
    protocol: str = "alternating"  # or "nash": settle at once on the Nash bargaining solution
    release_levels: int = 11  # grid of release sizes an offer can ask, from 0 to the full ask
    good: str = "bundles"  # or "divisible": one good of size 1 split between the two (theory)
    nash_weight: float = 0.5  # Washington's bargaining power in the Nash protocol; Minsk has the rest


@dataclass
class OutputConfig:
    figures: bool = True
    event_log_worlds: int = 100  # worlds whose plain-words event log is written (0..n-1)


# ------------------------------------------------------------------------------------ goods
@dataclass
class Valuation:
    """What one prisoner of a tier is worth to each actor, in that actor's own utility units."""

    minsk: float = 1.0  # security cost to Minsk of releasing one
    washington: float = 1.0  # humanitarian value to Washington of one freed
    eu: float = 1.0
    opposition: float = 1.0


@dataclass
class TierConfig:
    initial: int = 0  # prisoners held at round 0
    inflow: float = 0.0  # expected new arrests per month at repression 1
    completion_rate: float = 0.0  # monthly probability that a sentence ends
    pardon_rate: float = 0.0  # monthly pardon probability at clemency 1
    ask_share: float = 0.0  # share of the tier Washington asks for in a deal
    valuation: Valuation = field(default_factory=Valuation)


@dataclass
class InstrumentConfig:
    sender: str = "washington"
    monthly_cost: float = 0.0  # USD m a month the instrument costs Minsk while imposed
    lift_cost: float = 0.0  # political cost to the sender of lifting it, sender's units
    legitimacy: float = 0.0  # monthly legitimacy Minsk gains while it is not imposed
    state: str = "imposed"
    renewal_month: int = 0  # calendar month of its scheduled renewal (EU); 0 = none


@dataclass
class GoodsConfig:
    prisoners: dict[str, TierConfig] = field(default_factory=dict)
    instruments: dict[str, InstrumentConfig] = field(default_factory=dict)


# ----------------------------------------------------------------------------------- actors
@dataclass
class MinskConfig:
    discount: float = 0.97
    utility: Any = utility_node()
    # No default node: a scenario that picks another strategy must not inherit this one's
    # parameters by merging (conf/actors/default.yaml sets the usual ones).
    strategy: Any = None
    relief_weight: float = 1.0
    legitimacy_weight: float = 1.0
    security_weight: float = 1.0
    autonomy_weight: float = 20.0  # cost of one unit of Moscow pressure, per month
    mobilisation_weight: float = 10.0  # cost of full opposition mobilisation, per month
    reservation: float = 0.0  # utility a deal must beat, beyond no deal
    repression: float = 1.0  # initial repression level (1 = base arrest rate)
    repression_adjust: float = 0.3  # share of the gap to its target closed each month
    repression_min: float = 0.3
    repression_max: float = 3.0
    hostage_elasticity: float = 0.0  # how much repression rises per unit hostage price
    moscow_push: float = 0.2  # repression rise per unit Moscow pressure
    threat_response: float = 0.3  # repression rise per unit opposition mobilisation
    clemency: float = 1.0  # multiplies every tier's pardon rate
    goodwill: float = 0.0  # extra pardon multiplier in months of an envoy visit


@dataclass
class WashingtonConfig:
    discount: float = 0.97
    utility: Any = utility_node()
    strategy: Any = None  # set by conf/actors/default.yaml, as Minsk's
    engagement: float = 0.0  # monthly probability of an envoy visit at channel value 0
    channel_value: float = 0.0  # value of the channel to Moscow that a deal keeps open
    humanitarian_weight: float = 1.0
    credibility_weight: float = 1.0
    alliance_weight: float = 0.0  # cost per lifted US instrument the EU still imposes, per month
    rearrest_penalty: float = 0.0  # credibility cost per arrest above base in a month after a deal
    reservation: float = 0.0
    snapback_ratio: float = 0.0  # re-impose relief if arrests exceed this x base; 0 = never


@dataclass
class MemberConfig:
    stance: str = "core"
    threshold: float = 0.5  # share of political prisoners freed it needs before lifting
    veto_renewal: float = 0.0  # probability it vetoes a scheduled renewal
    listing_trigger: float = 1.5  # arrests / base arrests that make it vote for new listings


@dataclass
class EUConfig:
    discount: float = 0.97
    utility: Any = utility_node()
    humanitarian_weight: float = 1.0
    unity_weight: float = 5.0  # cost of a failed vote (a veto), per occurrence
    pressure_weight: float = 0.01  # value of each USD m of monthly cost on Minsk
    listing_cost: float = 2.0  # USD m a month each new listing adds to Minsk's costs
    snapback_ratio: float = 2.0  # re-impose suspended instruments above this x base arrests
    members: dict[str, MemberConfig] = field(default_factory=dict)


@dataclass
class MoscowConfig:
    discount: float = 0.97
    utility: Any = utility_node()
    pressure: float = 0.2  # initial pressure on Minsk, 0..1
    tolerance: float = 0.1  # Western drift Moscow accepts without reacting
    responsiveness: float = 0.5  # pressure rise per unit drift beyond tolerance, per month
    relaxation: float = 0.05  # monthly decay of pressure towards zero
    channel_benefit: float = 0.0  # pressure relief in a month the US-Minsk channel serves Moscow
    engagement_drift: float = 0.1  # drift an envoy visit adds
    control_weight: float = 10.0
    channel_weight: float = 5.0


@dataclass
class OppositionConfig:
    discount: float = 0.97
    utility: Any = utility_node()
    mobilisation: float = 0.3  # initial mobilisation, 0..1
    base_mobilisation: float = 0.3
    exile_effect: float = 0.5  # mobilisation gain per freed prominent prisoner, as share of tier
    suppression: float = 0.2  # mobilisation loss per unit repression above 1
    adjust: float = 0.2
    lobbying: float = 0.2  # how much more than the base ask it makes Washington demand
    arrest_effect: float = 0.5  # arrest-rate rise at full mobilisation
    freed_weight: float = 1.0
    pressure_weight: float = 0.02  # value of each USD m of sanctions kept while prisoners remain
    unity_weight: float = 5.0


@dataclass
class ActorsConfig:
    minsk: MinskConfig = field(default_factory=MinskConfig)
    washington: WashingtonConfig = field(default_factory=WashingtonConfig)
    eu: EUConfig = field(default_factory=EUConfig)
    moscow: MoscowConfig = field(default_factory=MoscowConfig)
    opposition: OppositionConfig = field(default_factory=OppositionConfig)


@dataclass
class EventConfig:
    """A dated exogenous shock: from `date` on, each `changes` key takes its new value."""

    date: str = "???"
    text: str = ""
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Config:
    name: str = "custom"
    description: str = ""
    engine: EngineConfig = field(default_factory=EngineConfig)
    bargaining: BargainingConfig = field(default_factory=BargainingConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    goods: GoodsConfig = field(default_factory=GoodsConfig)
    actors: ActorsConfig = field(default_factory=ActorsConfig)
    events: list[EventConfig] = field(default_factory=list)


def register() -> None:
    ConfigStore.instance().store(name="schema", node=Config)


# ------------------------------------------------------------------------------- validation
def _fail(key: str, value: Any, allowed: str) -> None:
    raise ConfigError(f"{key}={value!r}: {allowed}")


def _number(key: str, value: Any, low: float | None = None, high: float | None = None,
            low_open: bool = False, high_open: bool = False) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        _fail(key, value, "must be a finite number")
    if low is not None and (value < low or (low_open and value == low)):
        _fail(key, value, f"must be {'>' if low_open else '>='} {low}")
    if high is not None and (value > high or (high_open and value == high)):
        _fail(key, value, f"must be {'<' if high_open else '<='} {high}")


def _walk_numbers(prefix: str, node: Any):
    """Yield (dotted key, value) for every float in a dataclass tree, to check finiteness."""
    if hasattr(node, "__dataclass_fields__"):
        for name in node.__dataclass_fields__:
            yield from _walk_numbers(f"{prefix}.{name}" if prefix else name, getattr(node, name))
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _walk_numbers(f"{prefix}.{key}", value)
    elif isinstance(node, float):
        yield prefix, node


def month(text: str, key: str) -> pd.Period:
    """Parse a YYYY-MM (or YYYY-MM-DD) date to a monthly period, or fail naming the key."""
    # pandas alone would read "July" as July of year 1: insist on the written form.
    if not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", str(text)):
        _fail(key, text, "must be a date written YYYY-MM")
    try:
        return pd.Period(str(text), freq="M")
    except (ValueError, TypeError):
        _fail(key, text, "must be a date written YYYY-MM")


def validate(cfg: Config) -> None:
    """Check ranges and names the schema's types cannot express; raise ConfigError."""
    for key, value in _walk_numbers("", cfg):
        _number(key, value)
    _number("engine.worlds", cfg.engine.worlds, 1)
    _number("engine.rounds", cfg.engine.rounds, 1)
    _number("engine.seed", cfg.engine.seed, 0)
    start = month(cfg.engine.start, "engine.start")
    _number("bargaining.max_offers", cfg.bargaining.max_offers, 1)
    _number("bargaining.verification_lag", cfg.bargaining.verification_lag, 0)
    _number("bargaining.release_levels", cfg.bargaining.release_levels, 2)
    if cfg.bargaining.protocol not in PROTOCOLS:
        _fail("bargaining.protocol", cfg.bargaining.protocol, f"allowed: {', '.join(PROTOCOLS)}")
    if cfg.bargaining.good not in GOODS_KINDS:
        _fail("bargaining.good", cfg.bargaining.good, f"allowed: {', '.join(GOODS_KINDS)}")
    _number("bargaining.nash_weight", cfg.bargaining.nash_weight, 0, 1, low_open=True, high_open=True)
    _number("output.event_log_worlds", cfg.output.event_log_worlds, 0)
    if not cfg.goods.prisoners:
        _fail("goods.prisoners", {}, "a scenario needs at least one prisoner tier")
    for tier, t in cfg.goods.prisoners.items():
        key = f"goods.prisoners.{tier}"
        _number(f"{key}.initial", t.initial, 0)
        _number(f"{key}.inflow", t.inflow, 0)
        for rate in ("completion_rate", "pardon_rate", "ask_share"):
            _number(f"{key}.{rate}", getattr(t, rate), 0, 1)
    for name, ins in cfg.goods.instruments.items():
        key = f"goods.instruments.{name}"
        if ins.sender not in SENDERS:
            _fail(f"{key}.sender", ins.sender, f"allowed: {', '.join(SENDERS)}")
        if ins.state not in INSTRUMENT_STATES:
            _fail(f"{key}.state", ins.state, f"allowed: {', '.join(INSTRUMENT_STATES)}")
        _number(f"{key}.monthly_cost", ins.monthly_cost, 0)
        _number(f"{key}.lift_cost", ins.lift_cost, 0)
        _number(f"{key}.renewal_month", ins.renewal_month, 0, 12)
    a = cfg.actors
    for actor in ACTORS:
        _number(f"actors.{actor}.discount", getattr(a, actor).discount, 0, 1, low_open=True, high_open=True)
    _number("actors.washington.engagement", a.washington.engagement, 0, 1)
    _number("actors.washington.channel_value", a.washington.channel_value, 0)
    _number("actors.minsk.repression", a.minsk.repression, 0)
    _number("actors.minsk.repression_min", a.minsk.repression_min, 0, a.minsk.repression_max)
    _number("actors.minsk.repression_adjust", a.minsk.repression_adjust, 0, 1)
    _number("actors.minsk.hostage_elasticity", a.minsk.hostage_elasticity, 0)
    _number("actors.minsk.clemency", a.minsk.clemency, 0)
    _number("actors.moscow.pressure", a.moscow.pressure, 0, 1)
    _number("actors.opposition.mobilisation", a.opposition.mobilisation, 0, 1)
    _number("actors.opposition.adjust", a.opposition.adjust, 0, 1)
    for code, m in a.eu.members.items():
        key = f"actors.eu.members.{code}"
        if m.stance not in STANCES:
            _fail(f"{key}.stance", m.stance, f"allowed: {', '.join(STANCES)}")
        _number(f"{key}.threshold", m.threshold, 0, 1)
        _number(f"{key}.veto_renewal", m.veto_renewal, 0, 1)
    end = start + (cfg.engine.rounds - 1)
    for i, event in enumerate(cfg.events):
        key = f"events[{i}].date"
        when = month(event.date, key)
        if not start <= when <= end:
            _fail(key, event.date, f"must fall within the horizon {start}..{end}")
        for path in event.changes:
            if not has_key(cfg, path):
                _fail(f"events[{i}].changes", path, "names no config key")


def has_key(cfg: Config, path: str) -> bool:
    node: Any = cfg
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif hasattr(node, "__dataclass_fields__") and part in node.__dataclass_fields__:
            node = getattr(node, part)
        else:
            return False
    return True


def set_key(cfg: Config, path: str, value: Any) -> None:
    """Set a dotted key on the config object in place (used by dated events)."""
    *parents, last = path.split(".")
    node: Any = cfg
    for part in parents:
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    if isinstance(node, dict):
        node[last] = value
    else:
        setattr(node, last, type(getattr(node, last))(value))


# ------------------------------------------------------------------------------ composition
def conf_dir() -> Path:
    """The Hydra config folder: $QPQ_CONF, else `conf/` at the top of the source checkout."""
    return Path(os.environ.get("QPQ_CONF", Path(__file__).resolve().parents[2] / "conf"))


def scenario_names() -> list[str]:
    """Every scenario, subfolders included (`theory/rubinstein`)."""
    folder = conf_dir() / "scenario"
    return sorted(p.relative_to(folder).with_suffix("").as_posix() for p in folder.rglob("*.yaml"))


def explain(err: Exception) -> str:
    """Hydra's and OmegaConf's composition errors, as one line naming the key and what is allowed."""
    text = str(err)
    missing = re.search(r"Could not find '(\w+)/([^']+)'", text)
    if missing:
        group, choice = missing.groups()
        options = sorted(re.findall(r"^\t(\S+)$", text, re.M)) or scenario_names()
        return f"{group}={choice}: no such {group}; allowed: {', '.join(options)}"
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
    if "not in" in first and "Key '" in first:
        parent = re.search(r"not in '(\w+)'", first)
        allowed = ""
        if parent and parent.group(1) in _SCHEMAS:
            allowed = "; allowed: " + ", ".join(_SCHEMAS[parent.group(1)].__dataclass_fields__)
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


_SCHEMAS = {cls.__name__: cls for cls in (
    EngineConfig, BargainingConfig, OutputConfig, TierConfig, Valuation, InstrumentConfig, GoodsConfig,
    MinskConfig, WashingtonConfig, MemberConfig, EUConfig, MoscowConfig, OppositionConfig, ActorsConfig,
    EventConfig, Config)}


@functools.lru_cache(maxsize=64)
def _compose_dict(overrides: tuple[str, ...]) -> DictConfig:
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
            message = (f"scenario={chosen[-1] if chosen else '?'}: its file sets no scenario; a scenario file starts with "
                       f"'# @package _global_' and sets name, description and the keys it changes")
        raise ConfigError(_with_names(message, overrides)) from None


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
    return from_dictconfig(_compose_dict(overrides))


def load(overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Compose and validate a config from Hydra overrides (`scenario=thaw`, `engine.worlds=10`)."""
    return copy.deepcopy(_compose(tuple(overrides)))


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
        groups = tuple(o for o in point if not is_value_override(o))
        cfg = copy.deepcopy(_compose_dict(groups))
        for override in point:
            if is_value_override(override):
                key, text = override.split("=", 1)
                try:
                    value = yaml.safe_load(text) if text else ""
                    OmegaConf.update(cfg, key, value, merge=True)
                except yaml.YAMLError:
                    raise ConfigError(f"{key}={text!r}: cannot be parsed") from None
                except OmegaConfBaseException as err:
                    # update() raises before OmegaConf fills in its message's placeholders
                    converted = re.search(r"could not be converted to (\w+)", str(err))
                    if converted:
                        raise ConfigError(f"{key}={text!r}: must be {converted.group(1).lower()}") from None
                    if "is not a valid bool" in str(err):
                        raise ConfigError(f"{key}={text!r}: must be true or false") from None
                    raise ConfigError(_with_names(explain(err), groups)) from None
        out.append(from_dictconfig(cfg))
    return out


def from_dictconfig(cfg: DictConfig) -> Config:
    """A Hydra-composed DictConfig (as @hydra.main passes it) to a validated Config."""
    try:
        out = OmegaConf.to_object(cfg)
    except (OmegaConfBaseException, ValueError) as err:
        raise ConfigError(explain(err)) from None
    validate(out)
    return out
