"""Washington: decides whether to send an envoy, prices relief in prisoners, and snaps relief back."""

from __future__ import annotations

import numpy as np

from quidproquo.engine.actors.base import Actor, build_callable
from quidproquo.engine.arrays import row_any, row_sum
from quidproquo.engine.instruments import LIFTED
from quidproquo.engine.streams import Draw, Streams
from quidproquo.engine.future import annuity


class Washington(Actor):
    """The US administration as a sender of sanctions.

    Each month it sends an envoy with probability `engagement` while anyone is held. At the
    table it asks a price that scales with what is on it -- `visit_ask` prisoners for the visit
    alone and `price` prisoners per USD m a month of relief, raised by the opposition's lobbying,
    filled from the tiers it values most (own nationals first) -- and concedes by its strategy.
    It values a deal by prisoners freed, the channel to Moscow that a deal keeps open, and the
    credibility it spends on relief; relief is dearer the more it has already given (it keeps
    some in reserve for later releases). It snaps relief back if arrests surge after a deal.
    """

    name = "washington"

    def __init__(self, model):
        super().__init__(model)
        self.strategy = build_callable(self.params.strategy, "actors.washington.strategy", (0.0, np.zeros(1)))
        self.engaged = np.zeros(self.worlds, dtype=bool)
        self.deals = np.zeros(self.worlds, dtype=np.int64)
        self.first_deal_round = np.full(self.worlds, -1, dtype=np.int64)
        self.granted = np.zeros((self.worlds, len(model.instruments.names)), dtype=bool)
        self.freed = np.zeros(self.worlds)  # prisoners freed in its deals so far

    @property
    def instruments(self) -> np.ndarray:
        return self.model.instruments.of("washington")

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
        self.engaged = (coin < self.params.engagement) & (model.prisoners.total > 0)
        ledger.engaged = self.engaged.copy()
        model.events.log("washington", "visit", self.engaged, lambda i: "envoy visit to Minsk")

    # ------------------------------------------------------------------------- at the table
    def price(self, worlds: np.ndarray, relief: np.ndarray, columns: np.ndarray | None = None) -> np.ndarray:
        """Prisoners asked for each relief set, (worlds, sets), from the shares of each
        instrument's cost and legitimacy it relieves, `relief` (worlds, sets, instruments
        `columns`, default all)."""
        p, instruments = self.params, self.model.instruments
        columns = slice(None) if columns is None else columns
        worth = instruments.monthly_cost_of(worlds)[:, columns] + instruments.vector("legitimacy")[None, columns]  # USD m a month
        lobbying = self.model.opposition.lobbying[worlds]
        return (p.visit_ask + p.price * (relief @ worth[:, :, None])[..., 0]) * (1.0 + lobbying[:, None])

    def reserve(self, worlds: np.ndarray) -> np.ndarray:
        """How much dearer relief is, per world: 1 + reserve_weight x the share of its
        instruments' lift cost already spent (relief kept for later releases), over 1 + trust x
        prisoners freed in its earlier deals (a track record makes relief defensible)."""
        p, instruments, mine = self.params, self.model.instruments, self.instruments
        lift_cost = instruments.vector("lift_cost") * mine
        spent = instruments.ladder(instruments.cost_ladder, instruments.level[worlds]) @ lift_cost
        return (1.0 + p.reserve_weight * spent / max(lift_cost.sum(), 1e-9)) / (1.0 + p.trust * self.freed[worlds])

    def step_cost(self, worlds: np.ndarray, relief: np.ndarray, cost: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """Its linear cost of each next step (worlds, instruments `columns`, steps), from the shares
        of relief and of lift cost each step adds: what orders the steps on the menu."""
        p, model = self.params, self.model
        lift_cost = (p.credibility_weight * model.instruments.vector("lift_cost")[columns])[None, :, None]
        alliance = self._eu_holds(worlds)[:, None, None] * annuity(p.discount, model.rounds - model.round)
        return cost * lift_cost + relief * (p.alliance_weight * alliance)

    def _eu_holds(self, worlds: np.ndarray) -> np.ndarray:
        instruments = self.model.instruments
        return row_any(instruments.imposed[worlds] & instruments.of("eu"))

    def value_bundles(self, worlds: np.ndarray, menu) -> np.ndarray:
        """Washington's utility of every bundle on the menu, (worlds, sets, levels)."""
        p, model = self.params, self.model
        remaining = model.rounds - model.round
        lag = model.cfg.bargaining.verification_lag
        lift_cost = model.instruments.vector("lift_cost")[menu.columns]
        components = {
            "humanitarian": menu.value_of_releases(model.prisoners.valuation("washington")),
            "channel": np.full((1, 1, 1), p.channel_value),
            "credibility": -(((menu.cost @ lift_cost) + p.relief_signal * menu.steps.any(axis=2))
                             * self.reserve(worlds)[:, None] * p.discount**lag)[:, :, None],
            "alliance": -(menu.relief.sum(axis=2) * self._eu_holds(worlds)[:, None] * annuity(p.discount, remaining, lag))[:, :, None],
        }
        return self.checked(self.utility(components, self.weights()), np.broadcast_shapes(*(np.shape(c) for c in components.values())))

    def record_deal(self, worlds: np.ndarray, steps: np.ndarray, releases: np.ndarray | None = None) -> None:
        self.deals[worlds] += 1
        if releases is not None:
            self.freed[worlds] += releases.sum(axis=1)
        first = self.first_deal_round[worlds]
        self.first_deal_round[worlds] = np.where(first < 0, self.model.round, first)
        self.granted[worlds] |= steps > 0

    def weights(self) -> dict[str, float]:
        p = self.params
        return {"humanitarian": p.humanitarian_weight, "channel": 1.0,
                "credibility": p.credibility_weight, "alliance": p.alliance_weight}

    def flow_components(self) -> dict[str, np.ndarray]:
        model, ledger, instruments = self.model, self.model.ledger, self.model.instruments
        mine = self.instruments
        excess = np.maximum(row_sum(ledger.arrests) - model.base_arrests, 0.0) * (self.deals > 0)
        eu_holds = row_any(instruments.imposed & instruments.of("eu"))
        return {
            "humanitarian": (ledger.released_deal + ledger.released_pardon) @ model.prisoners.valuation("washington"),
            "channel": ledger.deal * self.params.channel_value,
            "credibility": -((instruments.cost_spent_now * mine) @ instruments.vector("lift_cost")) - self.params.rearrest_penalty * excess,
            "alliance": -((instruments.relief_share * mine).sum(axis=1)) * eu_holds,
        }
