"""One divisible good split between two claimants: shares, offers and the Nash split by hand."""

import numpy as np
import pytest

from quidproquo import strategies
from quidproquo.engine.bargaining import alternate, nash
from quidproquo.engine.divisible import Claimant


def claimant(name, first, reservation, utility=lambda x: x, discount=0.9, strategy=strategies.linear, worlds=3):
    return Claimant(name, utility, np.full(worlds, float(reservation)), discount, strategy, first)


def test_the_least_share_worth_a_target_is_found_for_any_increasing_utility():
    linear, root = claimant("w", True, 0), claimant("m", False, 0, utility=np.sqrt)
    target = np.array([0.0, 0.25, 0.81])
    assert linear.least_share(target) == pytest.approx(target)
    assert root.least_share(target) == pytest.approx(target**2)
    assert linear.least_share(np.array([2.0, 2.0, 2.0])).tolist() == [1.0, 1.0, 1.0]  # out of reach: all of it


def test_the_candidate_is_the_first_sides_share_and_the_second_gets_the_rest():
    w, m = claimant("w", True, 0), claimant("m", False, 0)
    candidate = np.array([0.2, 0.5, 0.9])
    assert w.value(candidate) == pytest.approx(candidate) and m.value(candidate) == pytest.approx(1 - candidate)
    # Each claims just what reaches its target and leaves the rest.
    assert w.offer(m, np.array([0.3, 0.6, 1.0])) == pytest.approx([0.3, 0.6, 1.0])
    assert m.offer(w, np.array([0.3, 0.6, 1.0])) == pytest.approx([0.7, 0.4, 0.0])
    assert w.aspiration.tolist() == [1.0, 1.0, 1.0] and w.rows(np.array([0])).reservation.tolist() == [0.0]


def test_a_zone_of_agreement_exists_while_the_reservations_fit_into_the_good():
    w = Claimant("w", lambda x: x, np.array([0.2, 0.5, 0.7]), 0.9, strategies.linear, True)
    m = Claimant("m", lambda x: x, np.array([0.3, 0.5, 0.4]), 0.9, strategies.linear, False)
    assert w.zone(m).tolist() == [True, True, False]


@pytest.mark.parametrize("weight", [0.5, 0.3, 0.8])
def test_the_nash_split_gives_each_its_reservation_and_its_weight_of_the_surplus(weight):
    w = Claimant("w", lambda x: x, np.array([0.0, 0.1, 0.3]), 0.9, strategies.linear, True)
    m = Claimant("m", lambda x: x, np.array([0.0, 0.2, 0.1]), 0.9, strategies.linear, False)
    split, feasible = w.nash_point(m, weight)
    surplus = 1 - w.reservation - m.reservation
    assert feasible.all() and split == pytest.approx(w.reservation + weight * surplus, abs=1e-6)
    outcome = nash(w, m, weight)
    assert outcome.deal.all() and outcome.candidate == pytest.approx(split)


def test_with_no_zone_the_nash_protocol_records_no_deal_as_nan():
    w, m = claimant("w", True, 0.7, worlds=1), claimant("m", False, 0.6, worlds=1)
    outcome = nash(w, m, 0.5)
    assert not outcome.deal[0] and np.isnan(outcome.candidate[0])


def test_alternating_offers_on_the_good_end_in_a_split_both_accept():
    w, m = claimant("w", True, 0.1), claimant("m", False, 0.2)
    outcome = alternate(w, m, max_offers=6)
    assert outcome.deal.all()
    agreed = outcome.candidate
    assert (agreed >= w.reservation - 1e-9).all() and (1 - agreed >= m.reservation - 1e-9).all()
    for offer in outcome.offers:
        made = offer.made
        assert np.isfinite(offer.values["w"][made]).all() and np.isnan(offer.values["w"][~made]).all()
