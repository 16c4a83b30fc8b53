"""Checks of a composed config that its types cannot express: ranges, names and dates.

`validate` raises `ConfigError`, whose one-line message names the key, the bad value and what
is allowed. `with_changes` is the one way to derive a config from another by dotted keys
(sensitivity points, theory games, calibration trials): it works on a copy and checks the result.
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any

import pandas as pd

from quidproquo.config.schema import ACTORS, GOODS_KINDS, INSTRUMENT_STATES, PROTOCOLS, SENDERS, STANCES, Config


class ConfigError(ValueError):
    """A user mistake in a config or override; its message is one line for the terminal."""


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
    _number("bargaining.release_levels", cfg.bargaining.release_levels, 1, 20)
    _number("bargaining.max_steps", cfg.bargaining.max_steps, 0)
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
        for rate in ("completion_rate", "pardon_rate"):
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
        for ladder in ("relief", "step_cost"):
            values = list(getattr(ins, ladder))
            if len(values) != len(ins.steps) or not values or values[-1] != 1.0 or any(
                    not 0 < b <= 1 or b < a for a, b in zip([0.0, *values], values)):
                _fail(f"{key}.{ladder}", values, f"must rise to 1.0 in {len(ins.steps)} steps, one per step of {key}.steps")
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
    _number("actors.minsk.strain", a.minsk.strain, 0, 1)
    _number("actors.minsk.strain_months", a.minsk.strain_months, 1)
    _number("actors.minsk.gesture_rate", a.minsk.gesture_rate, 0, 1)
    _number("actors.minsk.gesture_share", a.minsk.gesture_share, 0, 1)
    for name in ("chip_value", "visit_legitimacy", "gesture_drift"):
        _number(f"actors.minsk.{name}", getattr(a.minsk, name), 0)
    for name in ("visit_ask", "price", "reserve_weight", "relief_signal", "trust"):
        _number(f"actors.washington.{name}", getattr(a.washington, name), 0)
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




def dated_event(cfg: Config, key: str, date: str):
    """The event of `date` (YYYY-MM) whose changes set `key`: the home of `key@date`."""
    for event in cfg.events:
        if month(event.date, "events.date") == month(date, f"{key}@{date}") and key in event.changes:
            return event
    raise ConfigError(f"{key}@{date}: no event on {date} changes {key}")


def value_of(cfg: Config, key: str) -> Any:
    """A dotted key's value; `key@YYYY-MM` is the value the event of that month sets it to."""
    path, _, date = key.partition("@")
    if date:
        return dated_event(cfg, path, date).changes[path]
    node: Any = cfg
    for part in path.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


def with_changes(cfg: Config, changes: dict[str, Any], check: bool = True) -> Config:
    """A copy of `cfg` with each key of `changes` set to its value, validated unless `check` is
    false: the one way to derive a config from another (sensitivity points, theory games,
    calibration trials). A key is dotted (`actors.minsk.clemency`), or `key@YYYY-MM` for the value
    a dated event sets it to from that month; numpy scalars become Python numbers."""
    out = copy.deepcopy(cfg)
    for key, value in changes.items():
        path, _, date = key.partition("@")
        if not has_key(out, path):
            raise ConfigError(f"{key}: names no config key")
        value = value.item() if hasattr(value, "item") else value
        if date:
            dated_event(out, path, date).changes[path] = value
        else:
            set_key(out, path, value)
    if check:
        validate(out)
    return out
