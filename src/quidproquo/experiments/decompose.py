"""The gap between two scenarios over time, and its decomposition by mechanism.

`gap_over_time` compares A with B (e.g. thaw with freeze) world by world -- both run on the same
seed and world indices -- in prisoners held after 12, 24 and 36 months and in prisoner-months
(the sum over the months of the prisoners held: how much imprisonment the policy adds or
spares, not only where it ends).

`decompose` splits that gap among the model's mechanisms by switching each off in A's paired
worlds (`CHANNELS`): the deal releases (the talks), goodwill pardons around visits, the hostage
market's extra arrests, Moscow's pressure, and the opposition's mobilisation by freed leaders.
Switched on and off in every combination (2^5 runs of A), each mechanism's share is its Shapley
value: its effect averaged over the orders in which the mechanisms could be added, so that
interactions are split fairly and the shares add up exactly. With every mechanism off, A still
differs from B in what the mechanisms do not cover (e.g. EU members' vetoes, scheduled events);
that rest is reported as "other", and the shares plus "other" are the total gap.
"""

from __future__ import annotations

import itertools
from math import factorial

import numpy as np
import pandas as pd

from quidproquo.config import Config, month, value_of, with_changes
from quidproquo.engine.model import BargainingModel
from quidproquo.experiments.bands import BAND90

CHANNELS: dict[str, dict[str, object]] = {
    "deal releases": {"bargaining.talks": False},
    "goodwill pardons": {"actors.minsk.goodwill": 0.0},
    "hostage-market arrests": {"actors.minsk.hostage_elasticity": 0.0},
    "Moscow pressure": {
        "actors.moscow.responsiveness": 0.0,
        "actors.moscow.channel_benefit": 0.0,
        "actors.moscow.engagement_drift": 0.0,
    },
    "opposition mobilisation": {"actors.opposition.exile_effect": 0.0},
}
MONTHS = (12, 24, 36)


def measures(held: np.ndarray) -> dict[str, np.ndarray]:
    """Per world, from prisoners held (rounds, worlds): the stock after 12, 24, 36 months (where
    the run is that long) and the prisoner-months over the whole run."""
    out = {f"held after {m} months": held[m - 1] for m in MONTHS if m <= held.shape[0]}
    out["prisoner-months"] = held.sum(axis=0)
    return out


def held_of(cfg: Config) -> np.ndarray:
    """Prisoners held, (rounds, worlds), of a run without event log."""
    quiet = with_changes(cfg, {"output.event_log_worlds": 0}, check=False)
    model = BargainingModel(config=quiet).run()
    return model.recorder.prisoners.sum(axis=2).astype(np.float64)


def switches(cfg: Config) -> pd.DataFrame:
    """One row per combination of mechanisms on and off (2^5 rows, the first all off), a column
    per key `CHANNELS` switches: its value when on is the config's, when off the switch's. Where a
    dated event sets a switched key, the event's value is switched too (`key@YYYY-MM`), so that off
    is off all run long and on is exactly the scenario."""
    names = list(CHANNELS)
    dated = {
        (path, str(month(e.date, "events.date"))): e.changes[path]
        for e in cfg.events
        for name in names
        for path in CHANNELS[name]
        if path in e.changes
    }
    rows = []
    for on in itertools.product((False, True), repeat=len(names)):
        row = {}
        for name, flag in zip(names, on):
            for key, off in CHANNELS[name].items():
                row[key] = value_of(cfg, key) if flag else off
                for (path, date), value in dated.items():
                    if path == key:
                        row[f"{key}@{date}"] = value if flag else off
        rows.append(row)
    return pd.DataFrame(rows)


