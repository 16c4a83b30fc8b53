"""Political prisoners held by Minsk, per world and tier (`rank_and_file`, `prominent`, `foreign`)."""

from __future__ import annotations

import numpy as np

from quidproquo.engine.arrays import ParameterVectors, row_sum
from quidproquo.config import Config


class Prisoners(ParameterVectors):
    """Counts held per (world, tier), and the prominent prisoners freed so far per world."""

    def __init__(self, cfg: Config, worlds: int):
        super().__init__()
        self.cfg = cfg
        self.tiers: tuple[str, ...] = tuple(cfg.goods.prisoners)
        initial = np.array([t.initial for t in self._configs], dtype=np.int64)
        self.held = np.tile(initial, (worlds, 1))  # (worlds, tiers)
        self.initial_total = int(initial.sum())
        self.released_prominent = np.zeros(worlds, dtype=np.int64)

    @property
    def _configs(self):
        return [self.cfg.goods.prisoners[t] for t in self.tiers]

    def vector(self, attribute: str) -> np.ndarray:
        """A per-tier parameter as a (read-only) array, as of the last `refresh`."""
        return self.cached(("vector", attribute), lambda: [getattr(t, attribute) for t in self._configs])

    def valuation(self, actor: str) -> np.ndarray:
        """What a prisoner of each tier is worth to `actor` (read-only), as of the last `refresh`."""
        return self.cached(("valuation", actor), lambda: [getattr(t.valuation, actor) for t in self._configs])

    @property
    def total(self) -> np.ndarray:
        return row_sum(self.held)

    def prominent_share(self, count: np.ndarray) -> np.ndarray:
        """A number of prominent prisoners as a share of the prominent tier at the start (zero
        where the scenario has no such tier): how far freed leaders lift the exile."""
        if "prominent" not in self.tiers:
            return np.zeros(np.shape(count))
        return count / max(self.cfg.goods.prisoners["prominent"].initial, 1)

    def prominent(self, counts: np.ndarray) -> np.ndarray:
        """The prominent tier's column of `counts` (..., tiers); zeros without such a tier."""
        if "prominent" not in self.tiers:
            return np.zeros(counts.shape[:-1], dtype=counts.dtype)
        return counts[..., self.tiers.index("prominent")]

    def release(self, counts: np.ndarray) -> None:
        self.held -= counts
        self.released_prominent += self.prominent(counts)
