"""The debrief: each pair against the built-in strategies on its own world, and against theory.

For each pair: the deals the students made and what followed (prisoners released, the net change
in prisoners held, the US relief in force, each side's realised utility), beside the same numbers
for the built-in strategies playing the pair's world (the same seed, nobody seated:
`Room.baseline`, as `DashboardModel.baseline` does for play mode) over the same months. Then the
spread across pairs, and a ranking of the students in each role by what they gained over the
built-in strategy (utilities are in each actor's own units, so students are ranked within a
role, never across).

Against theory, each deal is read as a split of the gains from trade: on the month's menu, a
side's gain is its utility of the deal above its utility of no deal, as a share of the most it
could gain in the zone of agreement (the bundles both sides' rules would accept). Washington's
share of the gains is its gain over the sum of both (a gain below no deal counts as none). For a
divisible good with linear utilities and no-deal values 0 this is Washington's share of the good
itself, so it is set beside the theory's predictions for the same parameters (`theory.py`):
Rubinstein's subgame-perfect split with the two sides' discount factors -- without a deadline,
and with the month's two offers (Washington first, Minsk last) -- and the Nash bargaining
solution with the configured weight.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from quidproquo.engine.bargaining import TOLERANCE
from quidproquo.teaching.classroom.room import BOT, Room
from quidproquo.teaching.classroom.store import OFFER_COLUMNS, OUTCOME_COLUMNS
from quidproquo.teaching.classroom.table import ROLES, Table, Talk
from quidproquo.config import Config
from quidproquo.experiments.theory import nash_analytic, rubinstein_analytic

EXPORTS = ("offers", "outcomes", "debrief")  # the files the export writes, each as CSV and Parquet
FORMATS = ("csv", "parquet")
OUTCOMES = ("deals", "released_deal", "released", "arrests", "net_change", "relief_steps", "utility_washington", "utility_minsk",
            "share_washington")  # what a table's months came to (`outcome`)
SPREAD = ("deals", "released_deal", "net_change", "relief_steps", "gain_washington", "gain_minsk", "share_washington")


def gains_share(talk: Talk, candidate: int) -> float:
    """Washington's share of the gains from trade of `candidate` on the month's menu (NaN where
    there is no zone of agreement to measure against)."""
    w, m = talk.values["washington"], talk.values["minsk"]
    rw, rm = talk.reservation["washington"], talk.reservation["minsk"]
    zone = np.isfinite(w) & np.isfinite(m) & (w >= rw - TOLERANCE) & (m >= rm - TOLERANCE)
    if not zone.any():
        return float("nan")
    most_w, most_m = w[zone].max() - rw, m[zone].max() - rm
    if most_w <= TOLERANCE or most_m <= TOLERANCE:
        return float("nan")  # a zone where one side can gain nothing: no split to speak of
    gain_w, gain_m = max((w[candidate] - rw) / most_w, 0.0), max((m[candidate] - rm) / most_m, 0.0)
    return float(gain_w / (gain_w + gain_m)) if gain_w + gain_m > 0 else float("nan")


def outcome(table: Table) -> dict[str, float]:
    """What a table's months played came to."""
    model, n = table.model, table.month
    record = model.recorder
    shares = [gains_share(talk, talk.deal) for talk in table.played if talk.deal is not None]
    shares = [s for s in shares if np.isfinite(s)]
    released = sum(int(record.tier_flows[k][:n, 0].sum()) for k in ("released_deal", "released_pardon", "completed"))
    out = {
        "deals": int(record.deal[:n, 0].sum()),
        "released_deal": int(record.tier_flows["released_deal"][:n, 0].sum()),
        "released": released,
        "arrests": int(record.tier_flows["arrests"][:n, 0].sum()),
        "net_change": int(record.prisoners[n - 1, 0].sum() - model.prisoners.initial_total) if n else 0,
        "relief_steps": int(record.levels[n - 1, 0][model.instruments.of("washington")].sum()) if n else 0,
        "utility_washington": table.realised_utility("washington"),
        "utility_minsk": table.realised_utility("minsk"),
        "share_washington": float(np.mean(shares)) if shares else float("nan"),
    }
    return {key: out[key] for key in OUTCOMES}


