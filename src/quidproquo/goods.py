"""The goods traded: political prisoners in tiers, and sanction instruments with a state.

Both hold a leading world axis. Prisoner counts are integers per (world, tier); instrument
states are small integers per (world, instrument).

Per-tier and per-instrument parameters live in the config, where dated events may change them.
Reading one from the config costs far more than the arithmetic it feeds, so each is read once per
round and cached; the model calls `refresh()` at the start of every round and after the events.
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
        self._vectors: dict[tuple[str, str], np.ndarray] = {}

    def refresh(self) -> None:
        """Forget the cached parameter vectors, so the next read sees the config as it is now."""
        self._vectors.clear()

    @property
    def _configs(self):
        return [self.cfg.goods.prisoners[t] for t in self.tiers]

    def vector(self, attribute: str) -> np.ndarray:
        """A per-tier parameter as a (read-only) array, as of the last `refresh`."""
        key = ("vector", attribute)
        if key not in self._vectors:
            self._vectors[key] = _frozen([getattr(t, attribute) for t in self._configs], np.float64)
        return self._vectors[key]

    def valuation(self, actor: str) -> np.ndarray:
        """What a prisoner of each tier is worth to `actor` (read-only), as of the last `refresh`."""
        key = ("valuation", actor)
        if key not in self._vectors:
            self._vectors[key] = _frozen([getattr(t.valuation, actor) for t in self._configs], np.float64)
        return self._vectors[key]

    @property
    def total(self) -> np.ndarray:
        return row_sum(self.held)

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
        self._vectors: dict[tuple[str, str], np.ndarray] = {}
        self.initial_cost = float(self.vector("monthly_cost") @ (start == IMPOSED))

    def refresh(self) -> None:
        """Forget the cached parameter vectors, so the next read sees the config as it is now."""
        self._vectors.clear()

    def __getitem__(self, name: str):
        return self.cfg.goods.instruments[name]

    def vector(self, attribute: str) -> np.ndarray:
        """A per-instrument parameter as a (read-only) array, as of the last `refresh`."""
        key = ("vector", attribute)
        if key not in self._vectors:
            self._vectors[key] = _frozen([getattr(self[n], attribute) for n in self.names], np.float64)
        return self._vectors[key]

    def of(self, sender: str) -> np.ndarray:
        """Boolean mask (read-only) of the instruments a sender controls."""
        key = ("of", sender)
        if key not in self._vectors:
            self._vectors[key] = _frozen([self[n].sender == sender for n in self.names], bool)
        return self._vectors[key]

    @property
    def imposed(self) -> np.ndarray:
        return self.state == IMPOSED

    @property
    def _listings_column(self) -> int | None:
        """New EU listings are booked on the EU's last instrument (its sectoral packages)."""
        eu = np.flatnonzero(self.of("eu"))
        return int(eu[-1]) if eu.size else None

    def monthly_cost_of(self, worlds: np.ndarray | None) -> np.ndarray:
        """What each instrument costs Minsk this month, EU listings included, for some worlds
        (None: all)."""
        listings = self.listings if worlds is None else self.listings[worlds]
        cost = np.tile(self.vector("monthly_cost"), (listings.shape[0], 1))
        column = self._listings_column
        if column is not None:
            cost[:, column] += listings * self.cfg.actors.eu.listing_cost
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


def row_sum(counts: np.ndarray) -> np.ndarray:
    """`counts.sum(axis=-1)` for integer or boolean counts over a short last axis (tiers,
    instruments), added column by column: numpy reduces a short axis row by row, ~10x slower."""
    total = np.zeros(counts.shape[:-1], dtype=np.int64)
    for i in range(counts.shape[-1]):
        total += counts[..., i]
    return total


def row_any(mask: np.ndarray) -> np.ndarray:
    """`mask.any(axis=-1)` for a boolean mask over a short last axis, column by column."""
    out = np.zeros(mask.shape[:-1], dtype=bool)
    for i in range(mask.shape[-1]):
        out |= mask[..., i]
    return out


def _frozen(values: list, dtype) -> np.ndarray:
    """A read-only array: cached vectors are shared, so nobody may write into them."""
    array = np.array(values, dtype=dtype)
    array.flags.writeable = False
    return array
