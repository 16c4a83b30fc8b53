"""Checks of a composed config that its types cannot express: ranges, names and dates.

`validate` raises `ConfigError`, whose one-line message names the key, the bad value and what
is allowed. `with_changes` is the one way to derive a config from another by dotted keys
(sensitivity points, theory games, calibration trials): it works on a copy and checks the result.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from quidproquo.config.schema import (
    ACTORS,
    GOODS_KINDS,
    INSTRUMENT_KINDS,
    INSTRUMENT_STATES,
    PROTOCOLS,
    RENEWED,
    SENDERS,
    STANCES,
    Config,
)


class ConfigError(ValueError):
    """A user mistake in a config or override; its message is one line for the terminal."""


def _fail(key: str, value: Any, allowed: str) -> None:
    raise ConfigError(f"{key}={value!r}: {allowed}")


def _number(
    key: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
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


@dataclass(frozen=True)
class Range:
    """What a numeric key allows: at least `low`, at most `high` (either open), None for no bound."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def __str__(self) -> str:
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {self.low:g}")
        if self.high is not None:
            parts.append(f"{'<' if self.high_open else '<='} {self.high:g}")
        return " and ".join(parts) or "any finite number"


UNIT, SHARE, COUNT, POSITIVE = Range(0, 1, True, True), Range(0, 1), Range(0), Range(0)
MAX_OFFERS = 1000  # offers a visit: every offer is weighed in every world, so a billion would run for hours
# No number of a config may be larger than this: beyond it the model's sums overflow to inf and
# its comparisons to NaN (a monthly cost of 1e308 wrote NaN into worlds.parquet).
MAX_MAGNITUDE = 1e9
# Every numeric key's allowed range (`*` stands for any tier, instrument or EU member), and the
# words a text key allows: what `validate` checks and `qpq params` shows.
RANGES: dict[str, Range] = {
    # Bounds that keep every count of a run inside the record's 32-bit tables (arrests at most
    # inflow x repression 3 x mobilisation 1.5 a month over 1,200 months), and seeds inside the
    # 63 bits the streams mix.
    "engine.worlds": Range(1),
    "engine.rounds": Range(1, 1200),
    "engine.seed": Range(0, 2**63 - 1),
    "bargaining.max_offers": Range(1, MAX_OFFERS),
    "bargaining.verification_lag": COUNT,
    "bargaining.end_hazard": Range(0, 1, high_open=True),
    "bargaining.release_levels": Range(1, 20),
    "bargaining.max_steps": COUNT,
    "bargaining.nash_weight": UNIT,
    "output.event_log_worlds": COUNT,
    "goods.prisoners.*.initial": Range(0, 10_000_000),
    "goods.prisoners.*.inflow": Range(0, 100_000),
    "goods.prisoners.*.completion_rate": SHARE,
    "goods.prisoners.*.pardon_rate": SHARE,
    "goods.instruments.*.monthly_cost": POSITIVE,
    "goods.instruments.*.lift_cost": POSITIVE,
    "goods.instruments.*.renewal_month": Range(0, 12),
    "goods.instruments.*.duration": Range(0, 600),
    **{f"actors.{actor}.discount": UNIT for actor in ACTORS},
    "actors.washington.engagement": SHARE,
    "actors.washington.visit_ask": SHARE,
    "actors.washington.channel_value": POSITIVE,
    **{
        f"actors.washington.{name}": POSITIVE
        for name in ("price", "reserve_weight", "relief_signal", "trust", "renewal_ratio", "track_record")
    },
    "actors.minsk.repression": POSITIVE,
    "actors.minsk.repression_min": POSITIVE,
    "actors.minsk.repression_adjust": SHARE,
    "actors.minsk.hostage_elasticity": POSITIVE,
    "actors.minsk.clemency": POSITIVE,
    "actors.minsk.strain": SHARE,
    "actors.minsk.strain_months": Range(1),
    "actors.minsk.gesture_rate": SHARE,
    "actors.minsk.gesture_share": SHARE,
    **{f"actors.minsk.{name}": POSITIVE for name in ("chip_value", "visit_legitimacy", "gesture_drift")},
    "actors.moscow.pressure": SHARE,
    "actors.opposition.mobilisation": SHARE,
    "actors.opposition.adjust": SHARE,
    "actors.eu.members.*.threshold": SHARE,
    "actors.eu.members.*.veto_renewal": SHARE,
}
CHOICES: dict[str, tuple[str, ...]] = {
    "bargaining.protocol": PROTOCOLS,
    "bargaining.good": GOODS_KINDS,
    "goods.instruments.*.sender": SENDERS,
    "goods.instruments.*.state": INSTRUMENT_STATES,
    "goods.instruments.*.kind": INSTRUMENT_KINDS,
    "actors.eu.members.*.stance": STANCES,
}


def _expand(cfg: Config, pattern: str):
    """(key, value) for each key a pattern names in this config (`*`: every entry of a dict)."""
    head, star, tail = pattern.partition(".*.")
    if not star:
        yield pattern, value_of(cfg, pattern)
        return
    for name, entry in value_of(cfg, head).items():
        yield f"{head}.{name}.{tail}", getattr(entry, tail)