def predictions(config: Config) -> dict[str, float]:
    """Washington's share by bargaining theory, for the session's discount factors and weight."""
    dw, dm = config.actors.washington.discount, config.actors.minsk.discount
    offers = config.bargaining.max_offers
    return {
        f"Rubinstein, no deadline (discounts {dw:g}, {dm:g})": rubinstein_analytic(dw, dm),
        f"Rubinstein, {offers} offers (Washington first, discounts {dw:g}, {dm:g})": rubinstein_analytic(dw, dm, offers),
        f"Nash bargaining solution (weight {config.bargaining.nash_weight:g})": float(nash_analytic(config.bargaining.nash_weight, 0.0, 0.0)),
    }


@dataclass
class Debrief:
    pairs: pd.DataFrame  # one row per pair that played a month: students' numbers and the built-in strategies'
    spread: pd.DataFrame  # per metric: mean, sd, min and max across pairs
    ranking: dict[str, pd.DataFrame]  # role -> the students in it, by gain over the built-in strategy
    predictions: dict[str, float]


def debrief(room: Room) -> Debrief:
    names = room.names()
    rows = []
    for pair in room.pairs():
        table = room.table(pair)
        if table.month == 0:
            continue
        students, builtin = outcome(table), outcome(room.baseline(pair, table.month))
        row = {"pair": pair.id, "seed": pair.seed, "washington": room.player(pair, "washington", names),
               "minsk": room.player(pair, "minsk", names), "months": table.month}
        for key in students:
            row[key], row[f"{key}_builtin"] = students[key], builtin[key]
        for role in ROLES:
            row[f"gain_{role}"] = students[f"utility_{role}"] - builtin[f"utility_{role}"]
        rows.append(row)
    columns = ["pair", "seed", "washington", "minsk", "months", *(f"{key}{which}" for key in OUTCOMES for which in ("", "_builtin")),
               *(f"gain_{role}" for role in ROLES)]
    pairs = pd.DataFrame(rows, columns=columns)
    spread = pd.DataFrame({"mean": pairs[list(SPREAD)].mean(), "sd": pairs[list(SPREAD)].std(),
                           "min": pairs[list(SPREAD)].min(), "max": pairs[list(SPREAD)].max()}, index=list(SPREAD))
    ranking = {}
    for role in ROLES:
        seated = pairs[pairs[role] != BOT]
        ranked = pd.DataFrame({"student": seated[role], "pair": seated["pair"], "utility": seated[f"utility_{role}"],
                               "builtin": seated[f"utility_{role}_builtin"], "gain": seated[f"gain_{role}"]})
        ranked = ranked.sort_values(["gain", "pair"], ascending=[False, True], ignore_index=True)
        ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
        ranking[role] = ranked
    return Debrief(pairs, spread, ranking, predictions(room.config))


def tables(room: Room) -> dict[str, pd.DataFrame]:
    """The export: every offer and every month's outcome as stored, and the debrief's pairs."""
    with room.lock:
        offers = pd.DataFrame(room.store.rows("offers"), columns=list(OFFER_COLUMNS))
        outcomes = pd.DataFrame(room.store.rows("outcomes"), columns=list(OUTCOME_COLUMNS))
    return {"offers": offers, "outcomes": outcomes, "debrief": debrief(room).pairs}


def export(room: Room) -> dict[str, Path]:
    """Write the export into the session folder (`offers.csv`, `offers.parquet`, ...); the paths."""
    written = {}
    for name, frame in tables(room).items():
        for kind in FORMATS:
            path = room.folder / f"{name}.{kind}"
            partial = path.with_name(f".{path.name}.partial")
            # Written aside, then renamed: a download never reads half a file.
            frame.to_csv(partial, index=False) if kind == "csv" else frame.to_parquet(partial, index=False)
            os.replace(partial, path)
            written[f"{name}.{kind}"] = path
    return written
