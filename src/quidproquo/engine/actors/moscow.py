"""Moscow, Minsk's patron: pressure that rises with Minsk's drift to the West."""

from __future__ import annotations

import numpy as np

from quidproquo.engine.actors.base import Actor
from quidproquo.engine.arrays import column
from quidproquo.engine.streams import Streams


class Moscow(Actor):
    """Presses Minsk when its Western drift exceeds Moscow's tolerance.

    Drift is the share of the sanctions' cost Minsk has shed plus a step for a month with an
    envoy visit. Pressure rises by `responsiveness` per unit of drift beyond `tolerance`, decays
    by `relaxation`, and falls by `channel_benefit` in a month in which the US-Minsk channel
    serves Moscow (an envoy visit while Washington and Moscow talk).
    """

    name = "moscow"

    def __init__(self, model):
        super().__init__(model)
        self.pressure = np.broadcast_to(np.asarray(self.p.pressure, dtype=np.float64), (self.worlds,)).copy()
        self.drift = np.zeros(self.worlds)

    def act(self, streams: Streams) -> None:
        p = self.p
        instruments = self.model.instruments
        shed = 1.0 - instruments.share_of_initial(instruments.sanctions_cost)
        relief_share = np.where(instruments.initial_cost > 0, shed, 0.0)
        engaged = self.model.washington.engaged  # last month's visit: this month's has not happened yet
        self.drift = np.clip(relief_share, 0.0, 1.0) + p.engagement_drift * engaged
        change = (
            p.responsiveness * np.maximum(self.drift - p.tolerance, 0.0)
            - p.relaxation * self.pressure
            - p.channel_benefit * engaged
        )
        self.pressure = np.clip(self.pressure + change, 0.0, 1.0)

    def pressure_from_relief(self, relief_share: np.ndarray, worlds: np.ndarray) -> np.ndarray:
        """Extra pressure per month Minsk should expect from shedding `relief_share` (worlds, ...)
        of its costs."""
        return column(self.p_at(worlds).responsiveness, np.ndim(relief_share) - 1) * relief_share

    def weights(self) -> dict[str, float]:
        return {"control": self.p.control_weight, "channel": self.p.channel_weight}

    def flow_components(self) -> dict[str, np.ndarray]:
        return {"control": -self.drift, "channel": self.model.ledger.engaged * self.p.channel_benefit}
