"""The array helpers for short axes: the same numbers as numpy's reductions, and caches that hold."""

import numpy as np
import pytest

from quidproquo.engine.arrays import ParameterVectors, at, column, frozen, row_any, row_sum, total, weigh


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


def test_weigh_is_the_weighted_sum_and_a_worlds_sum_does_not_depend_on_its_neighbours():
    rng = np.random.default_rng(1)
    values, weights = rng.normal(size=(1000, 7)), rng.normal(size=7)
    assert weigh(values, weights) == pytest.approx(values @ weights)
    per_world = rng.normal(size=(1000, 7))
    assert weigh(values, per_world) == pytest.approx((values * per_world).sum(axis=1))
    # Term by term in order: the same row gives the same bits alone, in 20 worlds or in 1,000.
    assert np.array_equal(weigh(values[17:18], weights), weigh(values, weights)[17:18])
    assert np.array_equal(weigh(values[:20], weights)[17], weigh(values, weights)[17])
    assert np.array_equal(total(values[17:18]), total(values)[17:18])
    assert total(values) == pytest.approx(values.sum(axis=1)) and total(values).dtype == np.float64


def test_at_picks_the_worlds_rows_of_a_per_world_value_and_leaves_a_shared_one():
    per_world, worlds = np.array([10.0, 11.0, 12.0, 13.0]), np.array([3, 1])
    assert at(per_world, worlds).tolist() == [13.0, 11.0]
    assert at(per_world, None) is per_world
    assert at(2.5, worlds) == 2.5
    shared_row = np.array([[1.0, 2.0]])
    assert at(shared_row, worlds) is shared_row


def test_column_turns_a_per_world_value_into_a_column_that_meets_items():
    per_world = np.array([1.0, 2.0, 3.0])
    assert column(per_world).shape == (3, 1) and column(per_world, dims=2).shape == (3, 1, 1)
    assert (column(per_world) * np.ones((3, 4)))[:, 3].tolist() == [1.0, 2.0, 3.0]
    assert column(0.5) == 0.5
