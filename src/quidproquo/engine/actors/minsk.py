"""Minsk, the target regime: answers offers, pardons, releases under pressure, sets repression."""

from __future__ import annotations

import numpy as np

from quidproquo.engine.actors.base import Actor, build_callable
from quidproquo.engine.arrays import row_sum
from quidproquo.engine.streams import Draw, Streams
from quidproquo.engine.future import annuity

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
        p = self.params
        self.strategy = build_callable(p.strategy, "actors.minsk.strategy", (0.0, np.zeros(1)))
        self.base_repression = p.repression
        self.repression = np.full(self.worlds, p.repression)
        self.strain = np.full(self.worlds, p.strain)
        self.gestures = np.zeros(self.worlds, dtype=np.int64)  # months with a unilateral release
        self.hostage_price = np.zeros(self.worlds)
        self._price_now = np.zeros(self.worlds)

    # ------------------------------------------------------------------------- at the table
    def chip(self, worlds: np.ndarray) -> np.ndarray:
        """(worlds, tiers): what a prisoner of each tier could still fetch in a later deal."""
        p, prisoners = self.params, self.model.prisoners
        return p.chip_value * prisoners.valuation("washington")[None, :] * (1.0 - self.strain[worlds])[:, None]

    def step_gain(self, worlds: np.ndarray, relief: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """Its linear value of each next step (worlds, instruments `columns`, steps), from the
        share of relief each adds: what orders the steps on the menu. (Washington's instruments
        carry no EU listings, so their monthly cost is the same in every world.)"""
        p, model = self.params, self.model
        instruments = model.instruments
        cost = instruments.vector("monthly_cost")[columns]
        moscow = model.moscow.pressure_from_relief(cost / instruments.initial_cost) if instruments.initial_cost else 0.0 * cost
        worth = p.relief_weight * cost + p.legitimacy_weight * instruments.vector("legitimacy")[columns] - p.autonomy_weight * moscow
        return relief * (worth * annuity(p.discount, model.rounds - model.round))[None, :, None]

    def value_bundles(self, worlds: np.ndarray, menu) -> np.ndarray:
        """Minsk's utility of every bundle on the menu, (worlds, sets, levels)."""
        prisoners = self.model.prisoners
        components = self.relief_components(worlds, menu.relief, menu.columns)
        components["security"] = -menu.value_of_releases(prisoners.valuation("minsk")[None, :] + self.chip(worlds))
        if "prominent" in prisoners.tiers:
            prominent = menu.taken[prisoners.tiers.index("prominent")]
            components["mobilisation"] = -self._exile(prominent)
        return self.checked(self.utility(components, self.weights()), np.broadcast_shapes(*(np.shape(c) for c in components.values())))

    def relief_components(self, worlds, relief, columns=None) -> dict[str, np.ndarray]:
        """Components of relief sets `relief` (worlds, sets, instruments `columns`, default all),
        the share of each instrument relieved: (worlds, sets, 1), to meet the releases'
        (worlds, sets, levels)."""
        model, p = self.model, self.params
        instruments = model.instruments
        columns = slice(None) if columns is None else columns
        value = annuity(p.discount, model.rounds - model.round, model.cfg.bargaining.verification_lag)
        monthly_relief = (relief * instruments.monthly_cost_of(worlds)[:, None, columns]).sum(axis=-1)
        relief_share = monthly_relief / instruments.initial_cost if instruments.initial_cost else 0.0 * monthly_relief
        return {
            "relief": monthly_relief[..., None] * value,
            "legitimacy": ((relief @ instruments.vector("legitimacy")[columns]) * value + p.visit_legitimacy)[..., None],
            "autonomy": -model.moscow.pressure_from_relief(relief_share)[..., None] * value,
        }

    def _exile(self, prominent: np.ndarray) -> np.ndarray:
        """What freeing `prominent` leaders costs Minsk in mobilisation, present value."""
        model, p = self.model, self.params
        value = annuity(p.discount, model.rounds - model.round, model.cfg.bargaining.verification_lag)
        return model.prisoners.prominent_share(model.cfg.actors.opposition.exile_effect * prominent) * value

    def record_deal(self, worlds: np.ndarray, releases: np.ndarray, relief: np.ndarray) -> None:
        """Remember what the deal paid: relief gained per unit of security given up."""
        c = self.relief_components(worlds, relief[:, None, :])
        gained = c["relief"][:, 0, 0] + c["legitimacy"][:, 0, 0]
        given = np.maximum(releases @ self.model.prisoners.valuation("minsk"), 1e-9)
        self._price_now[worlds] = gained / given

    # ---------------------------------------------------------------------------- the month
    def act(self, streams: Streams) -> None:
        """Pardon, release unilaterally if the sanctions press hard enough, feel the strain,
        then set next month's repression."""
        model, p = self.model, self.params
        prisoners, ledger, instruments = model.prisoners, model.ledger, model.instruments
        tiers = range(len(prisoners.tiers))
        rate = prisoners.vector("pardon_rate")[None, :] * p.clemency * (1.0 + p.goodwill * ledger.engaged)[:, None]
        pardoned = np.stack([streams.binomial(model.round, Draw.PARDONS.of(t), prisoners.held[:, t], rate[:, t]) for t in tiers], axis=1)
        prisoners.release(pardoned)
        model.events.log("minsk", "pardon", row_sum(pardoned) > 0, lambda i: f"pardons {model.events.tier_list(pardoned[i])}")

        pressed = instruments.sanctions_cost / instruments.initial_cost if instruments.initial_cost else np.zeros(self.worlds)
        chance = p.gesture_rate * pressed * (1.0 + p.gesture_drift * model.moscow.drift)
        gesture = streams.uniform(model.round, Draw.GESTURE) < chance
        at = np.flatnonzero(gesture)  # gestures are rare: draw their releases in those worlds only
        freed = np.zeros_like(prisoners.held)
        for t in tiers:
            freed[at, t] = streams.binomial(model.round, Draw.GESTURE_RELEASES.of(t), prisoners.held[at, t], p.gesture_share, at=at)
        prisoners.release(freed)
        self.gestures += gesture
        ledger.released_pardon = pardoned + freed
        model.events.log("minsk", "gesture", gesture, lambda i: f"unilateral release under sanctions: frees {model.events.tier_list(freed[i])}")
        self.strain += (np.clip(pressed, 0.0, 1.0) - self.strain) / p.strain_months

        self.hostage_price = PRICE_MEMORY * self.hostage_price + (1 - PRICE_MEMORY) * self._price_now
        self._price_now[:] = 0.0
        cfg = model.cfg.actors
        target = (self.base_repression + p.hostage_elasticity * self.hostage_price
                  + p.moscow_push * (model.moscow.pressure - cfg.moscow.pressure)
                  + p.threat_response * (model.opposition.mobilisation - cfg.opposition.mobilisation))
        target = np.clip(target, p.repression_min, p.repression_max)
        self.repression = np.clip(self.repression + p.repression_adjust * (target - self.repression), p.repression_min, p.repression_max)

    def weights(self) -> dict[str, float]:
        p = self.params
        return {"relief": p.relief_weight, "legitimacy": p.legitimacy_weight, "security": p.security_weight,
                "autonomy": p.autonomy_weight, "mobilisation": p.mobilisation_weight}

    def flow_components(self) -> dict[str, np.ndarray]:
        model, instruments, ledger = self.model, self.model.instruments, self.model.ledger
        return {
            "relief": instruments.cost_avoided,
            "legitimacy": instruments.legitimacy_in_force + self.params.visit_legitimacy * ledger.deal,
            "security": -(ledger.released_deal @ model.prisoners.valuation("minsk")),
            "autonomy": -model.moscow.pressure,
            "mobilisation": -model.opposition.mobilisation,
        }
