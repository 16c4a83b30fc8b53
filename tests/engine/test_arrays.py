"""The array helpers for short axes: the same numbers as numpy's reductions, and caches that hold."""

import numpy as np
import pytest

from quidproquo.engine.arrays import ParameterVectors, frozen, row_any, row_sum


@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 7), (1, 1), (6,)])
def test_row_sum_and_row_any_equal_numpys_reductions_over_the_last_axis(shape):
    counts = np.random.default_rng(0).integers(0, 50, shape)
    assert np.array_equal(row_sum(counts), counts.sum(axis=-1))
    assert row_sum(counts).dtype == np.int64 and row_sum(counts).shape == shape[:-1]
    mask = counts > 40
    assert np.array_equal(row_sum(mask), mask.sum(axis=-1))
    assert np.array_equal(row_any(mask), mask.any(axis=-1))
    assert row_any(mask).dtype == bool


def test_an_empty_last_axis_sums_to_zero_and_holds_nothing():
    assert row_sum(np.zeros((3, 0), dtype=np.int64)).tolist() == [0, 0, 0]
    assert row_any(np.zeros((3, 0), dtype=bool)).tolist() == [False, False, False]


def test_a_frozen_array_cannot_be_written():
    array = frozen([1.5, 2.5], np.float64)
    assert array.dtype == np.float64 and array.tolist() == [1.5, 2.5]
    with pytest.raises(ValueError):
        array[0] = 0.0


def test_a_cached_vector_is_made_once_until_refresh():
    made = []

    def values():
        made.append(1)
        return [len(made), 2.0]

    vectors = ParameterVectors()
    first = vectors.cached(("vector", "inflow"), values)
    assert vectors.cached(("vector", "inflow"), values) is first and len(made) == 1
    assert not first.flags.writeable and first.tolist() == [1.0, 2.0]
    assert vectors.cached(("vector", "other"), values).tolist() == [2.0, 2.0]  # another key, its own vector
    vectors.refresh()
    assert vectors.cached(("vector", "inflow"), values).tolist() == [3.0, 2.0]
    assert vectors.cached(("of", "eu"), lambda: [True, False], bool).dtype == bool
