"""The Washington-Minsk talks of one month: who sits at the table, what is on it, what is agreed.

In every world with an envoy visit the two sides bargain -- over the menu of prisoners-for-relief
bundles (`menu.py`) or, in the theory scenarios, over one divisible good (`divisible.py`) -- by
the configured protocol (`bargaining.py`: alternating offers or Nash). A deal is executed here:
Minsk releases the prisoners, the instruments are lifted now or staged (`Instruments.lift`), and
both sides remember it. The offers and the deal of every logged world go into the event log and
the offers table.

A seat (`seats`: actor name -> function(side, worlds, menu) -> side) replaces that actor's side
at the table: the dashboard's play mode seats a person this way.
"""

from __future__ import annotations

import numpy as np

from quidproquo.engine.arrays import at
from quidproquo.engine.bargaining import Outcome, alternate, nash
from quidproquo.engine.divisible import Claimant
from quidproquo.engine.menu import Menu, Negotiator, build_menu, mix_orders, relief_sets


class Talks:
    """The talks between Washington and Minsk, held by the model every month."""

    def __init__(self, model):
        self.model = model
        self.seats: dict = {}
        self.outcome: tuple[np.ndarray, Outcome] | None = None  # (worlds, outcome) of the latest talks

    def hold(self) -> None:
        """Bargain in the worlds with an envoy visit this month (unless talks are switched off)."""
        worlds = np.flatnonzero(self.model.washington.engaged)
        talks = self.model.parameters.get("bargaining.talks")
        if np.ndim(talks):  # talks switched off in some worlds (a decomposition's points)
            worlds = worlds[talks[worlds]]
        if worlds.size == 0 or not np.any(talks):
            return
        if self.model.cfg.bargaining.good == "divisible":
            self.split(worlds)
        else:
            self.trade(worlds)

    # ---------------------------------------------------------------------- the two tables
    def trade(self, worlds: np.ndarray) -> None:
        """Bargain over the menu of prisoners-for-relief bundles, and execute the deals."""
        model = self.model
        w, m = model.washington, model.minsk
        menu = self.menu(worlds)
        outcome = self.negotiate(
            worlds,
            self.side(w, worlds, menu.flatten(w.value_bundles(worlds, menu))),
            self.side(m, worlds, menu.flatten(m.value_bundles(worlds, menu))),
            menu,
        )
        self.log_offers(worlds, menu, outcome)
        agreed = np.flatnonzero(outcome.deal)
        releases, steps = menu.bundle(agreed, outcome.candidate[agreed])
        self.execute(worlds[agreed], releases, steps, menu.relief_of(agreed, outcome.candidate[agreed]))

    def menu(self, worlds: np.ndarray) -> Menu:
        """This month's menu in the negotiating `worlds`: the relief sets on the efficient
        frontier of Washington's steps left, each at Washington's price in prisoners."""
        model = self.model
        w, m, instruments = model.washington, model.minsk, model.instruments
        columns = np.flatnonzero(instruments.of("washington"))  # the menu's instruments: Washington's
        left = instruments.steps_left("washington", worlds)[:, columns]  # (w, i)
        left = np.where(w.surging()[worlds][:, None], 0, left)  # no relief while arrests surge
        # Each world's row of the ladders, read with one flat index (fancy indexing over two axes is slow).
        row = columns * instruments.ahead_relief.shape[1] + instruments.level[worlds][:, columns]  # (w, i)
        ahead = lambda table: table.reshape(-1, table.shape[2])[row]  # noqa: E731  (w, i, k)
        relief, cost = ahead(instruments.ahead_relief), ahead(instruments.ahead_cost)
        steps_relief, steps_cost = ahead(instruments.step_relief), ahead(instruments.step_cost)
        sets = relief_sets(
            left,
            m.step_gain(worlds, steps_relief, columns),
            w.step_cost(worlds, steps_relief, steps_cost, columns),
            model.cfg.bargaining.max_steps,
        )  # (w, s, i)
        depth = relief.shape[2]
        flat = (np.arange(worlds.size)[:, None, None] * columns.size + np.arange(columns.size)) * depth + sets
        relieved, spent = np.take(relief.ravel(), flat), np.take(cost.ravel(), flat)
        # Two mixes of tiers: Washington's order (own nationals first), and the order of value
        # for money -- what a prisoner is worth to Washington over what it costs Minsk (its own
        # valuation plus the chip it gives up; the exile's mobilisation is left out of the order).
        gain = at(np.atleast_2d(model.prisoners.valuation("washington")), worlds)
        order = mix_orders(gain, at(np.atleast_2d(model.prisoners.valuation("minsk")), worlds) + m.chip(worlds))
        return build_menu(
            w.price(worlds, relieved, columns),
            model.prisoners.held[worlds],
            order,
            sets,
            relieved,
            spent,
            left,
            model.cfg.bargaining.release_levels,
            columns,
            len(instruments.names),
        )

    def split(self, worlds: np.ndarray) -> None:
        """Bargain over one divisible good: nothing but the split changes hands."""
        model = self.model
        w, m = model.washington, model.minsk
        outcome = self.negotiate(
            worlds,
            Claimant(
                "washington",
                w.share_utility,
                self.reservation(w, worlds),
                w.p_at(worlds).discount,
                w.strategy,
                first=True,
            ),
            Claimant(
                "minsk", m.share_utility, self.reservation(m, worlds), m.p_at(worlds).discount, m.strategy, first=False
            ),
            None,
        )
        rows = worlds[outcome.deal]
        model.ledger.deal[rows] = True
        w.record_deal(rows, np.zeros((rows.size, len(model.instruments.names)), dtype=np.int64))
        self.log_splits(worlds, outcome)

    @staticmethod
    def reservation(actor, worlds: np.ndarray) -> np.ndarray:
        return np.broadcast_to(np.asarray(actor.p_at(worlds).reservation, dtype=np.float64), (worlds.size,)).copy()

    def side(self, actor, worlds: np.ndarray, utility: np.ndarray) -> Negotiator:
        return Negotiator(
            actor.name, utility, self.reservation(actor, worlds), actor.p_at(worlds).discount, actor.strategy
        )

    # ------------------------------------------------------------------------ the protocol
    def negotiate(self, worlds: np.ndarray, washington, minsk, menu: Menu | None) -> Outcome:
        """Run the configured protocol between the two sides (after any seat has replaced one);
        keep the outcome for inspection and the offers of the logged worlds for the table."""
        model = self.model
        unseated = lambda side, *_: side  # noqa: E731
        washington = self.seats.get("washington", unseated)(washington, worlds, menu)
        minsk = self.seats.get("minsk", unseated)(minsk, worlds, menu)
        logged = np.isin(worlds, model.events.logged)
        if model.cfg.bargaining.protocol == "nash":
            outcome = nash(washington, minsk, model.parameters.get("bargaining.nash_weight", worlds))
        else:
            outcome = alternate(washington, minsk, model.cfg.bargaining.max_offers, keep=logged)
        self.outcome = (worlds, outcome)
        for step, offer in enumerate(outcome.offers):
            for j in np.flatnonzero(offer.made & logged):
                model.recorder.offers.append(
                    (
                        int(model.world_ids[worlds[j]]),
                        model.round,
                        model.month_label,
                        step,
                        offer.proposer,
                        float(offer.candidate[j]),
                        float(offer.values["washington"][j]),
                        float(offer.values["minsk"][j]),
                        bool(offer.accepted[j]),
                    )
                )
        return outcome

    def execute(self, rows: np.ndarray, releases: np.ndarray, steps: np.ndarray, relief: np.ndarray) -> None:
        """Carry out the deals agreed in `rows`: releases (rows, tiers) now, steps of relief (rows,
        instruments; `relief` the shares they relieve) now or after the verification lag."""
        model = self.model
        released = np.zeros_like(model.prisoners.held)
        released[rows] = releases
        model.prisoners.release(released)
        model.ledger.released_deal = released
        model.ledger.deal[rows] = True
        model.instruments.lift(rows, steps, model.cfg.bargaining.verification_lag, model.round)
        model.washington.record_deal(rows, steps, releases)
        model.minsk.record_deal(rows, releases, relief)

    # ------------------------------------------------------------------------- log lines
    def log_offers(self, worlds: np.ndarray, menu: Menu, outcome: Outcome) -> None:
        log = self.model.events
        lag = self.model.cfg.bargaining.verification_lag
        level = self.model.instruments.level  # before the deal is executed
        logged, at = np.intersect1d(worlds, log.logged, return_indices=True)[:2]
        if logged.size == 0:
            return
        # Each offer's bundles in the logged worlds at once; then the words, world by world.
        made = [(offer, *menu.bundle(at, np.maximum(offer.candidate[at], 0))) for offer in outcome.offers]
        deal = menu.bundle(at, np.maximum(outcome.candidate[at], 0))
        for k, (i, j) in enumerate(zip(logged, at)):
            for offer, releases, steps in made:
                if offer.made[j]:
                    verdict = "accepted" if offer.accepted[j] else "refused"
                    log.log_one(
                        i,
                        offer.proposer,
                        "offer",
                        f"{log.named(offer.proposer)} proposes: release "
                        f"{log.tier_list(releases[k])} for {log.relief_words(steps[k], level[i])} -- {verdict}",
                    )
            if outcome.deal[j]:
                releases, steps = deal[0][k], deal[1][k]
                staged = f" after {lag} months' verification" if lag and steps.any() else ""
                log.log_one(
                    i,
                    "minsk",
                    "deal",
                    f"deal: {log.named('minsk')} releases {log.tier_list(releases)}; {log.relief_words(steps, level[i])}{staged}",
                )

    def log_splits(self, worlds: np.ndarray, outcome: Outcome) -> None:
        log = self.model.events
        for i, j in zip(*np.intersect1d(worlds, log.logged, return_indices=True)[:2]):
            for offer in outcome.offers:
                if offer.made[j]:
                    x = offer.candidate[j]
                    verdict = "accepted" if offer.accepted[j] else "refused"
                    log.log_one(
                        i,
                        offer.proposer,
                        "offer",
                        f"{log.named(offer.proposer)} proposes: {log.named('washington')} {x:.4f}, {log.named('minsk')} {1 - x:.4f} -- {verdict}",
                    )
            if outcome.deal[j]:
                x = outcome.candidate[j]
                log.log_one(
                    i,
                    "minsk",
                    "deal",
                    f"deal: the good is split {log.named('washington')} {x:.4f}, {log.named('minsk')} {1 - x:.4f}",
                )
