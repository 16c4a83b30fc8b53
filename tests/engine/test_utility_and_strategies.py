"""Utility functions and concession strategies, against values computed by hand."""

import numpy as np
import pytest

from quidproquo import strategies, utility
from tests_support import model_with_utility


def spiteful(components, weights, spite=2.0):
    """A user's own utility: it counts only losses, `spite` times over."""
    return sum(weights.get(k, 1.0) * np.minimum(v, 0.0) * spite for k, v in components.items())


def test_linear_is_the_weighted_sum():
    c = {"relief": np.array([10.0, 0.0]), "security": np.array([-4.0, -1.0])}
    assert np.allclose(utility.linear(c, {"relief": 2.0, "security": 0.5}), [18.0, -0.5])


def test_crra_is_concave_in_gains_and_log_at_one():
    c = {"relief": np.array([0.0, 100.0, 300.0])}
    u = utility.crra(c, {"relief": 1.0}, risk_aversion=1.0, scale=100.0)
    assert np.allclose(u, [0.0, 100 * np.log(2), 100 * np.log(4)])
    u2 = utility.crra(c, {"relief": 1.0}, risk_aversion=2.0, scale=100.0)
    assert np.allclose(u2, [0.0, 100 * (1 - 1 / 2), 100 * (1 - 1 / 4)])  # ((1+y)^-1 - 1)/(-1)


def test_reference_dependent_weighs_losses_more():
    c = {"relief": np.array([10.0]), "security": np.array([-10.0])}
    u = utility.reference_dependent(c, {}, reference=0.0, loss_aversion=2.25)
    assert np.allclose(u, [10.0 - 22.5])


@pytest.mark.parametrize(
    "exponent,t,expected", [(1.0, 0.5, 0.5), (0.5, 0.5, 0.25), (2.0, 0.25, 0.5), (0.2, 1.0, 1.0), (5.0, 0.0, 0.0)]
)
def test_time_dependent_concession_follows_the_formula(exponent, t, expected):
    assert np.allclose(strategies.time_dependent(t, np.zeros(2), exponent=exponent), expected)


def test_named_time_dependent_strategies():
    z = np.zeros(1)
    assert strategies.boulware(0.5, z)[0] < strategies.linear(0.5, z)[0] < strategies.conceder(0.5, z)[0]


def test_tit_for_tat_matches_the_opponent_plus_a_step():
    assert np.allclose(strategies.tit_for_tat(0.3, np.array([0.0, 0.4, 0.95]), step=0.1), [0.1, 0.5, 1.0])


def test_utility_is_chosen_per_actor_by_target():
    m = model_with_utility(
        "actors.minsk.utility", {"_target_": "quidproquo.utility.reference_dependent", "loss_aversion": 3.0}
    )
    assert m.minsk.utility.func is utility.reference_dependent
    assert m.minsk.utility.keywords == {"loss_aversion": 3.0}
    assert m.washington.utility is utility.linear


def test_a_users_own_utility_defined_here_works_the_same_way(monkeypatch):
    # By _target_ naming this test module, exactly as a user's config would name theirs, once trusted ...
    monkeypatch.setenv("QPQ_TRUST", "test_utility_and_strategies")
    m = model_with_utility("actors.minsk.utility", {"_target_": "test_utility_and_strategies.spiteful", "spite": 3.0})
    m.run()
    flows = m.recorder.utility[:, :, 0]
    assert np.all(flows <= 0) and np.isfinite(flows).all()
    # ... and as a callable passed straight in.
    from quidproquo.config import load
    from quidproquo.engine.model import BargainingModel

    cfg = load(["scenario=thaw", "engine.worlds=2", "engine.rounds=3"])
    cfg.actors.washington.utility = spiteful
    m2 = BargainingModel(config=cfg).run()
    assert np.all(m2.recorder.utility[:, :, 1] <= 0)
