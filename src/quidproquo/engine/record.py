"""The record of a run: the event log in plain words, and every round of every world in
preallocated (round x world) arrays that become tidy tables at the end."""

from __future__ import annotations

import numpy as np
import pandas as pd

from quidproquo.engine.future import power
from quidproquo.engine.instruments import STATE_NAMES, relief_in_force

EVENT_COLUMNS = ["world", "round", "date", "actor", "kind", "text"]
OFFER_COLUMNS = [
    "world",
    "round",
    "date",
    "step",
    "proposer",
    "candidate",
    "value_washington",
    "value_minsk",
    "accepted",
]


class WorldMean:
    """A model metric read by name (Mesa's reporters): the mean over worlds of an array the model
    holds, given by its dotted path from the model (`"moscow.pressure"`)."""

    def __init__(self, path: str, doc: str):
        self.path, self.__doc__ = path.split("."), f"Mean over worlds: {doc}."

    def __get__(self, model, owner=None):
        if model is None:
            return self
        value = model
        for part in self.path:
            value = getattr(value, part)
        return float(np.mean(value))


class EventLog:
    """The plain-words log of the logged worlds (positions `logged` of the model's worlds):
    "2025-06: envoy visit; Minsk releases 14 (1 prominent, 9 foreign); no relief".

    It owns the wording of tiers and relief, so every line names them the same way.
    """

    def __init__(self, model):
        self.model = model
        self.logged = np.flatnonzero(model.world_ids < model.cfg.output.event_log_worlds)  # positions
        self.rows: list[tuple] = []
        self._month: tuple[int, str] = (-1, "")

    def log_one(self, i: int, actor: str, kind: str, text: str) -> None:
        """Add a line to the log of the world at position `i`."""
        m = self.model
        if self._month[0] != m.round:  # the month's label, made once a month: logs are many, months few
            self._month = (m.round, m.month_label)
        self.rows.append((int(m.world_ids[i]), m.round, self._month[1], actor, kind, text))

    def log(self, actor: str, kind: str, mask: np.ndarray | None, text) -> None:
        """Add a line `text(i)` for each logged world position i where `mask` holds (None: all)."""
        for i in self.logged:
            if mask is None or mask[i]:
                self.log_one(i, actor, kind, text(i))

    def named(self, actor: str) -> str:
        """Who plays an actor's role in this case (`case.names`): Minsk, or Caracas."""
        return self.model.cfg.case.names.get(actor, actor.capitalize())

    def tier_list(self, counts: np.ndarray) -> str:
        """'24 (20 rank_and_file, 4 foreign)', or '0'."""
        parts = [f"{n} {tier}" for tier, n in zip(self.model.prisoners.tiers, counts) if n]
        return f"{int(np.sum(counts))} ({', '.join(parts)})" if parts else "0"

    def instrument_list(self, mask: np.ndarray) -> str:
        return ", ".join(n for n, on in zip(self.model.instruments.names, mask) if on) or "nothing"

    def relief_words(self, steps: np.ndarray, before: np.ndarray) -> str:
        """'relief: potash licence, belavia licence + general licence', or 'no relief', for
        `steps` of relief per instrument granted on top of levels `before`."""
        instruments = self.model.instruments
        parts = [
            f"{name} {' + '.join(instruments[name].steps[b : b + n])}"
            for name, n, b in zip(instruments.names, steps, before)
            if n > 0
        ]
        return f"relief: {', '.join(parts)}" if parts else "no relief"

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=EVENT_COLUMNS).sort_values(
            ["world", "round"], kind="stable", ignore_index=True
        )