def decomposition_worlds(worlds: int) -> int:
    """How many of the paired worlds the decomposition runs: all of them up to 1,000 (so its
    "total" is the paired gap itself), beyond that an eighth of them (its 32 combinations over an
    eighth cost about twice one run) but never fewer than 1,000."""
    return min(worlds, max(1000, -(-worlds // 8)))


def gap_over_time(held_a: np.ndarray, held_b: np.ndarray) -> pd.DataFrame:
    """Per measure: mean of A, mean of B, the mean paired difference A - B and its 5-95% range across worlds."""
    rows = []
    a, b = measures(held_a), measures(held_b)
    for name in a:
        diff = a[name] - b[name]
        rows.append((name, a[name].mean(), b[name].mean(), diff.mean(), *np.quantile(diff, BAND90)))
    out = pd.DataFrame(rows, columns=["measure", "mean_a", "mean_b", "gap", "gap_q05", "gap_q95"])
    out["worlds"] = held_a.shape[1]
    return out


def decompose(cfg_a: Config, held_b: np.ndarray, on_month=None, by_month: list | None = None) -> pd.DataFrame:
    """Shapley shares of the mean gap A - B per measure: one row per (measure, mechanism), the
    mechanisms of `CHANNELS`, "other" and "total"; for each measure the shares and "other" sum
    to "total". The 32 combinations run as points of one model (`batch.run_points`) over the first
    `decomposition_worlds` paired worlds (so "total" is the gap in those worlds). `on_month` is
    told the world-months of every month run (progress); a `by_month` list receives the shares
    of the mean gap in prisoners held month by month (`monthly_shares`), for the figure."""
    from quidproquo.experiments.batch import run_points

    worlds = decomposition_worlds(cfg_a.engine.worlds)
    cfg = with_changes(cfg_a, {"engine.worlds": worlds}, check=False)
    table = switches(cfg)
    held: dict[int, np.ndarray] = {}

    def collect(model, first):
        prisoners = model.recorder.prisoners[: model.recorder.recorded].sum(axis=2).astype(np.float64)
        for k in range(len(model.points)):
            held[first + k] = prisoners[:, k * worlds : (k + 1) * worlds]

    run_points(cfg, table, on_model=collect, on_month=on_month)
    held_a = [held[index] for index in range(len(table))]
    if by_month is not None:
        by_month.append(monthly_shares(held_a, held_b[:, :worlds]))
    return shares(held_a, held_b[:, :worlds])


def shapley(value: dict[frozenset, np.ndarray], names: list[str]):
    """Each mechanism's Shapley value from `value` -- the gap with each set of mechanisms on (a
    number or an array: per month, per world) -- its effect averaged over the orders in which the
    mechanisms could be added."""
    n, out = len(names), {}
    for name in names:
        share = 0.0
        others = [x for x in names if x != name]
        for size in range(n):
            weight = factorial(size) * factorial(n - size - 1) / factorial(n)
            for subset in itertools.combinations(others, size):
                share = share + weight * (value[frozenset(subset) | {name}] - value[frozenset(subset)])
        out[name] = share
    return out


def monthly_shares(held_a: list[np.ndarray], held_b: np.ndarray) -> pd.DataFrame:
    """Round, mechanism and share of the mean gap A - B in prisoners held in that month: the
    Shapley shares of `shares`, month by month (rows "other" and "total" as there)."""
    names = list(CHANNELS)
    n = len(names)
    b = held_b.mean(axis=1)
    value = {
        frozenset(name for name, flag in zip(names, on) if flag): held_a[index].mean(axis=1) - b
        for index, on in enumerate(itertools.product((False, True), repeat=n))
    }
    rows = [
        pd.DataFrame({"round": np.arange(b.size), "mechanism": name, "gap": share})
        for name, share in shapley(value, names).items()
    ]
    for name, part in (("other", value[frozenset()]), ("total", value[frozenset(names)])):
        rows.append(pd.DataFrame({"round": np.arange(b.size), "mechanism": name, "gap": part}))
    return pd.concat(rows, ignore_index=True)


def shares(held_a: list[np.ndarray], held_b: np.ndarray) -> pd.DataFrame:
    """The Shapley shares of `decompose` from A's prisoners held (rounds, worlds) in each
    combination of `switches`, in its order, and B's over the same worlds."""
    names = list(CHANNELS)
    n = len(names)
    b = {k: v.mean() for k, v in measures(held_b).items()}
    value: dict[frozenset, dict[str, float]] = {}
    for index, on in enumerate(itertools.product((False, True), repeat=n)):
        active = frozenset(name for name, flag in zip(names, on) if flag)
        a = measures(held_a[index])
        value[active] = {k: a[k].mean() - b[k] for k in a}
    rows = []
    everything = frozenset(names)
    for measure in value[everything]:
        parts = shapley({active: v[measure] for active, v in value.items()}, names)
        rows += [(measure, name, share) for name, share in parts.items()]
        rows.append((measure, "other", value[frozenset()][measure]))
        rows.append((measure, "total", value[everything][measure]))
    out = pd.DataFrame(rows, columns=["measure", "mechanism", "gap"])
    out["worlds"] = held_b.shape[1]  # how many paired worlds the shares are over
    return out
