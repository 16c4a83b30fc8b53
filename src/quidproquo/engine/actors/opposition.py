"""The Belarusian opposition in exile: mobilisation at home and lobbying of the senders."""

from __future__ import annotations

import numpy as np

from quidproquo.engine.actors.base import Actor
from quidproquo.engine.arrays import weigh
from quidproquo.engine.streams import Streams


class Opposition(Actor):
    """Mobilises against repression and lobbies Washington to ask for more in any deal.

    Mobilisation moves towards a target that released prominent prisoners raise (they join the
    exile and lend it leaders) and repression above its base level lowers. Lobbying keeps the
    demand high while many remain behind bars: it scales Washington's ask by 1 + lobbying.
    """

    name = "opposition"

    def __init__(self, model):
        super().__init__(model)
        self.mobilisation = np.broadcast_to(np.asarray(self.p.mobilisation, dtype=np.float64), (self.worlds,)).copy()
        self.lobbying = np.zeros(self.worlds)

    @property
    def exile_share(self) -> np.ndarray:
        """Freed prominent prisoners as a share of the prominent tier at the start."""
        return self.model.prisoners.prominent_share(self.model.prisoners.released_prominent)

    def act(self, streams: Streams) -> None:
        p = self.p
        repression = self.model.minsk.repression
        target = (
            p.base_mobilisation + p.exile_effect * self.exile_share - p.suppression * np.maximum(repression - 1.0, 0.0)
        )
        self.mobilisation = np.clip(self.mobilisation + p.adjust * (target - self.mobilisation), 0.0, 1.0)
        remaining = self.model.prisoners.total / np.maximum(self.model.prisoners.initial_total, 1)
        self.lobbying = p.lobbying * remaining

    def weights(self) -> dict[str, float]:
        p = self.p
        return {"freed": p.freed_weight, "pressure": p.pressure_weight, "unity": p.unity_weight}

    def flow_components(self) -> dict[str, np.ndarray]:
        ledger, prisoners = self.model.ledger, self.model.prisoners
        freed = weigh(ledger.released_deal + ledger.released_pardon, prisoners.valuation("opposition"))
        still_held = prisoners.total > 0
        return {
            "freed": freed,
            "pressure": self.model.instruments.sanctions_cost * still_held,
            "unity": self.mobilisation,
        }
