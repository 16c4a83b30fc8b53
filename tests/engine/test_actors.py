"""Each actor's decision rule on hand-built states, against values computed by hand.

States are set directly on a small thaw model; the numbers in comments are the scenario's
defaults (src/quidproquo/config/schema.py, conf/case/belarus_mid_2025.yaml, scenarios/thaw.yaml).
"""

import numpy as np
import pytest

from quidproquo.engine.future import lasting
from quidproquo.engine.instruments import IMPOSED, LIFTED, SUSPENDED
from tests_support import model

A36 = lasting(0.97, 0.02)  # present value of a month of relief from now on, for as long as it lasts


def idx(m, name):
    return m.instruments.names.index(name)


def test_opposition_mobilises_with_freed_leaders_and_retreats_under_repression():
    m = model(worlds=3)
    m.prisoners.released_prominent[:] = [0, 10, 50]  # of 50 prominent at the start
    m.minsk.repression[:] = [1.0, 1.0, 2.0]
    m.prisoners.held[:] = [[549, 25, 17], [1098, 50, 35], [0, 0, 0]]  # half, all, none of 1,183 held
    m.opposition.act(m.streams)
    # target = 0.3 + 0.5 * freed_share - 0.2 * max(repression - 1, 0); move 0.2 of the gap from 0.3
    target = np.array([0.3, 0.3 + 0.5 * 0.2, 0.3 + 0.5 * 1.0 - 0.2 * 1.0])
    assert np.allclose(m.opposition.mobilisation, 0.3 + 0.2 * (target - 0.3))
    assert np.allclose(m.opposition.lobbying, 0.2 * np.array([591 / 1183, 1.0, 0.0]))


def test_moscow_presses_on_western_drift_and_eases_when_the_channel_serves_it():
    m = model(worlds=2)
    m.instruments.state[1, idx(m, "potash")] = LIFTED
    m.instruments.changed()  # set by hand: forget the costs derived from the states
    m.washington.engaged[:] = [False, True]
    m.moscow.act(m.streams)
    # drift: world 0 none; world 1 sheds potash (70 of 274 USD m) and had a visit (+0.1).
    # pressure' = p + 0.5 * max(drift - 0.1, 0) - 0.05 * p - 0.05 * visit
    assert np.allclose(m.moscow.drift, [0.0, 70 / 274 + 0.1])
    assert np.allclose(m.moscow.pressure, [0.2 - 0.01, 0.2 + 0.5 * (70 / 274) - 0.01 - 0.05])


def test_washington_prices_relief_in_prisoners_and_asks_more_under_lobbying():
    m = model(worlds=1)
    m.opposition.lobbying[:] = 0.2
    relief = np.zeros((1, 2, len(m.instruments.names)))
    relief[0, 1, idx(m, "potash")] = 0.1  # a licence: a tenth of USD 70 m and of 1 legitimacy
    # Shares of the 1,183 held at the start: 1,183 x (visit_ask 0.00845 + price 0.137 x the share of
    # its relief's worth, 7.1 of 108 USD m a month: belavia 8+1, embassy 0+3, potash 70+1, petroleum 25)
    # x (1 + lobbying) -- about 12 and 24.8 people.
    held = 1183 * 1.2
    expected = [held * 0.00845, held * (0.00845 + 0.137 * 7.1 / 108)]
    assert m.washington.price(np.array([0]), relief)[0].tolist() == pytest.approx(expected)


def test_the_same_shares_ask_the_same_share_of_a_case_of_any_size():
    small = model(worlds=1, **{"goods.prisoners.rank_and_file.initial": 98})  # 98 + 50 + 35 = 183 held
    large = model(worlds=1)  # 1,183 held
    relief = np.zeros((1, 1, len(large.instruments.names)))
    relief[0, 0, idx(large, "potash")] = 1.0
    asked = [m.washington.price(np.array([0]), relief)[0, 0] / m.prisoners.initial_total for m in (small, large)]
    assert asked[0] == pytest.approx(asked[1])


def test_washington_engages_by_its_rate_and_only_with_someone_to_ask_for():
    m = model(worlds=4, **{"actors.washington.engagement": 1.0})
    m.prisoners.held[3] = 0
    m.washington.act(m.streams)
    assert m.washington.engaged.tolist() == [True, True, True, False]
    never = model(worlds=4, **{"actors.washington.engagement": 0.0})
    never.washington.act(never.streams)
    assert not never.washington.engaged.any()


