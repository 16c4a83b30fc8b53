"""The present value of a monthly flow that lasts: `lasting` against sums written out, and the
same whatever the run's length."""

import pytest

from quidproquo.engine.future import lasting


@pytest.mark.parametrize("discount", [0.5, 0.9, 0.97, 0.999])
@pytest.mark.parametrize("hazard", [0.0, 0.02, 0.5])
@pytest.mark.parametrize("lag", [0, 1, 3, 12])
def test_lasting_is_the_discounted_sum_of_the_months_it_survives(discount, hazard, lag):
    kept = discount * (1 - hazard)
    written_out = sum(kept**t for t in range(lag, 20_000))  # kept**20000 is below float resolution
    assert lasting(discount, hazard, lag) == pytest.approx(written_out)


def test_no_hazard_is_the_perpetuity_and_a_certain_end_is_one_month():
    assert lasting(0.9, 0.0) == pytest.approx(1 / (1 - 0.9))
    assert lasting(0.9, 1.0) == pytest.approx(1.0)  # it pays this month, then ends for sure


def test_waiting_a_month_costs_one_discount_factor_and_one_survival():
    assert lasting(0.9, 0.1, lag=1) == pytest.approx(0.9 * 0.9 * lasting(0.9, 0.1))


def test_a_discount_per_world_gives_each_world_its_own_value():
    import numpy as np

    values = lasting(np.array([0.9, 0.97]), 0.02, lag=2)
    assert values.tolist() == [lasting(0.9, 0.02, lag=2), lasting(0.97, 0.02, lag=2)]
