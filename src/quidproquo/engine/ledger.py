"""The ledger of one round: what happened this month, per world, for the record and the utilities."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Ledger:
    """This round's flows and events, per world; the model starts a fresh one every round."""

    arrests: np.ndarray  # (worlds, tiers)
    completed: np.ndarray  # (worlds, tiers) sentences ended
    released_deal: np.ndarray  # (worlds, tiers)
    released_pardon: np.ndarray  # (worlds, tiers)
    engaged: np.ndarray  # (worlds,) an envoy visited
    deal: np.ndarray  # (worlds,) the visit ended in a deal
    snapback: np.ndarray  # (worlds,) Washington re-imposed relief

    @classmethod
    def empty(cls, worlds: int, tiers: int) -> Ledger:
        counts = lambda: np.zeros((worlds, tiers), dtype=np.int64)  # noqa: E731
        flags = lambda: np.zeros(worlds, dtype=bool)  # noqa: E731
        return cls(counts(), counts(), counts(), counts(), flags(), flags(), flags())