def test_washington_snaps_relief_back_after_an_arrest_surge():
    m = model(worlds=2)
    belavia = idx(m, "belavia")
    m.instruments.state[:, belavia] = LIFTED
    m.washington.granted[:, belavia] = True
    m.ledger.arrests[:] = [[80, 1, 1], [100, 1, 1]]  # base is 44 a month; snapback above 2 x 44 = 88
    m.washington.act(m.streams)
    assert m.instruments.state[:, belavia].tolist() == [LIFTED, IMPOSED]
    assert m.ledger.snapback.tolist() == [False, True]


def test_staged_relief_arrives_after_the_verification_lag():
    m = model(worlds=1, **{"bargaining.verification_lag": 2})
    embassy = idx(m, "embassy")
    steps = np.zeros((1, len(m.instruments.names)), dtype=np.int64)
    steps[0, embassy] = 3  # consular contacts, charge d'affaires, reopened
    m.instruments.lift(np.array([0]), steps, lag=2, round_=0)
    m.round = 1
    m.washington.act(m.streams)
    assert m.instruments.state[0, embassy] == IMPOSED and m.instruments.level[0, embassy] == 0
    m.round = 2
    m.washington.act(m.streams)
    assert m.instruments.state[0, embassy] == LIFTED and m.instruments.level[0, embassy] == 3
    assert m.instruments.pending[0, embassy] == -1


def menu_of_one(m, asked: int, lifted: list[str]):
    """A one-world menu whose candidate 1 * levels + 3 (all of the price) releases `asked`
    prisoners (foreign first, then prominent) against lifting `lifted` in full."""
    from quidproquo.engine.menu import build_menu

    steps = np.zeros((1, 2, len(m.instruments.names)), dtype=np.int64)
    for name in lifted:
        steps[0, 1, idx(m, name)] = m.instruments.step_count[idx(m, name)]
    full = (steps > 0).astype(float)
    order = np.argsort(-m.prisoners.valuation("washington"), kind="stable")
    return build_menu(
        np.array([[asked, asked]], dtype=float),
        m.prisoners.held[:1],
        order,
        steps,
        full,
        full,
        m.instruments.steps_left("washington", np.array([0])),
        levels=4,
    )


def test_minsk_values_a_bundle_by_relief_legitimacy_security_chips_autonomy_and_exile():
    m = model(worlds=1)
    menu = menu_of_one(m, 17, ["belavia"])  # 17 freed: 17 of 35 foreign first
    assert menu.bundle(0, 7)[0].tolist() == [0, 0, 17]
    u = m.minsk.value_bundles(np.array([0]), menu)[0, 1, 3]
    relief, legitimacy = 8 * A36, 1 * A36 + 10  # belavia's legitimacy 1 a month, and the visit's 10
    chip = 0.1 * 15 * (1 - 0.3)  # chip value x Washington's value of a foreign national x (1 - strain)
    security = -17 * (2 + chip)
    autonomy = -20 * 0.5 * (8 / 274) * A36  # weight 20 x responsiveness 0.5 x share of costs shed
    assert u == pytest.approx(relief + legitimacy + security + autonomy)


def test_washington_values_a_bundle_by_freed_channel_credibility_and_alliance():
    m = model(worlds=1)
    menu = menu_of_one(m, 40, ["belavia"])  # 35 foreign, then 5 prominent
    u = m.washington.value_bundles(np.array([0]), menu)[0, 1, 3]
    # 35 x 15 + 5 x 5 freed; channel 40; credibility: belavia's lift cost 40 and the signal, a
    # share of what everyone held is worth to Washington; alliance: one instrument relieved in
    # full while the EU holds
    stake = m.prisoners.held[0] @ m.prisoners.valuation("washington")
    assert m.washington.stake[0] == stake
    assert u == pytest.approx(35 * 15 + 5 * 5 + 40 - (40 + m.washington.p.relief_signal * stake) - 1 * A36)


