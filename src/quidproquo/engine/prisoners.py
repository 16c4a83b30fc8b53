"""Political prisoners held by Minsk, per world and tier (`rank_and_file`, `prominent`, `foreign`)."""

from __future__ import annotations

import numpy as np

from quidproquo.engine.arrays import ParameterVectors, row_sum


class Prisoners(ParameterVectors):
    """Counts held per (world, tier), and the prominent prisoners freed so far per world.

    A tier's parameters (`vector`, `valuation`) are (tiers,) arrays, or (worlds, tiers) where a
    sweep point or a posterior draw varies one of them by world."""

    def __init__(self, parameters, worlds: int):
        super().__init__()
        self.parameters, self.cfg = parameters, parameters.cfg
        self.tiers: tuple[str, ...] = tuple(self.cfg.goods.prisoners)
        initial = self.vector("initial")
        self.held = np.broadcast_to(initial, (worlds, len(self.tiers))).astype(np.int64)  # (worlds, tiers)
        self.initial = self.held.copy()
        # The stock at the start: an int, or (worlds,) where a tier's initial count varies by world.
        self.initial_total = int(np.sum(initial)) if np.ndim(initial) == 1 else row_sum(self.held)
        self.released_prominent = np.zeros(worlds, dtype=np.int64)

    def _per_tier(self, path: str) -> np.ndarray:
        """(tiers,) of a tier parameter, or (worlds, tiers) if it varies by world."""
        keys = [f"goods.prisoners.{tier}.{path}" for tier in self.tiers]
        values = [self.parameters.get(key) for key in keys]
        if all(np.ndim(v) == 0 for v in values):
            return values
        worlds = max(np.size(v) for v in values)
        return np.stack([np.broadcast_to(np.asarray(v, dtype=np.float64), (worlds,)) for v in values], axis=1)

    def vector(self, attribute: str) -> np.ndarray:
        """A per-tier parameter (read-only) as of the last `refresh`: (tiers,) or (worlds, tiers)."""
        return self.cached(("vector", attribute), lambda: self._per_tier(attribute))

    def valuation(self, actor: str) -> np.ndarray:
        """What a prisoner of each tier is worth to `actor` (read-only), as of the last `refresh`:
        (tiers,) or (worlds, tiers)."""
        return self.cached(("valuation", actor), lambda: self._per_tier(f"valuation.{actor}"))

    @property
    def total(self) -> np.ndarray:
        return row_sum(self.held)

    def prominent_share(self, count: np.ndarray, worlds=None) -> np.ndarray:
        """A number of prominent prisoners as a share of the prominent tier at the start (zero
        where the scenario has no such tier): how far freed leaders lift the exile. `worlds`
        names the worlds `count` belongs to (default all)."""
        if "prominent" not in self.tiers:
            return np.zeros(np.shape(count))
        start = self.initial[:, self.tiers.index("prominent")]
        start = start if worlds is None else start[worlds]
        start = np.maximum(start, 1).reshape(start.shape + (1,) * (np.ndim(count) - 1))
        return count / start

    def prominent(self, counts: np.ndarray) -> np.ndarray:
        """The prominent tier's column of `counts` (..., tiers); zeros without such a tier."""
        if "prominent" not in self.tiers:
            return np.zeros(counts.shape[:-1], dtype=counts.dtype)
        return counts[..., self.tiers.index("prominent")]

    def release(self, counts: np.ndarray) -> None:
        self.held -= counts
        self.released_prominent += self.prominent(counts)