class Recorder:
    """Collects every round of every world into arrays, and turns them into tables."""

    def __init__(self, model):
        rounds, worlds = model.rounds, model.num_worlds
        tiers, instruments = len(model.prisoners.tiers), len(model.instruments.names)
        floats = lambda: np.zeros((rounds, worlds), dtype=np.float64)  # noqa: E731
        self.prisoners = np.zeros((rounds, worlds, tiers), dtype=np.int32)
        # Per-tier flows, so that every tier's stock can be checked against its flows.
        self.tier_flows = {
            name: np.zeros((rounds, worlds, tiers), dtype=np.int32)
            for name in ("arrests", "released_deal", "released_pardon", "completed")
        }
        self.sanctions_cost, self.moscow_pressure, self.mobilisation, self.repression = (
            floats(),
            floats(),
            floats(),
            floats(),
        )
        self.us_engaged = np.zeros((rounds, worlds), dtype=bool)
        self.deal = np.zeros((rounds, worlds), dtype=bool)
        self.instruments = np.zeros((rounds, worlds, instruments), dtype=np.int8)
        self.levels = np.zeros((rounds, worlds, instruments), dtype=np.int8)  # steps of relief in force
        self.utility = np.zeros((rounds, worlds, len(model.actors)), dtype=np.float64)
        self.offers: list[tuple] = []  # every offer made in the logged worlds, with both sides' values
        self.recorded = 0

    def record(self, model) -> None:
        r, ledger = model.round, model.ledger
        self.prisoners[r] = model.prisoners.held
        for name, flows in self.tier_flows.items():
            flows[r] = getattr(ledger, name)
        self.sanctions_cost[r] = model.instruments.sanctions_cost
        self.moscow_pressure[r] = model.moscow.pressure
        self.mobilisation[r] = model.opposition.mobilisation
        self.repression[r] = model.minsk.repression
        self.us_engaged[r] = ledger.engaged
        self.deal[r] = ledger.deal
        self.instruments[r] = model.instruments.state
        self.levels[r] = model.instruments.level
        for a, actor in enumerate(model.actors):
            self.utility[r, :, a] = actor.flow_utility()
        self.recorded = r + 1

    def realised_utility(self, model, actor: str) -> np.ndarray:
        """Each world's discounted sum of an actor's monthly utility over the months recorded,
        added month by month in order: a world's sum never depends on how many worlds ran beside
        it (a matrix product orders its sums by the array's shape)."""
        index = [a.name for a in model.actors].index(actor)
        discount = np.asarray(model.actors[index].p.discount, dtype=np.float64)
        total = np.zeros(model.num_worlds)
        for r in range(self.recorded):
            total += power(discount, r) * self.utility[r, :, index]
        return total

    # Totals over tiers, derived from the per-tier flows when asked for (round x world).
    def _total(self, name: str) -> np.ndarray:
        return self.tier_flows[name].sum(axis=2, dtype=np.int32)

    arrests = property(lambda self: self._total("arrests"))
    released_deal = property(lambda self: self._total("released_deal"))
    released_pardon = property(lambda self: self._total("released_pardon"))
    released_completion = property(lambda self: self._total("completed"))

    # ------------------------------------------------------------------------------ tables
    def rounds_table(self, model, worlds: slice = slice(None)) -> pd.DataFrame:
        """One row per (world, round), world-major; `worlds` the positions of the worlds wanted
        (all by default). Columns are built one at a time from the record's arrays for those
        worlds only, so a slice costs its own rows and no more (`rounds_parts`)."""
        n = self.recorded
        ids = model.world_ids[worlds]
        count = ids.size
        flat = lambda a: a[:n, worlds].T.reshape(-1)  # noqa: E731  (round, world) -> world-major rows
        total = lambda name: self.tier_flows[name][:n, worlds].sum(axis=2, dtype=np.int32).T.reshape(-1)  # noqa: E731
        dates = pd.period_range(model.start, periods=n, freq="M").to_timestamp()
        table = {
            "world": np.repeat(ids, n).astype(np.int64),
            "round": np.tile(np.arange(n, dtype=np.int64), count),
            "date": np.tile(dates.values.astype("datetime64[s]"), count),
            "prisoners_held": self.prisoners[:n, worlds].sum(axis=2).T.reshape(-1),
        }
        for t, tier in enumerate(model.prisoners.tiers):
            table[f"prisoners_{tier}"] = flat(self.prisoners[:, :, t])
        table.update(
            {
                "arrests": total("arrests"),
                "released_deal": total("released_deal"),
                "released_pardon": total("released_pardon"),
                "released_completion": total("completed"),
                "sanctions_cost": flat(self.sanctions_cost),
                "us_engaged": flat(self.us_engaged),
                "deal": flat(self.deal),
                "moscow_pressure": flat(self.moscow_pressure),
                "mobilisation": flat(self.mobilisation),
                "repression": flat(self.repression),
            }
        )
        for a, actor in enumerate(model.actors):
            table[f"utility_{actor.name}"] = flat(self.utility[:, :, a])
        for i, name in enumerate(model.instruments.names):
            table[f"instrument_{name}"] = pd.Categorical.from_codes(flat(self.instruments[:, :, i]), STATE_NAMES)
            table[f"relief_{name}"] = flat(self.levels[:, :, i])
        return pd.DataFrame(table)

    def rounds_parts(self, model, rows: int = 1 << 16):
        """The rounds table in parts of whole worlds, about `rows` rows each, in order: what
        `storage.write_parquet_parts` writes without the whole table ever being in memory (at
        100,000 worlds x 36 months the whole table and its copies cost twice the record)."""
        per = max(1, rows // max(1, self.recorded))
        for first in range(0, model.num_worlds, per):
            yield self.rounds_table(model, slice(first, first + per))

    def worlds_table(self, model) -> pd.DataFrame:
        """One row per world: totals, timing of the first deal and of each relief, utilities."""
        n = self.recorded
        released = (self.released_deal[:n] + self.released_pardon[:n] + self.released_completion[:n]).sum(axis=0)
        arrested = self.arrests[:n].sum(axis=0)
        first = model.washington.first_deal_round
        table = {
            "world": model.world_ids.astype(np.int64),
            "total_released": released.astype(np.int64),
            "total_arrested": arrested.astype(np.int64),
            "net_change": (self.prisoners[n - 1].sum(axis=1) - model.prisoners.initial_total).astype(np.int64),
            "first_deal_round": pd.array(np.where(first >= 0, first, 0), dtype="Int64"),
            "deals": model.washington.deals.astype(np.int64),
            "released_deal": self.released_deal[:n].sum(axis=0).astype(np.int64),
            "released_pardon": self.released_pardon[:n].sum(axis=0).astype(np.int64),
            "released_completion": self.released_completion[:n].sum(axis=0).astype(np.int64),
            "prisoners_held_final": self.prisoners[n - 1].sum(axis=1).astype(np.int64),
        }
        table["first_deal_round"][first < 0] = pd.NA
        table["unilateral_releases"] = model.minsk.gestures.astype(np.int64)
        relieved = relief_in_force(self.instruments[:n], self.levels[:n])  # (round, world, instrument)
        instruments = model.instruments
        for i, name in enumerate(instruments.names):
            table[f"lifted_{name}"] = first_round(relieved[:, :, i])
            if instruments[name].sender == "washington":
                for k in range(1, instruments.step_count[i] + 1):
                    table[f"relief_{name}_{k}"] = first_round(self.levels[:n, :, i] >= k)
        for actor in model.actors:
            table[f"utility_{actor.name}"] = self.realised_utility(model, actor.name)
        return pd.DataFrame(table)

    def offers_table(self) -> pd.DataFrame:
        """One row per offer made in a logged world: who proposed which candidate (a bundle's
        index, or Washington's share of a divisible good), what it was worth to each side, and
        whether it was accepted."""
        return pd.DataFrame(self.offers, columns=OFFER_COLUMNS)


def first_round(flags: np.ndarray) -> pd.array:
    """Per world, the first round a (round, world) flag holds; NA where it never does."""
    column = pd.array(flags.argmax(axis=0), dtype="Int64")
    column[~flags.any(axis=0)] = pd.NA
    return column
