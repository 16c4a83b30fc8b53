"""Washington: decides whether to send an envoy, makes offers, and snaps relief back."""

from __future__ import annotations

import numpy as np

from quidproquo.actors.base import Actor, build_callable
from quidproquo.arrays import row_any, row_sum
from quidproquo.instruments import IMPOSED, LIFTED
from quidproquo.streams import Draw, Streams
from quidproquo.utility import annuity


class Washington(Actor):
    """The US administration as a sender of sanctions.

    Each month it sends an envoy with probability `engagement` when there is anyone left to ask
    for. At the table it asks for `ask_share` of each tier (scaled up by the opposition's
    lobbying) and offers US instruments in order of their political cost to lift, conceding by
    its strategy. It values a deal by prisoners freed (own nationals first: the `foreign` tier
    carries the highest value), the channel to Moscow that a deal keeps open, and the
    credibility it spends on relief; it snaps relief back if arrests surge after a deal.
    """

    name = "washington"

    def __init__(self, model):
        super().__init__(model)
        self.strategy = build_callable(self.params.strategy, "actors.washington.strategy", (0.0, np.zeros(1)))
        self.engaged = np.zeros(self.worlds, dtype=bool)
        self.deals = np.zeros(self.worlds, dtype=np.int64)
        self.first_deal_round = np.full(self.worlds, -1, dtype=np.int64)
        self.granted = np.zeros((self.worlds, len(model.instruments.names)), dtype=bool)

    @property
    def instruments(self) -> np.ndarray:
        return self.model.instruments.of("washington")

    @property
    def offer_order(self) -> np.ndarray:
        """US instruments from cheapest to dearest to lift: the order relief is offered in."""
        cost = self.model.instruments.vector("lift_cost")
        mine = np.flatnonzero(self.instruments)
        return mine[np.argsort(cost[mine], kind="stable")]

    def ask(self, worlds: np.ndarray | None = None) -> np.ndarray:
        """Prisoners Washington asks for, per world and tier (only `worlds`, if given)."""
        prisoners = self.model.prisoners
        held = prisoners.held if worlds is None else prisoners.held[worlds]
        lobbying = self.model.opposition.lobbying if worlds is None else self.model.opposition.lobbying[worlds]
        share = np.clip(prisoners.vector("ask_share")[None, :] * (1.0 + lobbying[:, None]), 0.0, 1.0)
        return np.minimum(np.ceil(share * held), held).astype(np.int64)

    def act(self, streams: Streams) -> None:
        """Deliver staged relief that has come due, snap back after a surge, decide to engage."""
        model, instruments, ledger = self.model, self.model.instruments, self.model.ledger
        instruments.deliver_due(model.round)
        if self.params.snapback_ratio > 0:
            surge = row_sum(ledger.arrests) > self.params.snapback_ratio * model.base_arrests
            words = model.events.instrument_list
            undone = instruments.snap_back("washington", surge[:, None] & self.granted, LIFTED,
                                           lambda i, what: f"arrests surge to {ledger.arrests[i].sum()}: snapback of " + words(what))
            ledger.snapback |= row_any(undone)
            self.granted &= ~undone
        coin = streams.uniform(model.round, Draw.ENGAGEMENT)
        self.engaged = (coin < self.params.engagement) & (row_sum(self.ask()) > 0)
        ledger.engaged = self.engaged.copy()
        model.events.log("washington", "visit", self.engaged, lambda i: "envoy visit to Minsk")

    def value_bundles(self, worlds: np.ndarray, releases: np.ndarray, lift: np.ndarray) -> np.ndarray:
        """Washington's utility of bundles: `releases` (..., tiers) and `lift` (..., instruments)
        broadcast against each other, with the negotiating worlds on the leading axis."""
        p, model = self.params, self.model
        remaining = model.rounds - model.round
        lag = model.cfg.bargaining.verification_lag
        eu_holds = row_any((model.instruments.state[worlds] == IMPOSED) & model.instruments.of("eu"))
        relieved = row_sum(lift)
        components = {
            "humanitarian": releases @ model.prisoners.valuation("washington"),
            "channel": np.full(relieved.shape, p.channel_value),
            "credibility": -(lift @ model.instruments.vector("lift_cost")) * p.discount**lag,
            "alliance": -relieved * eu_holds.reshape(-1, *[1] * (relieved.ndim - 1)) * annuity(p.discount, remaining, lag),
        }
        return self.checked(self.utility(components, self.weights()), np.broadcast_shapes(*(np.shape(c) for c in components.values())))

    def record_deal(self, worlds: np.ndarray, lift: np.ndarray) -> None:
        self.deals[worlds] += 1
        first = self.first_deal_round[worlds]
        self.first_deal_round[worlds] = np.where(first < 0, self.model.round, first)
        self.granted[worlds] |= lift

    def weights(self) -> dict[str, float]:
        p = self.params
        return {"humanitarian": p.humanitarian_weight, "channel": 1.0,
                "credibility": p.credibility_weight, "alliance": p.alliance_weight}

    def flow_components(self) -> dict[str, np.ndarray]:
        model, ledger, instruments = self.model, self.model.ledger, self.model.instruments
        mine = self.instruments
        excess = np.maximum(row_sum(ledger.arrests) - model.base_arrests, 0.0) * (self.deals > 0)
        relieved = row_sum(~instruments.imposed & mine)
        eu_holds = row_any(instruments.imposed & instruments.of("eu"))
        return {
            "humanitarian": (ledger.released_deal + ledger.released_pardon) @ model.prisoners.valuation("washington"),
            "channel": ledger.deal * self.params.channel_value,
            "credibility": -((instruments.relieved_now & mine) @ instruments.vector("lift_cost")) - self.params.rearrest_penalty * excess,
            "alliance": -relieved * eu_holds,
        }
