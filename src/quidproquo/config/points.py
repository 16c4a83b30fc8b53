"""Parameter points that run in one model: each point a block of worlds sharing its values.

A sweep, a Sobol design, a decomposition's switches and a posterior's draws all vary parameters.
Composing and simulating one model a point costs far more than the worlds themselves (a model's
fixed cost is milliseconds; a world-month is microseconds), so a `Points` table -- one row per
point, one column per dotted key (or `key@YYYY-MM`, the value a dated event sets) -- is handed to
one `BargainingModel`, which gives every varying key a (worlds,) array
(`engine/parameters.py`).

Point k's worlds are numbered 0..n-1, exactly as a run of point k alone numbers them, and a
world's random streams depend only on (seed, world number) -- so world i of point k sees the
same draws as world i of that run, and, every decision being elementwise over worlds, ends the
same: byte-identical rows (`tests/engine/test_points.py` holds it to that).

Only parameters that a decision reads world by world may vary: the actors' numbers, the EU
members', the prisoner tiers' and the instruments' numbers, and two switches of the talks. The
run's shape -- engine.*, output.*, the number of offers, release levels and steps, the
verification lag, the instruments' ladders -- is the same for every world of a model; a sweep
over those runs one job a point.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from quidproquo.config.checks import RANGES, ConfigError, dated_event, has_key, value_of
from quidproquo.config.schema import Config

# The keys that may hold one value per world (a word is one segment of a dotted key).
VARIES = [
    re.compile(p)
    for p in (
        r"actors\.(minsk|washington|eu|moscow|opposition)\.(?!utility$|strategy$|members$)\w+",
        r"actors\.eu\.members\.[\w-]+\.(threshold|veto_renewal|listing_trigger)",
        r"goods\.prisoners\.\w+\.(initial|inflow|completion_rate|pardon_rate)",
        r"goods\.prisoners\.\w+\.valuation\.(minsk|washington|eu|opposition)",
        r"goods\.instruments\.\w+\.(monthly_cost|lift_cost|legitimacy)",
        r"bargaining\.(talks|nash_weight)",
    )
]


def can_vary(key: str) -> bool:
    """May this dotted key (or `key@YYYY-MM`) hold one value per world?"""
    return any(p.fullmatch(key.partition("@")[0]) for p in VARIES)


def _range_of(key: str):
    for pattern, allowed in RANGES.items():
        if re.fullmatch(re.escape(pattern).replace(r"\*", r"[\w-]+"), key):
            return allowed
    return None


@dataclass(frozen=True)
class Points:
    """Parameter points, one row each, a column per key; every point runs `worlds` worlds."""

    table: pd.DataFrame

    def __len__(self) -> int:
        return len(self.table)

    @property
    def keys(self) -> list[str]:
        return list(self.table.columns)

    def world_ids(self, worlds: int) -> np.ndarray:
        """Each world's number within its point: 0..worlds-1, point after point."""
        return np.tile(np.arange(worlds, dtype=np.int64), len(self))

    def point_of(self, worlds: int) -> np.ndarray:
        """Each world's point."""
        return np.repeat(np.arange(len(self), dtype=np.int64), worlds)

    def varying(self, worlds: int) -> dict[str, np.ndarray]:
        """Each key's value in every world, point after point."""
        return {key: np.repeat(self.table[key].to_numpy(), worlds) for key in self.keys}


