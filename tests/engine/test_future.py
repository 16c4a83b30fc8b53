"""The present value of a monthly flow that lasts: `annuity` against sums written out."""

import itertools

import pytest

from quidproquo.engine.future import annuity


@pytest.mark.parametrize("discount", [0.5, 0.9, 0.97, 0.999])
@pytest.mark.parametrize(("remaining", "lag"), [(1, 0), (12, 0), (36, 0), (36, 3), (5, 4), (240, 12)])
def test_annuity_is_the_discounted_sum_of_the_months_from_the_lag_to_the_horizon(discount, remaining, lag):
    assert annuity(discount, remaining, lag) == pytest.approx(sum(discount**t for t in range(lag, remaining)))


@pytest.mark.parametrize(("remaining", "lag"), [(0, 0), (-3, 0), (3, 3), (3, 5)])
def test_a_flow_that_starts_at_or_after_the_horizon_is_worth_nothing(remaining, lag):
    assert annuity(0.9, remaining, lag) == 0.0


def test_one_month_now_is_worth_one_and_a_longer_flow_more_up_to_the_perpetuity():
    assert annuity(0.9, 1) == pytest.approx(1.0)
    values = [annuity(0.9, n) for n in range(1, 150)]  # 0.9**150 is still above float resolution
    assert all(a < b for a, b in itertools.pairwise(values))
    assert values[-1] < 1 / (1 - 0.9) and values[-1] == pytest.approx(1 / (1 - 0.9))


def test_waiting_a_month_costs_one_discount_factor():
    assert annuity(0.9, 24, lag=1) == pytest.approx(0.9 * annuity(0.9, 23))