def test_minsk_repression_follows_the_hostage_price_moscow_and_mobilisation():
    m = model(worlds=2, **{"actors.minsk.clemency": 0.0})
    m.minsk.hostage_price[:] = [0.0, 1.0]
    m.minsk._price_now[:] = [0.0, 2.0]
    m.moscow.pressure[:] = [0.2, 0.7]
    m.opposition.mobilisation[:] = [0.3, 0.5]
    m.minsk.act(m.streams)
    price = 0.8 * 1.0 + 0.2 * 2.0
    target = 1.0 + 0.05 * price + 0.2 * (0.7 - 0.2) + 0.3 * (0.5 - 0.3)
    assert np.allclose(m.minsk.hostage_price, [0.0, price])
    assert np.allclose(m.minsk.repression, [1.0, 1.0 + 0.3 * (target - 1.0)])
    assert m.ledger.released_pardon.sum() == 0  # clemency 0: no pardons


def test_minsk_pardons_more_in_months_of_an_envoy_visit():
    m = model(worlds=4000, **{"actors.minsk.goodwill": 1.0})
    m.prisoners.held[:] = [1000, 0, 0]
    m.ledger.engaged[:] = np.arange(4000) % 2 == 1
    m.minsk.act(m.streams)
    pardoned = m.ledger.released_pardon[:, 0]
    visit, calm = m.ledger.engaged, m.minsk.gestures == 0  # leave out the worlds with a unilateral release
    # rate 0.02 a month, doubled (goodwill 1) in visit months
    assert pardoned[~visit & calm].mean() == pytest.approx(20, abs=5 * np.sqrt(20 / 2000))
    assert pardoned[visit & calm].mean() == pytest.approx(40, abs=5 * np.sqrt(40 / 2000))


def test_eu_suspends_only_with_unanimity_and_the_cheapest_first():
    m = model(worlds=2)
    m.prisoners.held[:] = [[100, 10, 5], [600, 40, 20]]  # progress 1 - 115/1183 = 0.90; 0.45
    m.eu.act(m.streams)
    airspace = idx(m, "airspace_belavia")  # lift cost 40, the EU's cheapest
    assert m.instruments.state[:, airspace].tolist() == [SUSPENDED, IMPOSED]
    assert (m.instruments.state[:, idx(m, "sectoral_packages")] == IMPOSED).all()


def test_eu_lists_after_a_surge_every_member_sees_and_snaps_back_suspensions():
    m = model(worlds=3)
    airspace = idx(m, "airspace_belavia")
    m.instruments.state[:, airspace] = SUSPENDED
    m.ledger.arrests[:] = [[40, 2, 2], [100, 0, 0], [120, 0, 0]]  # / 44: 1.0, 2.27, 2.73
    m.eu.act(m.streams)
    assert m.instruments.listings.tolist() == [0, 0, 1]  # the doves' trigger is 2.5
    assert m.instruments.state[:, airspace].tolist() == [SUSPENDED, IMPOSED, IMPOSED]  # snapback at 2.0
    sectoral = m.instruments.sanctions_cost
    assert sectoral[2] - sectoral[1] == pytest.approx(2.0)  # a listing costs USD 2 m a month


def test_eu_renewal_lapses_on_a_single_veto():
    m = model(worlds=2, **{"actors.eu.members.HU.veto_renewal": 1.0})
    m.round = 7  # 2026-02, the renewal month
    m.eu.act(m.streams)
    for name in ("airspace_belavia", "sectoral_packages"):
        assert (m.instruments.state[:, idx(m, name)] == LIFTED).all()
    assert (m.instruments.state[:, idx(m, "potash_transit")] == IMPOSED).all()  # no scheduled renewal
    calm = model(worlds=2)
    calm.round = 7
    calm.eu.act(calm.streams)
    assert (calm.instruments.state == IMPOSED).all()


def test_a_dated_event_changes_its_parameter_from_its_month_on():
    m = model(worlds=1)
    assert m.cfg.actors.moscow.tolerance == 0.1
    m.step(), m.step()
    assert m.cfg.actors.moscow.tolerance == 0.1
    m.step()  # round 2 is 2025-09, Zapad-2025
    assert m.cfg.actors.moscow.tolerance == 0.05


def test_events_change_the_models_copy_not_the_callers_config():
    from quidproquo.config import load
    from quidproquo.engine.model import BargainingModel

    cfg = load(["scenario=thaw", "engine.worlds=1", "engine.rounds=4"])
    BargainingModel(config=cfg).run()
    assert cfg.actors.moscow.tolerance == 0.1  # Zapad-2025 set 0.05 inside the model only
