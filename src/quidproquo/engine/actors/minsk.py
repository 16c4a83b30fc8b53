"""Minsk, the target regime: answers offers, pardons, releases under pressure, sets repression."""

from __future__ import annotations

import numpy as np

from quidproquo.engine.actors.base import Actor, build_callable
from quidproquo.engine.arrays import at, column, row_sum, total, weigh
from quidproquo.engine.future import lasting
from quidproquo.engine.streams import Draw, Streams

PRICE_MEMORY = 0.8  # weight of last month's hostage price in this month's


class Minsk(Actor):
    """The regime in Minsk.

    It values relief (sanction costs avoided) and legitimacy (relief in force, and a visit that
    ends in a deal) against security (prisoners released, weighted by tier, plus what each could
    still fetch in a later deal -- its chip value, which falls as the sanctions bite; opposition
    mobilisation) and autonomy (Moscow pressure). It answers and counters Washington's offers by
    its strategy; pardons routinely (more in months of an envoy visit when `goodwill` > 0);
    makes a unilateral release now and then, more likely the more the sanctions cost it and
    the further it has drifted from Moscow; and sets repression for next month: the hostage
    market -- relief earned per unit of security given up in deals -- makes arrests worth more
    (`hostage_elasticity`; 0 switches the channel off), Moscow's pressure and the opposition's
    mobilisation push it up, and it drifts back to its base level otherwise.
    """

    name = "minsk"

    def __init__(self, model):
        super().__init__(model)
        p = self.p
        self.strategy = build_callable(self.params.strategy, "actors.minsk.strategy", (0.0, np.zeros(1)))
        self.base_repression = p.repression
        self.repression = np.broadcast_to(np.asarray(p.repression, dtype=np.float64), (self.worlds,)).copy()
        self.strain = np.broadcast_to(np.asarray(p.strain, dtype=np.float64), (self.worlds,)).copy()
        self.gestures = np.zeros(self.worlds, dtype=np.int64)  # months with a unilateral release
        self.hostage_price = np.zeros(self.worlds)
        self._price_now = np.zeros(self.worlds)

    # ------------------------------------------------------------------------- at the table
    def chip(self, worlds: np.ndarray) -> np.ndarray:
        """(worlds, tiers): what a prisoner of each tier could still fetch in a later deal."""
        valuation = at(np.atleast_2d(self.model.prisoners.valuation("washington")), worlds)
        return column(self.p_at(worlds).chip_value) * valuation * (1.0 - self.strain[worlds])[:, None]

    def step_gain(self, worlds: np.ndarray, relief: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """Its linear value of each next step (worlds, instruments `columns`, steps), from the
        share of relief each adds: what orders the steps on the menu. (Washington's instruments
        carry no EU listings, so their monthly cost is the same in every world of a point.)"""
        p, model = self.p_at(worlds), self.model
        instruments = model.instruments
        cost = at(np.atleast_2d(instruments.vector("monthly_cost")), worlds)[:, columns]  # (worlds or 1, i)
        moscow = model.moscow.pressure_from_relief(instruments.share_of_initial(cost, worlds), worlds)
        legitimacy = at(np.atleast_2d(instruments.vector("legitimacy")), worlds)[:, columns]
        worth = (
            column(p.relief_weight) * cost
            + column(p.legitimacy_weight) * legitimacy
            - column(p.autonomy_weight) * moscow
        )
        return relief * (worth * column(lasting(p.discount, model.cfg.bargaining.end_hazard)))[:, :, None]

    def value_bundles(self, worlds: np.ndarray, menu) -> np.ndarray:
        """Minsk's utility of every bundle on the menu, (worlds, sets, levels)."""
        prisoners = self.model.prisoners
        components = self.relief_components(worlds, menu.relief, menu.columns)
        own = at(np.atleast_2d(prisoners.valuation("minsk")), worlds)
        components["security"] = -menu.value_of_releases(own + self.chip(worlds))
        if "prominent" in prisoners.tiers:
            prominent = menu.taken_from(prisoners.tiers.index("prominent"))
            components["mobilisation"] = -self._exile(worlds, prominent)
        shape = np.broadcast_shapes(*(np.shape(c) for c in components.values()))
        return self.checked(self.utility(components, self.weights(worlds, dims=2)), shape)

    def relief_components(self, worlds, relief, columns=None) -> dict[str, np.ndarray]:
        """Components of relief sets `relief` (worlds, sets, instruments `columns`, default all),
        the share of each instrument relieved: (worlds, sets, 1), to meet the releases'
        (worlds, sets, levels)."""
        model, p = self.model, self.p_at(worlds)
        instruments = model.instruments
        columns = slice(None) if columns is None else columns
        value = column(lasting(p.discount, model.cfg.bargaining.end_hazard, model.cfg.bargaining.verification_lag), 2)
        monthly_relief = total(relief * instruments.monthly_cost_of(worlds)[:, None, columns])
        relief_share = instruments.share_of_initial(monthly_relief, worlds)
        legitimacy = at(np.atleast_2d(instruments.vector("legitimacy")), worlds)[:, None, columns]
        return {
            "relief": monthly_relief[..., None] * value,
            "legitimacy": (weigh(relief, legitimacy)[..., None] * value + column(p.visit_legitimacy, 2)),
            "autonomy": -model.moscow.pressure_from_relief(relief_share, worlds)[..., None] * value,
        }

    def _exile(self, worlds: np.ndarray, prominent: np.ndarray) -> np.ndarray:
        """What freeing `prominent` leaders (worlds, ...) costs Minsk in mobilisation, present value."""
        model, p = self.model, self.p_at(worlds)
        value = lasting(p.discount, model.cfg.bargaining.end_hazard, model.cfg.bargaining.verification_lag)
        effect = model.opposition.p_at(worlds).exile_effect
        share = model.prisoners.prominent_share(column(effect, np.ndim(prominent) - 1) * prominent, worlds)
        return share * column(value, np.ndim(prominent) - 1)

    def record_deal(self, worlds: np.ndarray, releases: np.ndarray, relief: np.ndarray) -> None:
        """Remember what the deal paid: relief gained per unit of security given up."""
        c = self.relief_components(worlds, relief[:, None, :])
        gained = c["relief"][:, 0, 0] + c["legitimacy"][:, 0, 0]
        given = np.maximum(weigh(releases, at(np.atleast_2d(self.model.prisoners.valuation("minsk")), worlds)), 1e-9)
        self._price_now[worlds] = gained / given

    # ---------------------------------------------------------------------------- the month
    def act(self, streams: Streams) -> None:
        """Pardon, release unilaterally if the sanctions press hard enough, feel the strain,
        then set next month's repression."""
        model, p = self.model, self.p
        prisoners, ledger, instruments = model.prisoners, model.ledger, model.instruments
        tiers = range(len(prisoners.tiers))
        rate = (
            np.atleast_2d(prisoners.vector("pardon_rate"))
            * column(p.clemency)
            * column(1.0 + p.goodwill * ledger.engaged)
        )
        pardoned = np.stack(
            [streams.binomial(model.round, Draw.PARDONS.of(t), prisoners.held[:, t], rate[:, t]) for t in tiers], axis=1
        )
        prisoners.release(pardoned)
        model.events.log(
            "minsk", "pardon", row_sum(pardoned) > 0, lambda i: f"pardons {model.events.tier_list(pardoned[i])}"
        )

        pressed = instruments.share_of_initial(instruments.sanctions_cost)
        chance = p.gesture_rate * pressed * (1.0 + p.gesture_drift * model.moscow.drift)
        gesture = streams.uniform(model.round, Draw.GESTURE) < chance
        where = np.flatnonzero(gesture)  # gestures are rare: draw their releases in those worlds only
        freed = np.zeros_like(prisoners.held)
        share = at(p.gesture_share, where)
        for t in tiers:
            freed[where, t] = streams.binomial(
                model.round, Draw.GESTURE_RELEASES.of(t), prisoners.held[where, t], share, at=where
            )
        prisoners.release(freed)
        self.gestures += gesture
        ledger.released_pardon = pardoned + freed
        model.events.log(
            "minsk",
            "gesture",
            gesture,
            lambda i: f"unilateral release under sanctions: frees {model.events.tier_list(freed[i])}",
        )
        self.strain += (np.clip(pressed, 0.0, 1.0) - self.strain) / p.strain_months

        self.hostage_price = PRICE_MEMORY * self.hostage_price + (1 - PRICE_MEMORY) * self._price_now
        self._price_now[:] = 0.0
        moscow, opposition = model.moscow, model.opposition
        target = (
            self.base_repression
            + p.hostage_elasticity * self.hostage_price
            + p.moscow_push * (moscow.pressure - moscow.p.pressure)
            + p.threat_response * (opposition.mobilisation - opposition.p.mobilisation)
        )
        target = np.clip(target, p.repression_min, p.repression_max)
        self.repression = np.clip(
            self.repression + p.repression_adjust * (target - self.repression), p.repression_min, p.repression_max
        )

    def weights(self, worlds: np.ndarray | None = None, dims: int = 0) -> dict[str, float]:
        """Its components' weights (for `worlds`, default all), as columns with `dims` trailing
        axes where they vary by world."""
        p = self.p if worlds is None else self.p_at(worlds)
        return {
            name: column(getattr(p, f"{name}_weight"), dims)
            for name in ("relief", "legitimacy", "security", "autonomy", "mobilisation")
        }

    def flow_components(self) -> dict[str, np.ndarray]:
        model, instruments, ledger = self.model, self.model.instruments, self.model.ledger
        return {
            "relief": instruments.cost_avoided,
            "legitimacy": instruments.legitimacy_in_force + self.p.visit_legitimacy * ledger.deal,
            "security": -weigh(ledger.released_deal, model.prisoners.valuation("minsk")),
            "autonomy": -model.moscow.pressure,
            "mobilisation": -model.opposition.mobilisation,
        }
