"""The EU bloc: member states voting with unanimity on relief, renewals and new listings."""

from __future__ import annotations

import functools

import numpy as np

from quidproquo.engine.actors.base import Actor
from quidproquo.engine.arrays import at, row_any, row_sum, weigh
from quidproquo.engine.instruments import SUSPENDED
from quidproquo.engine.streams import Draw, Streams


class EU(Actor):
    """The Council of the EU, as its member states.

    Each month, in this order: suspended instruments snap back if arrests surge past
    `snapback_ratio` times the base rate; instruments due for their scheduled renewal lapse if
    any member vetoes (each with its own `veto_renewal` probability); if every member sees
    enough progress -- the share of the starting political-prisoner population no longer held,
    at least its `threshold` -- the cheapest-to-lift EU instrument is suspended; and if arrests
    exceed every member's `listing_trigger` times the base rate, new listings are added.
    """

    name = "eu"

    def __init__(self, model):
        super().__init__(model)
        self.vetoes = np.zeros(self.worlds, dtype=np.int64)

    @property
    def members(self):
        return self.params.members

    @property
    def progress(self) -> np.ndarray:
        prisoners = self.model.prisoners
        return np.clip(1.0 - prisoners.total / np.maximum(prisoners.initial_total, 1), 0.0, 1.0)

    def act(self, streams: Streams) -> None:
        model, p, instruments, ledger = self.model, self.p, self.model.instruments, self.model.ledger
        mine = instruments.of("eu")
        surge = row_sum(ledger.arrests) / np.maximum(model.base_arrests, 1e-9)
        self.vetoes = np.zeros(self.worlds, dtype=np.int64)

        words = model.events.instrument_list
        instruments.snap_back(
            "eu",
            mine[None, :] & (surge >= p.snapback_ratio)[:, None],
            SUSPENDED,
            lambda i, what: "arrests surge: EU re-imposes " + words(what),
        )

        members = list(self.members)
        due = np.array(
            [
                instruments[n].sender == "eu" and instruments[n].renewal_month == model.month.month
                for n in instruments.names
            ]
        )
        for i in np.flatnonzero(due):
            vetoed = np.zeros(self.worlds, dtype=bool)
            for m, member in enumerate(members):
                veto = self.member(member, "veto_renewal")
                if np.any(veto > 0):  # a member that never vetoes needs no coin
                    vetoed |= streams.uniform(model.round, Draw.VETOES.of(16 * m + i)) < veto
            instruments.lapse(vetoed, i)
            self.vetoes += vetoed

        if members:
            strictest = functools.reduce(np.maximum, [self.member(m, "threshold") for m in members])
            all_agree = self.progress >= strictest  # unanimity: the strictest decides
            candidates = instruments.imposed & mine
            suspend = all_agree & row_any(candidates)
            rows = np.flatnonzero(suspend)
            pick = np.zeros(self.worlds, dtype=np.int64)  # only read where `suspend` holds
            lift_cost = at(np.atleast_2d(instruments.vector("lift_cost")), rows)
            pick[rows] = np.where(candidates[rows], lift_cost, np.inf).argmin(axis=1)
            instruments.suspend(suspend, pick)
            trigger = functools.reduce(np.maximum, [self.member(m, "listing_trigger") for m in members])
            instruments.add_listings((surge >= trigger) & mine.any())

    def member(self, code: str, name: str):
        """A member state's parameter: a scalar, or one value per world."""
        return self.model.parameters.get(f"actors.eu.members.{code}.{name}")

    def weights(self) -> dict[str, float]:
        p = self.p
        return {"humanitarian": p.humanitarian_weight, "unity": p.unity_weight, "pressure": p.pressure_weight}

    def flow_components(self) -> dict[str, np.ndarray]:
        model, ledger, instruments = self.model, self.model.ledger, self.model.instruments
        return {
            "humanitarian": weigh(ledger.released_deal + ledger.released_pardon, model.prisoners.valuation("eu")),
            "unity": -self.vetoes.astype(np.float64),
            "pressure": instruments.cost_in_force(instruments.of("eu")),
        }
