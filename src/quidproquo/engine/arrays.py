"""Small array helpers for the short axes the model is full of (tiers, instruments)."""

from __future__ import annotations

import numpy as np


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


def frozen(values: list, dtype) -> np.ndarray:
    """A read-only array: cached parameter vectors are shared, so nobody may write into them."""
    array = np.array(values, dtype=dtype)
    array.flags.writeable = False
    return array


class ParameterVectors:
    """Per-item parameters (per tier, per instrument) read from the config once a round.

    Reading a value from the config costs far more than the arithmetic it feeds, so each vector
    is cached until `refresh()`, which the model calls at the start of every round, after the
    dated events: an event's change is seen from its month on.
    """

    def __init__(self):
        self._vectors: dict[tuple, np.ndarray] = {}

    def refresh(self) -> None:
        """Forget the cached vectors, so the next read sees the config as it is now."""
        self._vectors.clear()

    def cached(self, key: tuple, values, dtype=np.float64) -> np.ndarray:
        """The vector cached under `key`, made from `values()` on first use since a refresh."""
        if key not in self._vectors:
            self._vectors[key] = frozen(values(), dtype)
        return self._vectors[key]


def weigh(values: np.ndarray, weights) -> np.ndarray:
    """The weighted sum over the last (short) axis -- `values @ weights` for (..., items) values
    and (items,) or (..., items) weights -- added term by term, in order. A world's sum then never
    depends on how many worlds run beside it (BLAS's `@` orders its sums by the array's shape)."""
    weights = np.asarray(weights, dtype=np.float64)
    total = values[..., 0] * weights[..., 0]
    for i in range(1, values.shape[-1]):
        total = total + values[..., i] * weights[..., i]
    return total


def at(values, worlds):
    """A parameter's value for some worlds: the rows `worlds` of a per-world array (leading axis
    as long as the model's worlds), or a shared value (a scalar, or a (1, items) row) as it is."""
    if np.ndim(values) == 0 or np.shape(values)[0] == 1 or worlds is None:
        return values
    return values[worlds]


def column(value, dims: int = 1):
    """A per-world value as a column, (worlds, 1, ...) with `dims` trailing axes, to meet a
    (worlds, items...) array; a scalar as it is."""
    if np.ndim(value) == 0:
        return value
    return np.asarray(value).reshape(np.shape(value) + (1,) * dims)


def total(values: np.ndarray) -> np.ndarray:
    """`values.sum(axis=-1)` for floats over a short last axis, added term by term in order:
    numpy picks its summation order by the array's shape, so the same world's sum could differ
    in its last bit between a run of 20 worlds and one of 1,000."""
    out = np.array(values[..., 0], dtype=np.float64)
    for i in range(1, values.shape[-1]):
        out = out + values[..., i]
    return out
