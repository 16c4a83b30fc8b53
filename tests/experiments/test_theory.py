"""The engine reduces exactly to textbook bargaining games (scenarios/theory/).

Each test runs the real BargainingModel on a theory scenario and checks it against the
formula written out here (or scipy.optimize for the Nash product), over parameter ranges.
"""

import os

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from quidproquo.experiments import theory
from quidproquo.utility import crra
from tests_support import in_process

discounts = st.floats(0.0, 1.0, exclude_min=True, exclude_max=True)
curvature = st.sampled_from([None, 0.5, 1.0, 2.0, 4.0])  # None: linear utility of one's share


@settings(max_examples=100, deadline=None)
@given(discounts, discounts)
def test_rubinstein_agreement_in_the_first_round_at_the_spe_split(d1, d2):
    share, agreed_at = theory.rubinstein_engine(d1, d2)
    assert agreed_at == 0
    assert abs(share - (1 - d2) / (1 - d1 * d2)) <= 1e-9


def backward_induction(d1, d2, offers):
    """The first proposer's share with `offers` offers: solve the last offer, then step back."""
    last_is_first = offers % 2 == 1
    shares = {offers - 1: 1.0}  # offer index -> share of whoever proposes it
    for k in range(offers - 2, -1, -1):
        responder_is_first = (k + 1) % 2 == 0  # the responder at k proposes at k + 1
        shares[k] = 1 - (d1 if responder_is_first else d2) * shares[k + 1]
    assert last_is_first == ((offers - 1) % 2 == 0)
    return shares[0]


@settings(max_examples=60, deadline=None)
@given(discounts, discounts, st.integers(1, 30))
def test_rubinstein_with_a_deadline_gives_the_backward_induction_split(d1, d2, offers):
    share, agreed_at = theory.rubinstein_engine(d1, d2, offers)
    assert agreed_at == 0
    assert abs(share - backward_induction(d1, d2, offers)) <= 1e-9


def test_the_deadline_split_tends_to_the_infinite_horizon_split():
    long, _ = theory.rubinstein_engine(0.9, 0.8, 301)
    assert abs(long - (1 - 0.8) / (1 - 0.72)) < 1e-9


def share_utility(eta):
    if eta is None:
        return lambda x: x
    return lambda x: crra({"share": x}, {"share": 1.0}, risk_aversion=eta, scale=1.0)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.05, 0.95), st.floats(0.0, 0.9), st.floats(0.0, 0.9), curvature, curvature)
def test_nash_protocol_maximises_the_weighted_nash_product(weight, f1, f2, eta1, eta2):
    u1, u2 = share_utility(eta1), share_utility(eta2)
    # Disagreement points below each side's value of half the good, so that some split beats both.
    r1, r2 = f1 * u1(0.5), f2 * u2(0.5)

    def log_product(x):
        g1, g2 = u1(x) - r1, u2(1 - x) - r2
        return weight * np.log(g1) + (1 - weight) * np.log(g2) if g1 > 0 and g2 > 0 else -1e12

    # Search where both gain: between the shares that just meet each disagreement point.
    low = optimize.brentq(lambda x: u1(x) - r1, 0, 1) if r1 > 0 else 0.0
    high = optimize.brentq(lambda x: u2(1 - x) - r2, 0, 1) if r2 > 0 else 1.0
    best = optimize.minimize_scalar(
        lambda x: -log_product(x), bounds=(low, high), method="bounded", options={"xatol": 1e-12}
    )
    share = theory.nash_engine(weight, r1, r2, eta1, eta2)
    assert abs(share - best.x) < 1e-6
    assert log_product(share) >= -best.fun - 1e-12  # the engine's split is at least as good


def test_nash_split_of_linear_utilities_is_the_weighted_share_of_the_surplus():
    # u = x and 1 - x: x* = r1 + w (1 - r1 - r2).
    assert abs(theory.nash_engine(0.7, 0.1, 0.2) - (0.1 + 0.7 * 0.7)) < 1e-9


def test_no_nash_agreement_when_the_disagreement_points_leave_no_surplus():
    assert np.isnan(theory.nash_engine(0.5, 0.6, 0.6))


def test_the_more_risk_averse_side_gets_less():
    assert theory.nash_engine(0.5, 0, 0, None, 2.0) > 0.55
    assert theory.nash_engine(0.5, 0, 0, 2.0, None) < 0.45


def time_dependent_value(k, offers, exponent, reservation):
    t = k / (offers - 1)
    return 1 - t ** (1 / exponent) * (1 - reservation)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.1, 10.0), st.floats(0.1, 10.0), st.floats(0.51, 0.95), st.integers(2, 20))
def test_time_dependent_offers_follow_the_formula_at_every_step(e_w, e_m, reservation, offers):
    made = theory.concession_engine(e_w, e_m, reservation, offers)
    assert list(made.step) == list(range(offers))  # no zone of agreement: every offer is made
    for step, proposer, value in made.itertuples(index=False):
        exponent = e_w if proposer == "washington" else e_m
        assert proposer == ("washington" if step % 2 == 0 else "minsk")
        assert abs(value - time_dependent_value(step, offers, exponent, reservation)) <= 1e-9


def test_boulware_holds_firm_while_a_conceder_gives_ground_early():
    made = theory.concession_engine(0.2, 5.0)
    w = made[made.proposer == "washington"].own_value.to_numpy()
    m = made[made.proposer == "minsk"].own_value.to_numpy()
    assert w[2] > 0.99 and m[1] < 0.7  # offers 5 and 4 of 12


def test_qpq_theory_prints_the_table(env):
    out = in_process(["theory"], cwd=os.getcwd())
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split()[:2] == ["game", "parameters"] and lines[0].split()[-3:] == [
        "analytic",
        "engine",
        "difference",
    ]
    assert sum("Rubinstein" in line for line in lines) == 8
    assert sum("Nash bargaining" in line for line in lines) == 6
    assert sum("Time-dependent" in line for line in lines) == 12
    largest = float(lines[-1].split()[-1])
    assert largest < 1e-6
