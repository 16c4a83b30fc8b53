"""The per-world random streams: exact distributions, and independence from the world count."""

import numpy as np
import pytest
from scipy import stats

from quidproquo.engine.streams import Streams

N = 200_000


def chi_square_p(sample: np.ndarray, pmf) -> float:
    """Goodness of fit over the cells with at least 20 expected counts."""
    k = np.arange(sample.max() + 1)
    observed = np.bincount(sample, minlength=k.size)
    expected = pmf(k) * sample.size
    keep = expected >= 20
    return stats.chisquare(observed[keep], expected[keep] * observed[keep].sum() / expected[keep].sum()).pvalue


@pytest.mark.parametrize("mean", [0.3, 4.0, 9.99, 10.0, 42.0, 400.0])
def test_poisson_is_exact(mean):
    draws = Streams(11, np.arange(N)).poisson(3, 1, np.full(N, mean))
    assert draws.dtype == np.int64 and draws.min() >= 0
    assert abs(draws.mean() - mean) < 5 * np.sqrt(mean / N)
    assert chi_square_p(draws, stats.poisson(mean).pmf) > 1e-4


@pytest.mark.parametrize(
    "n,p", [(1000, 0.03), (1100, 0.02), (30, 0.9), (5, 0.5), (1000, 0.001), (200, 0.45), (50, 1.0), (0, 0.3)]
)
def test_binomial_is_exact(n, p):
    draws = Streams(5, np.arange(N)).binomial(2, 7, np.full(N, n), np.full(N, p))
    assert draws.min() >= 0 and draws.max() <= n
    if n == 0 or p in (0.0, 1.0):
        assert (draws == n * p).all()
        return
    assert abs(draws.mean() - n * p) < 5 * np.sqrt(n * p * (1 - p) / N)
    assert chi_square_p(draws, stats.binom(n, p).pmf) > 1e-4


def test_a_world_draws_the_same_numbers_whatever_runs_beside_it():
    means = np.linspace(0.5, 80, 1000)
    big = Streams(9, np.arange(1000))
    alone = Streams(9, np.array([17]))
    assert big.uniform(4, 2)[17] == alone.uniform(4, 2)[0]
    assert big.poisson(4, 2, means)[17] == alone.poisson(4, 2, means[17:18])[0]
    held = np.arange(1000) + 100
    assert big.binomial(4, 3, held, 0.05)[17] == alone.binomial(4, 3, held[17:18], 0.05)[0]


def test_streams_differ_by_seed_round_and_purpose():
    s = Streams(1, np.arange(1000))
    base = s.uniform(0, 0)
    assert not np.array_equal(base, s.uniform(1, 0))
    assert not np.array_equal(base, s.uniform(0, 1))
    assert not np.array_equal(base, Streams(2, np.arange(1000)).uniform(0, 0))
    assert base.min() > 0 and base.max() < 1
    assert abs(base.mean() - 0.5) < 0.03


def test_a_binomial_drawn_for_some_worlds_equals_the_same_worlds_in_a_full_draw():
    streams = Streams(9, np.arange(500))
    n = np.arange(500) * 3
    full = streams.binomial(4, 41, n, 0.2)
    at = np.array([3, 77, 140, 499])
    assert streams.binomial(4, 41, n[at], 0.2, at=at).tolist() == full[at].tolist()


def test_the_mix_of_one_number_is_the_mix_of_an_array_and_splitmix64s_own():
    """A draw's counter is mixed in Python integers, the worlds' keys in numpy: the same bits,
    SplitMix64's (its first output from seed 0 is 0xE220A8397B1DCDAF), for numpy integers too."""
    from quidproquo.engine.streams import _splitmix, _splitmix_int

    assert _splitmix_int(0) == 0xE220A8397B1DCDAF
    numbers = [0, 1, 2**63 - 1, 2**63, 2**64 - 1, *np.random.default_rng(0).integers(0, 2**63, 50, dtype=np.uint64)]
    array = _splitmix(np.array(numbers, dtype=np.uint64))
    assert [_splitmix_int(int(x)) for x in numbers] == [int(x) for x in array]
    streams = Streams(4, np.arange(3))
    assert np.array_equal(streams.uniform(np.int64(7), np.int64(31), np.int64(2)), streams.uniform(7, 31, 2))