def points(cfg: Config, table: pd.DataFrame | dict[str, Any]) -> Points:
    """Checked points over `cfg`: every key may vary by world and names a key of `cfg` (a
    `key@YYYY-MM` an event that sets it), and every value passes the key's checks -- the one-line
    error names the key, the point and what is allowed."""
    table = pd.DataFrame(table).reset_index(drop=True)
    if table.empty or not len(table.columns):
        raise ConfigError("points: at least one point and one key are needed")
    out = {}
    for key in table.columns:
        path, _, date = str(key).partition("@")
        if not has_key(cfg, path):
            raise ConfigError(f"{key}: names no config key")
        if date:
            dated_event(cfg, path, date)
        if not can_vary(key):
            raise ConfigError(
                f"{key}: cannot vary from world to world within one model (it shapes the run); "
                f"its values run as separate jobs"
            )
        base = value_of(cfg, key)
        out[key] = _checked(key, table[key].to_numpy(), base)
    minimum = out.get("actors.minsk.repression_min", cfg.actors.minsk.repression_min)
    maximum = out.get("actors.minsk.repression_max", cfg.actors.minsk.repression_max)
    bad = np.flatnonzero(np.broadcast_to(np.asarray(minimum) > np.asarray(maximum), (len(table),)))
    if bad.size:
        raise ConfigError(f"actors.minsk.repression_min (point {bad[0]}): must be <= actors.minsk.repression_max")
    return Points(pd.DataFrame(out))


def _checked(key: str, values: np.ndarray, base: Any) -> np.ndarray:
    """A key's values as the type the schema gives it, each within the key's range."""
    if isinstance(base, bool):
        if values.dtype != bool and not np.isin(values, (0, 1)).all():
            k = int(np.flatnonzero(~np.isin(values, (0, 1)))[0])
            raise ConfigError(f"{key}={_shown(values[k])} (point {k}): must be true or false")
        return values.astype(bool)
    try:
        numbers = values.astype(np.float64)
    except (TypeError, ValueError):
        raise ConfigError(f"{key}: values must be numbers") from None
    if not np.isfinite(numbers).all():
        k = int(np.flatnonzero(~np.isfinite(numbers))[0])
        raise ConfigError(f"{key}={_shown(values[k])} (point {k}): must be a finite number")
    if isinstance(base, int):
        if (numbers != np.round(numbers)).any():
            k = int(np.flatnonzero(numbers != np.round(numbers))[0])
            raise ConfigError(f"{key}={_shown(values[k])} (point {k}): must be integer")
        numbers = numbers.astype(np.int64)
    allowed = _range_of(key.partition("@")[0])
    if allowed is not None:
        low = -math.inf if allowed.low is None else allowed.low
        high = math.inf if allowed.high is None else allowed.high
        wrong = (numbers < low) | (numbers > high)
        if allowed.low_open:
            wrong |= numbers == low
        if allowed.high_open:
            wrong |= numbers == high
        if wrong.any():
            k = int(np.flatnonzero(wrong)[0])
            raise ConfigError(f"{key}={_shown(values[k])} (point {k}): must be {allowed}")
    return numbers


def _shown(value) -> str:
    """A value as the user wrote it: 1.5, not np.float64(1.5)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def check_draws(cfg: Config) -> None:
    """`draws` (one value per world, from a list) under the same rules as points: each key may
    vary by world and names a key, every list has the same length, every value passes the key's
    checks -- one line naming the key otherwise."""
    lengths = {len(values) for values in cfg.draws.values()}
    if len(lengths) > 1 or 0 in lengths:
        raise ConfigError(f"draws: every key needs the same number of values, at least one; got {sorted(lengths)}")
    for key, values in cfg.draws.items():
        if not has_key(cfg, key) or "@" in key:
            raise ConfigError(f"draws.{key}: names no config key")
        if not can_vary(key):
            raise ConfigError(f"draws.{key}: cannot vary from world to world within one model (it shapes the run)")
        try:
            _checked(key, np.asarray(values), value_of(cfg, key))
        except ConfigError as err:  # "(point k)" is the k-th draw here
            raise ConfigError("draws." + str(err).replace("(point ", "(draw ")) from None


def drawn(cfg: Config, world_ids: np.ndarray) -> dict[str, np.ndarray]:
    """Each `draws` key's value in every world: world i at value i mod N."""
    out = {}
    for key, values in cfg.draws.items():
        values = np.asarray(values, dtype=np.float64)
        out[key] = values[np.asarray(world_ids) % values.size]
    return out
