"""Minsk, the target regime: answers offers, pardons, and sets next month's repression."""

from __future__ import annotations

import numpy as np

from quidproquo.actors.base import Actor, build_callable
from quidproquo.arrays import row_sum
from quidproquo.streams import Draw, Streams
from quidproquo.utility import annuity

PRICE_MEMORY = 0.8  # weight of last month's hostage price in this month's


class Minsk(Actor):
    """The regime in Minsk.

    It values relief (sanction costs avoided) and legitimacy (visits, an embassy) against
    security (prisoners released, weighted by tier; opposition mobilisation) and autonomy (Moscow
    pressure). It answers and counters Washington's offers by its strategy, pardons routinely
    (more in months of an envoy visit when `goodwill` > 0), and sets repression for next month:
    the hostage market -- relief earned per unit of security given up in deals -- makes arrests
    worth more (`hostage_elasticity`; 0 switches the channel off), Moscow's pressure and the
    opposition's mobilisation push it up, and it drifts back to its base level otherwise.
    """

    name = "minsk"

    def __init__(self, model):
        super().__init__(model)
        p = self.params
        self.strategy = build_callable(p.strategy, "actors.minsk.strategy", (0.0, np.zeros(1)))
        self.base_repression = p.repression
        self.repression = np.full(self.worlds, p.repression)
        self.hostage_price = np.zeros(self.worlds)
        self._price_now = np.zeros(self.worlds)

    def value_bundles(self, worlds: np.ndarray, releases: np.ndarray, lift: np.ndarray) -> np.ndarray:
        """Minsk's utility of bundles; shapes as in `Washington.value_bundles`."""
        components = self.bundle_components(worlds, releases, lift)
        return self.checked(self.utility(components, self.weights()), np.broadcast_shapes(*(np.shape(c) for c in components.values())))

    def bundle_components(self, worlds, releases, lift) -> dict[str, np.ndarray]:
        model, p = self.model, self.params
        instruments, prisoners = model.instruments, model.prisoners
        value = annuity(p.discount, model.rounds - model.round, model.cfg.bargaining.verification_lag)
        cost = instruments.monthly_cost_of(worlds)
        monthly_relief = (lift * cost.reshape(cost.shape[0], *[1] * (lift.ndim - 2), cost.shape[1])).sum(axis=-1)
        relief_share = monthly_relief / instruments.initial_cost if instruments.initial_cost else 0.0 * monthly_relief
        components = {
            "relief": monthly_relief * value,
            "legitimacy": (lift @ instruments.vector("legitimacy")) * value,
            "security": -(releases @ prisoners.valuation("minsk")),
            "autonomy": -model.moscow.pressure_from_relief(relief_share) * value,
        }
        if "prominent" in prisoners.tiers:
            exile = prisoners.prominent_share(model.cfg.actors.opposition.exile_effect * prisoners.prominent(releases))
            components["mobilisation"] = -exile * value
        return components

    def record_deal(self, worlds: np.ndarray, releases: np.ndarray, lift: np.ndarray) -> None:
        """Remember what the deal paid: relief gained per unit of security given up."""
        c = self.bundle_components(worlds, releases[:, None, :], lift[:, None, :])
        gained = c["relief"][:, 0] + c["legitimacy"][:, 0]
        given = np.maximum(-c["security"][:, 0], 1e-9)
        self._price_now[worlds] = gained / given

    def act(self, streams: Streams) -> None:
        """Pardon, then set next month's repression."""
        model, p = self.model, self.params
        prisoners, ledger = model.prisoners, model.ledger
        rate = prisoners.vector("pardon_rate")[None, :] * p.clemency * (1.0 + p.goodwill * ledger.engaged)[:, None]
        pardoned = np.stack([streams.binomial(model.round, Draw.PARDONS.of(t), prisoners.held[:, t], rate[:, t])
                             for t in range(len(prisoners.tiers))], axis=1)
        prisoners.release(pardoned)
        ledger.released_pardon = pardoned
        model.events.log("minsk", "pardon", row_sum(pardoned) > 0, lambda i: f"pardons {model.events.tier_list(pardoned[i])}")

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
        relieved = ~instruments.imposed
        return {
            "relief": instruments.cost_avoided,
            "legitimacy": relieved @ instruments.vector("legitimacy"),
            "security": -(ledger.released_deal @ model.prisoners.valuation("minsk")),
            "autonomy": -model.moscow.pressure,
            "mobilisation": -model.opposition.mobilisation,
        }
