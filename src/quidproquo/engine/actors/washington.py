"""Washington: decides whether to send an envoy, prices relief in prisoners, and snaps relief back."""

from __future__ import annotations

import numpy as np

from quidproquo.engine.actors.base import Actor, build_callable
from quidproquo.engine.arrays import at, column, row_any, row_sum, total, weigh
from quidproquo.engine.future import lasting, power
from quidproquo.engine.instruments import LIFTED
from quidproquo.engine.streams import Draw, Streams


class Washington(Actor):
    """The US administration as a sender of sanctions.

    Each month it sends an envoy with probability `engagement` while anyone is held. At the
    table it asks a price that scales with what is on it -- `visit_ask` of everyone held at the
    start for the visit alone, plus `price` of them for all the relief it could give (each
    instrument weighed by what it costs Minsk a month and the legitimacy it withholds), raised by
    the opposition's lobbying, filled from the tiers it values most (own nationals first) -- and
    concedes by its strategy. Both are shares, as is `trust` (per share of everyone held freed in
    its earlier deals), so the same behaviour asks 5 of 273 or 21 of 1,183: a case of any size.
    It values a deal by prisoners freed, the channel to Moscow that a deal keeps open, and the
    credibility it spends on relief; relief is dearer the more it has already given (it keeps
    some in reserve for later releases). It snaps relief back if arrests surge after a deal, and
    at the end of a licence's term (an instrument's `duration`) renews it unless arrests that month
    exceed `renewal_ratio` times the base rate.
    """

    name = "washington"

    def __init__(self, model):
        super().__init__(model)
        self.strategy = build_callable(self.params.strategy, "actors.washington.strategy", (0.0, np.zeros(1)))
        self.engaged = np.zeros(self.worlds, dtype=bool)
        self.deals = np.zeros(self.worlds, dtype=np.int64)
        self.first_deal_round = np.full(self.worlds, -1, dtype=np.int64)
        # Relief it has granted (what a snapback may undo): at the start, what is in force of its own.
        self.granted = ~model.instruments.imposed & model.instruments.of("washington")
        self.freed = np.broadcast_to(np.asarray(self.p.track_record, dtype=np.float64), (self.worlds,)).copy()
        # What everyone held at the start is worth to it: the yardstick of relief_signal, a share.
        self.stake = np.broadcast_to(
            weigh(model.prisoners.held, model.prisoners.valuation("washington")), (self.worlds,)
        ).astype(np.float64)
        # The yardsticks of its shares: everyone held at the start, and what all its relief is
        # worth to Minsk a month (cost and legitimacy, USD m) -- per world, as either may vary.
        self.held_at_start = np.maximum(np.broadcast_to(model.prisoners.initial_total, (self.worlds,)), 1).astype(
            np.float64
        )
        mine = model.instruments.of("washington")
        legitimacy = np.atleast_2d(model.instruments.vector("legitimacy"))
        worth = (model.instruments.monthly_cost_of(None) + legitimacy) * mine
        self.relief_worth = np.maximum(worth.sum(axis=1), 1e-9)

    @property
    def instruments(self) -> np.ndarray:
        return self.model.instruments.of("washington")

    def act(self, streams: Streams) -> None:
        """Deliver staged relief that has come due, snap back after a surge, decide to engage."""
        model, instruments, ledger, p = self.model, self.model.instruments, self.model.ledger, self.p
        instruments.deliver_due(model.round)
        if instruments.duration.any():  # licences with a term: renew, or let lapse
            renewal_ratio = np.broadcast_to(np.asarray(p.renewal_ratio, dtype=np.float64), (self.worlds,))
            calm = row_sum(ledger.arrests) <= renewal_ratio * model.base_arrests
            self.granted &= ~instruments.expire(model.round, calm & (renewal_ratio > 0))
        if np.any(p.snapback_ratio > 0):  # 0: never (in that world)
            surge = self.surging()
            words = model.events.instrument_list
            undone = instruments.snap_back(
                "washington",
                surge[:, None] & self.granted,
                LIFTED,
                lambda i, what: f"arrests surge to {ledger.arrests[i].sum()}: snapback of " + words(what),
            )
            ledger.snapback |= row_any(undone)
            self.granted &= ~undone
        coin = streams.uniform(model.round, Draw.ENGAGEMENT)
        self.engaged = (coin < p.engagement) & (model.prisoners.total > 0)
        ledger.engaged = self.engaged.copy()
        target = model.events.named("minsk")
        model.events.log("washington", "visit", self.engaged, lambda i: f"envoy visit to {target}")

    # ------------------------------------------------------------------------- at the table
    def surging(self) -> np.ndarray:
        """Worlds whose arrests this month are past its snapback threshold (never where it is 0):
        it snaps its relief back there, and offers none at the table -- relief granted now would be
        snapped back at once (releases alone may still be bought)."""
        p = self.p
        return (row_sum(self.model.ledger.arrests) > p.snapback_ratio * self.model.base_arrests) & (
            p.snapback_ratio > 0
        )

    def price(self, worlds: np.ndarray, relief: np.ndarray, columns: np.ndarray | None = None) -> np.ndarray:
        """Prisoners asked for each relief set, (worlds, sets), from the shares of each
        instrument's cost and legitimacy it relieves, `relief` (worlds, sets, instruments
        `columns`, default all)."""
        p, instruments = self.p_at(worlds), self.model.instruments
        columns = slice(None) if columns is None else columns
        legitimacy = at(np.atleast_2d(instruments.vector("legitimacy")), worlds)[:, columns]
        worth = instruments.monthly_cost_of(worlds)[:, columns] + legitimacy  # USD m a month
        lobbying = self.model.opposition.lobbying[worlds]
        held, whole = self.held_at_start[worlds], self.relief_worth[worlds]
        share = weigh(relief, worth[:, None, :]) / whole[:, None]  # of all the relief it could give
        return column(held) * (column(p.visit_ask) + column(p.price) * share) * (1.0 + lobbying[:, None])

    def reserve(self, worlds: np.ndarray) -> np.ndarray:
        """How much dearer relief is, per world: 1 + reserve_weight x the share of its
        instruments' lift cost already spent (relief kept for later releases), over 1 + trust x
        the share of everyone held at the start freed in its earlier deals (a track record makes
        relief defensible)."""
        p, instruments, mine = self.p_at(worlds), self.model.instruments, self.instruments
        lift_cost = at(np.atleast_2d(instruments.vector("lift_cost")), worlds) * mine  # (worlds or 1, instruments)
        spent = weigh(instruments.ladder(instruments.cost_ladder, instruments.level[worlds]), lift_cost)
        whole = np.maximum(total(lift_cost), 1e-9)
        return (1.0 + p.reserve_weight * spent / whole) / (
            1.0 + p.trust * self.freed[worlds] / self.held_at_start[worlds]
        )

    def step_cost(self, worlds: np.ndarray, relief: np.ndarray, cost: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """Its linear cost of each next step (worlds, instruments `columns`, steps), from the shares
        of relief and of lift cost each step adds: what orders the steps on the menu."""
        p, model = self.p_at(worlds), self.model
        lift_cost = (
            column(p.credibility_weight) * at(np.atleast_2d(model.instruments.vector("lift_cost")), worlds)[:, columns]
        )[:, :, None]
        alliance = self._eu_holds(worlds)[:, None, None] * column(
            lasting(p.discount, model.cfg.bargaining.end_hazard), 2
        )
        return cost * lift_cost + relief * (column(p.alliance_weight, 2) * alliance)

    def _eu_holds(self, worlds: np.ndarray) -> np.ndarray:
        instruments = self.model.instruments
        return row_any(instruments.imposed[worlds] & instruments.of("eu"))

    def value_bundles(self, worlds: np.ndarray, menu) -> np.ndarray:
        """Washington's utility of every bundle on the menu, (worlds, sets, levels)."""
        p, model = self.p_at(worlds), self.model
        lag = model.cfg.bargaining.verification_lag
        lift_cost = at(np.atleast_2d(model.instruments.vector("lift_cost")), worlds)[:, None, menu.columns]
        credibility = (
            (weigh(menu.cost, lift_cost) + column(p.relief_signal * self.stake[worlds]) * menu.steps.any(axis=2))
            * self.reserve(worlds)[:, None]
            * column(power(p.discount, lag))
        )
        alliance = (
            total(menu.relief)
            * self._eu_holds(worlds)[:, None]
            * column(lasting(p.discount, model.cfg.bargaining.end_hazard, lag))
        )
        components = {
            "humanitarian": menu.value_of_releases(at(np.atleast_2d(model.prisoners.valuation("washington")), worlds)),
            "channel": np.reshape(np.asarray(p.channel_value, dtype=np.float64), (-1, 1, 1)),
            "credibility": -credibility[:, :, None],
            "alliance": -alliance[:, :, None],
        }
        shape = np.broadcast_shapes(*(np.shape(c) for c in components.values()))
        return self.checked(self.utility(components, self.weights(worlds, dims=2)), shape)

    def record_deal(self, worlds: np.ndarray, steps: np.ndarray, releases: np.ndarray | None = None) -> None:
        self.deals[worlds] += 1
        if releases is not None:
            self.freed[worlds] += releases.sum(axis=1)
        first = self.first_deal_round[worlds]
        self.first_deal_round[worlds] = np.where(first < 0, self.model.round, first)
        self.granted[worlds] |= steps > 0

    def weights(self, worlds: np.ndarray | None = None, dims: int = 0) -> dict[str, float]:
        """Its components' weights (for `worlds`, default all), as columns with `dims` trailing
        axes where they vary by world."""
        p = self.p if worlds is None else self.p_at(worlds)
        return {
            "humanitarian": column(p.humanitarian_weight, dims),
            "channel": 1.0,
            "credibility": column(p.credibility_weight, dims),
            "alliance": column(p.alliance_weight, dims),
        }

    def flow_components(self) -> dict[str, np.ndarray]:
        model, ledger, instruments, p = self.model, self.model.ledger, self.model.instruments, self.p
        mine = self.instruments
        excess = np.maximum(row_sum(ledger.arrests) - model.base_arrests, 0.0) * (self.deals > 0)
        eu_holds = row_any(instruments.imposed & instruments.of("eu"))
        return {
            "humanitarian": weigh(
                ledger.released_deal + ledger.released_pardon, model.prisoners.valuation("washington")
            ),
            "channel": ledger.deal * p.channel_value,
            "credibility": -weigh(instruments.cost_spent_now * mine, instruments.vector("lift_cost"))
            - p.rearrest_penalty * excess,
            "alliance": -total(instruments.relief_share * mine) * eu_holds,
        }