def validate(cfg: Config) -> None:
    """Check ranges and names the schema's types cannot express; raise ConfigError."""
    for key, value in _walk_numbers("", cfg):
        _number(key, value)
    for pattern, allowed in RANGES.items():
        for key, value in _expand(cfg, pattern):
            _number(key, value, allowed.low, allowed.high, allowed.low_open, allowed.high_open)
    for key, value in _walk_numbers("", cfg):  # after the ranges: a key's own bound is the line it gets
        if abs(value) > MAX_MAGNITUDE:
            _fail(
                key,
                value,
                f"must be between {-MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g} (larger numbers overflow the model's sums)",
            )
    for pattern, words in CHOICES.items():
        for key, value in _expand(cfg, pattern):
            if value not in words:
                _fail(key, value, f"allowed: {', '.join(words)}")
    start = month(cfg.engine.start, "engine.start")
    if not re.fullmatch(r"[\w-]+(/[\w-]+)*", str(cfg.name)):
        _fail(
            "name", cfg.name, "must be letters, digits, '_' or '-', in parts joined by '/' (it names the run's folder)"
        )
    if not cfg.goods.prisoners:
        _fail("goods.prisoners", {}, "a scenario needs at least one prisoner tier")
    for name, ins in cfg.goods.instruments.items():
        key = f"goods.instruments.{name}"
        for ladder in ("relief", "step_cost"):
            values = list(getattr(ins, ladder))
            if (
                len(values) != len(ins.steps)
                or not values
                or values[-1] != 1.0
                or any(not 0 < b <= 1 or b < a for a, b in zip([0.0, *values], values))
            ):
                _fail(
                    f"{key}.{ladder}",
                    values,
                    f"must rise to 1.0 in {len(ins.steps)} steps, one per step of {key}.steps",
                )
        if not (isinstance(ins.level, int) and 0 <= ins.level <= len(ins.steps)):
            _fail(f"{key}.level", ins.level, f"must be a whole number of steps from 0 to {len(ins.steps)}")
        if ins.level == len(ins.steps) and ins.state == "imposed" and ins.steps:
            _fail(f"{key}.level", ins.level, "every step in force is a lift: say state: lifted")
        if ins.kind == "detainee":  # a person freed is not a licence: no term, no renewal to veto
            for attribute in ("duration", "renewal_month"):
                if getattr(ins, attribute):
                    _fail(f"{key}.{attribute}", getattr(ins, attribute), "must be 0 for a detainee (kind: detainee)")
    minsk = cfg.actors.minsk
    _number("actors.minsk.repression_min", minsk.repression_min, 0, minsk.repression_max)
    end = start + (cfg.engine.rounds - 1)
    changed: dict[tuple, int] = {}
    for i, event in enumerate(cfg.events):
        key = f"events[{i}].date"
        when = month(event.date, key)
        if when < start:
            _fail(key, event.date, f"must not fall before the run starts ({start}); the horizon is {start}..{end}")
        for path in event.changes:
            if not has_key(cfg, path):
                _fail(f"events[{i}].changes", path, "names no config key")
            if (
                path.startswith("engine.")
                or path.split(".")[-1] in ("utility", "strategy", "_target_")
                or "._target_" in path
            ):
                _fail(f"events[{i}].changes", path, "an event may not change engine.* or a _target_ node")
            if (when, path) in changed:
                _fail(f"events[{i}].changes", path, f"events[{changed[when, path]}] already changes it on {event.date}")
            changed[when, path] = i
        for name, state in event.instruments.items():
            if name not in cfg.goods.instruments:
                _fail(
                    f"events[{i}].instruments", name, f"no such instrument; allowed: {', '.join(cfg.goods.instruments)}"
                )
            if state not in (*INSTRUMENT_STATES, RENEWED):
                _fail(f"events[{i}].instruments.{name}", state, f"allowed: {', '.join((*INSTRUMENT_STATES, RENEWED))}")
            if state == "imposed" and cfg.goods.instruments[name].kind == "detainee":
                _fail(f"events[{i}].instruments.{name}", state, "a detainee once freed cannot be imposed again")
    # What an event sets must pass the same checks as what is typed: try the config as it is
    # after each event, in date order, before any simulation.
    if cfg.events:
        for i, event in sorted(enumerate(cfg.events), key=lambda e: month(e[1].date, "events.date")):
            later = with_changes(cfg, {}, check=False)
            for j, earlier in enumerate(cfg.events):
                if month(earlier.date, "events.date") <= month(event.date, "events.date"):
                    for path, value in earlier.changes.items():
                        try:
                            set_key(later, path, value)
                        except (TypeError, ValueError):
                            _fail(f"events[{j}].changes.{path}", value, "has the wrong type for this key")
            later.events = []
            try:
                validate(later)
            except ConfigError as err:
                raise ConfigError(f"events[{i}] ({event.date}): {err}") from None


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
