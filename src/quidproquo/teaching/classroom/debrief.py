"""The debrief: each pair against the built-in strategies on its own world, and against theory.

For each pair: the deals the students made and what followed (prisoners released, the net change
in prisoners held, the US relief in force, each side's realised utility), beside the same numbers
for the built-in strategies playing the pair's world (the same seed, nobody seated:
`Room.baseline`, as `DashboardModel.baseline` does for play mode) over the same months. Then the
spread across pairs, and a ranking of the students in each role by what they gained over the
built-in strategy (utilities are in each actor's own units, so students are ranked within a
role, never across). Only comparable games are ranked: a student whose side the built-in
strategy played for part of the game (after an idle spell, or by the instructor's hand), or
whose pair played fewer months than the others, is listed apart, with the reason.

The export numbers months from 1, as the pages do. Its CSV files are safe to open in a
spreadsheet: a text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return (a
student's name, say) gets a leading single quote, so that it is read as text, never as a formula
(the Parquet files keep the text as it is). Each file is written to a temporary name of its own
and renamed into place, so any number of downloads at once each read a whole file.

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
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from quidproquo.config import Config
from quidproquo.engine.bargaining import TOLERANCE
from quidproquo.experiments.theory import nash_analytic, rubinstein_analytic
from quidproquo.teaching.classroom.room import BOT, Room
from quidproquo.teaching.classroom.store import OFFER_COLUMNS, OUTCOME_COLUMNS
from quidproquo.teaching.classroom.table import ROLES, Table, Talk

EXPORTS = ("offers", "outcomes", "debrief")  # the files the export writes, each as CSV and Parquet
FORMATS = ("csv", "parquet")
OUTCOMES = (
    "deals",
    "released_deal",
    "released",
    "arrests",
    "net_change",
    "relief_steps",
    "utility_washington",
    "utility_minsk",
    "share_washington",
)  # what a table's months came to (`outcome`)
SPREAD = ("deals", "released_deal", "net_change", "relief_steps", "gain_washington", "gain_minsk", "share_washington")
FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as the start of a formula


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
        f"Rubinstein, {offers} offers (Washington first, discounts {dw:g}, {dm:g})": rubinstein_analytic(
            dw, dm, offers
        ),
        f"Nash bargaining solution (weight {config.bargaining.nash_weight:g})": float(
            nash_analytic(config.bargaining.nash_weight, 0.0, 0.0)
        ),
    }


@dataclass
class Debrief:
    pairs: pd.DataFrame  # one row per pair that played a month: students' numbers and the built-in strategies'
    spread: pd.DataFrame  # per metric: mean, sd, min and max across pairs
    ranking: dict[
        str, pd.DataFrame
    ]  # role -> the students in it with comparable games, by gain over the built-in strategy
    predictions: dict[str, float]
    unranked: list[str] = field(default_factory=list)  # the students left out of the ranking, and why
    months: int = 0  # the months a comparable game has played

    @property
    def lesson(self) -> str:
        return lesson(self)


def debrief(room: Room) -> Debrief:
    names = room.names()
    rows = []
    for pair in room.pairs():
        table = room.table(pair)
        if table.month == 0:
            continue
        students, builtin = outcome(table), outcome(room.baseline(pair, table.month))
        row = {
            "pair": pair.id,
            "seed": pair.seed,
            "washington": room.player(pair, "washington", names),
            "minsk": room.player(pair, "minsk", names),
            "months": table.month,
        }
        for key in students:
            row[key], row[f"{key}_builtin"] = students[key], builtin[key]
        for role in ROLES:
            row[f"gain_{role}"] = students[f"utility_{role}"] - builtin[f"utility_{role}"]
        for role in ROLES:  # who made the side's decisions: its student, or the built-in strategy
            row[f"{role}_by_person"], row[f"{role}_by_bot"] = table.decisions(role) if pair.seat_of(role) else (0, 0)
        rows.append(row)
    columns = [
        "pair",
        "seed",
        "washington",
        "minsk",
        "months",
        *(f"{key}{which}" for key in OUTCOMES for which in ("", "_builtin")),
        *(f"gain_{role}" for role in ROLES),
        *(f"{role}_by_{who}" for role in ROLES for who in ("person", "bot")),
    ]
    pairs = pd.DataFrame(rows, columns=columns)
    spread = pd.DataFrame(
        {
            "mean": pairs[list(SPREAD)].mean(),
            "sd": pairs[list(SPREAD)].std(),
            "min": pairs[list(SPREAD)].min(),
            "max": pairs[list(SPREAD)].max(),
        },
        index=list(SPREAD),
    )
    months = int(pairs.months.max()) if len(pairs) else 0
    ranking, unranked = {}, []
    for role in ROLES:
        seated = pairs[pairs[role] != BOT]
        whole = (seated.months == months) & (seated[f"{role}_by_bot"] == 0)
        for r in seated[~whole].itertuples():
            why = [f"{r.months} of {months} months played"] if r.months < months else []
            bot = getattr(r, f"{role}_by_bot")
            if bot:
                why.append(
                    f"the built-in strategy made {bot} of the side's {bot + getattr(r, f'{role}_by_person')} decisions"
                )
            unranked.append(f"{getattr(r, role)} (pair {r.pair}, {role.capitalize()}): {' and '.join(why)}")
        seated = seated[whole]
        ranked = pd.DataFrame(
            {
                "student": seated[role],
                "pair": seated["pair"],
                "utility": seated[f"utility_{role}"],
                "builtin": seated[f"utility_{role}_builtin"],
                "gain": seated[f"gain_{role}"],
            }
        )
        ranked = ranked.sort_values(["gain", "pair"], ascending=[False, True], ignore_index=True)
        ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
        ranking[role] = ranked
    return Debrief(pairs, spread, ranking, predictions(room.config), unranked, months)


def lesson(result: Debrief) -> str:
    """The one sentence the numbers support: what the students' deals freed and how they split
    the gains, against the built-in strategies on the same worlds and against theory."""
    pairs = result.pairs
    if pairs.empty:
        return "No pair has played a month yet."
    theory = list(result.predictions.values())
    patient, last_offer, nash_split = theory[0], theory[1], theory[2]
    freed, freed_builtin = int(pairs.released_deal.sum()), int(pairs.released_deal_builtin.sum())
    deals, deals_builtin = int(pairs.deals.sum()), int(pairs.deals_builtin.sum())
    share, share_builtin = pairs.share_washington.mean(), pairs.share_washington_builtin.mean()
    freed_words = (
        f"your {deals} deals freed {freed:,} prisoners against the built-in strategies' {freed_builtin:,} "
        f"in {deals_builtin} deals on the same worlds"
    )
    if deals == 0:
        return (
            f"No pair made a deal, so nobody was freed by talks, against {freed_builtin:,} the built-in strategies "
            f"freed in {deals_builtin} deals on the same worlds: holding out for a better bundle has a price."
        )
    if np.isnan(share):
        return f"{freed_words[0].upper()}{freed_words[1:]}."
    near = min(
        (
            (abs(share - patient), f"Rubinstein's {patient:.2f} for patient sides without a deadline"),
            (abs(share - nash_split), f"the Nash solution's {nash_split:.2f}"),
            (abs(share - last_offer), f"the {last_offer:.2f} Rubinstein gives when Minsk makes the month's last offer"),
        )
    )[1]
    against = "" if np.isnan(share_builtin) else f" (the built-in strategies: {share_builtin:.2f})"
    return (
        f"{freed_words[0].upper()}{freed_words[1:]}, and gave Washington {share:.2f} of the gains from trade{against}"
        f" -- nearest {near}."
    )


def tables(room: Room) -> dict[str, pd.DataFrame]:
    """The export: every offer and every month's outcome as stored, and the debrief's pairs; months from 1."""
    with room.lock:
        offers = pd.DataFrame(room.store.rows("offers"), columns=list(OFFER_COLUMNS))
        outcomes = pd.DataFrame(room.store.rows("outcomes"), columns=list(OUTCOME_COLUMNS))
    for frame in (offers, outcomes):
        frame["month"] += 1  # the pages' numbering: the first month is month 1
    return {"offers": offers, "outcomes": outcomes, "debrief": debrief(room).pairs}


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell that a spreadsheet would read as a formula quoted as text."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA) else v)
    return out


def export(room: Room) -> dict[str, Path]:
    """Write the export into the session folder (`offers.csv`, `offers.parquet`, ...); the paths."""
    written = {}
    for name, frame in tables(room).items():
        for kind in FORMATS:
            path = room.folder / f"{name}.{kind}"
            # Written aside under a name of its own, then renamed: a download never reads half a
            # file, and two exports at once never write into one file.
            handle, partial = tempfile.mkstemp(dir=room.folder, prefix=f".{path.name}.", suffix=".partial")
            try:
                with os.fdopen(handle, "wb") as out:
                    if kind == "csv":
                        spreadsheet_safe(frame).to_csv(out, index=False)
                    else:
                        frame.to_parquet(out, index=False)
                os.replace(partial, path)
            except BaseException:
                Path(partial).unlink(missing_ok=True)
                raise
            written[f"{name}.{kind}"] = path
    return written
