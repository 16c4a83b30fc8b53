"""The goods traded: political prisoners in tiers, and sanction instruments with a state.

Both hold a leading world axis. Prisoner counts are integers per (world, tier); instrument
states are small integers per (world, instrument).
"""

from __future__ import annotations

import numpy as np

from quidproquo.config import Config

IMPOSED, LIFTED, SUSPENDED = 0, 1, 2
STATE_NAMES = ("imposed", "lifted", "suspended")


class Prisoners:
    """Political prisoners held by Minsk, per world and tier."""

    def __init__(self, cfg: Config, worlds: int):
        self.cfg = cfg
        self.tiers: tuple[str, ...] = tuple(cfg.goods.prisoners)
        initial = np.array([t.initial for t in self._configs], dtype=np.int64)
        self.held = np.tile(initial, (worlds, 1))
        self.initial_total = int(initial.sum())
        self.released_prominent = np.zeros(worlds, dtype=np.int64)

    @property
    def _configs(self):
        return [self.cfg.goods.prisoners[t] for t in self.tiers]

    def vector(self, attribute: str) -> np.ndarray:
        """A per-tier parameter as an array, read live so dated events take effect."""
        return np.array([getattr(t, attribute) for t in self._configs], dtype=np.float64)

    def valuation(self, actor: str) -> np.ndarray:
        return np.array([getattr(t.valuation, actor) for t in self._configs], dtype=np.float64)

    @property
    def total(self) -> np.ndarray:
        return self.held.sum(axis=1)

    def release(self, counts: np.ndarray) -> None:
        self.held -= counts
        if "prominent" in self.tiers:
            self.released_prominent += counts[:, self.tiers.index("prominent")]


class Instruments:
    """Sanction instruments per world: state, pending staged relief, and extra EU listings."""

    def __init__(self, cfg: Config, worlds: int):
        self.cfg = cfg
        self.names: tuple[str, ...] = tuple(cfg.goods.instruments)
        code = {name: i for i, name in enumerate(STATE_NAMES)}
        start = np.array([code[self[n].state] for n in self.names], dtype=np.int8)
        self.state = np.tile(start, (worlds, 1))
        self.pending_lift = np.full((worlds, len(self.names)), -1, dtype=np.int64)
        self.listings = np.zeros(worlds, dtype=np.int64)
        self.initial_cost = float(self.vector("monthly_cost") @ (start == IMPOSED))

    def __getitem__(self, name: str):
        return self.cfg.goods.instruments[name]

    def vector(self, attribute: str) -> np.ndarray:
        return np.array([getattr(self[n], attribute) for n in self.names], dtype=np.float64)

    def of(self, sender: str) -> np.ndarray:
        """Boolean mask of the instruments a sender controls."""
        return np.array([self[n].sender == sender for n in self.names], dtype=bool)

    @property
    def imposed(self) -> np.ndarray:
        return self.state == IMPOSED

    @property
    def _listings_column(self) -> int | None:
        """New EU listings are booked on the EU's last instrument (its sectoral packages)."""
        eu = np.flatnonzero(self.of("eu"))
        return int(eu[-1]) if eu.size else None

    @property
    def monthly_cost(self) -> np.ndarray:
        """What each instrument costs Minsk this month per world, EU listings included."""
        cost = np.tile(self.vector("monthly_cost"), (self.state.shape[0], 1))
        column = self._listings_column
        if column is not None:
            cost[:, column] += self.listings * self.cfg.actors.eu.listing_cost
        return cost

    def cost_in_force(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Monthly cost to Minsk of the imposed instruments (those in `mask`), per world."""
        imposed = self.imposed if mask is None else self.imposed & mask
        cost = imposed @ self.vector("monthly_cost")
        column = self._listings_column
        if column is not None:
            cost = cost + self.listings * self.cfg.actors.eu.listing_cost * imposed[:, column]
        return cost

    @property
    def cost_avoided(self) -> np.ndarray:
        """Monthly cost Minsk no longer bears because instruments are lifted or suspended."""
        full = self.vector("monthly_cost").sum() + (self.listings * self.cfg.actors.eu.listing_cost if self._listings_column is not None else 0.0)
        return full - self.sanctions_cost

    @property
    def sanctions_cost(self) -> np.ndarray:
        """Total monthly cost of the sanctions in force, per world (USD m)."""
        return self.cost_in_force()
