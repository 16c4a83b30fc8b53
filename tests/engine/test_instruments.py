"""Sanction instruments per world: every transition of the state machine, and the costs it implies."""

import itertools

import numpy as np
import pytest

from quidproquo.engine.instruments import IMPOSED, LIFTED, NOT_PENDING, STATE_NAMES, SUSPENDED
from tests_support import model


def steps_on(m, worlds: int, **steps: int) -> np.ndarray:
    out = np.zeros((worlds, len(m.instruments.names)), dtype=np.int64)
    for name, n in steps.items():
        out[:, m.instruments.names.index(name)] = n
    return out


def test_every_instrument_starts_in_its_configured_state_with_no_relief():
    m = model(worlds=3)
    ins = m.instruments
    start = [STATE_NAMES.index(ins[name].state) for name in ins.names]
    assert (ins.state == start).all() and not ins.level.any() and (ins.pending == NOT_PENDING).all()
    assert ins.step_count.tolist() == [len(ins[name].steps) for name in ins.names]
    assert ins.of("washington").tolist() == [ins[name].sender == "washington" for name in ins.names]
    assert (ins.of("washington") | ins.of("eu")).all() and not (ins.of("washington") & ins.of("eu")).any()
    monthly = np.array([ins[name].monthly_cost for name in ins.names])
    imposed = ins.state == IMPOSED
    assert ins.sanctions_cost == pytest.approx((imposed * monthly).sum(axis=1))
    assert ins.cost_avoided == pytest.approx(((~imposed) * monthly).sum(axis=1))


def test_a_step_at_a_time_relieves_more_and_the_last_step_lifts():
    m = model(worlds=2)
    ins = m.instruments
    embassy = ins.names.index("embassy")
    count = ins.step_count[embassy]
    assert count >= 2, "the embassy has graduated steps"
    one = steps_on(m, 1, embassy=1)
    # The embassy costs Minsk nothing a month (closed since 2022): its relief is legitimacy.
    legitimacy, shares = [ins.legitimacy_in_force[0]], [0.0]
    for k in range(1, count + 1):
        ins.lift(np.array([0]), one, lag=0, round_=0)
        assert ins.level[0, embassy] == k and ins.cost_spent_now[0, embassy] == pytest.approx(
            ins.cost_ladder[embassy, k] - ins.cost_ladder[embassy, k - 1]
        )
        assert ins.state[0, embassy] == (LIFTED if k == count else IMPOSED)
        ins.begin_round()
        legitimacy.append(ins.legitimacy_in_force[0])
        shares.append(ins.relief_share[0, embassy])
    assert all(a < b for a, b in itertools.pairwise(legitimacy)) and shares[-1] == 1.0
    assert legitimacy[-1] - legitimacy[0] == pytest.approx(ins["embassy"].legitimacy)
    assert shares == pytest.approx(list(ins.relief_ladder[embassy, : count + 1]))
    ins.lift(np.array([0]), one, lag=0, round_=0)  # past the last step: nothing more to give
    assert ins.level[0, embassy] == count
    assert not ins.level[1].any() and ins.state[1, embassy] == IMPOSED  # world 1 untouched
    assert ins.relieved_count.tolist() == [(~ins.imposed[0]).sum(), (~ins.imposed[1]).sum()]
    assert ins.relieved_count[0] == ins.relieved_count[1] + 1


def test_staged_relief_is_pending_until_its_round_then_delivered_and_logged():
    m = model(worlds=3, **{"output.event_log_worlds": 3})
    ins = m.instruments
    potash = ins.names.index("potash")
    ins.lift(np.array([0, 2]), steps_on(m, 2, potash=2), lag=3, round_=1)
    assert ins.pending[:, potash].tolist() == [4, NOT_PENDING, 4] and ins.pending_steps[:, potash].tolist() == [2, 0, 2]
    assert ins.steps_left("washington")[:, potash].tolist() == [0, ins.step_count[potash], 0]
    for round_ in (1, 2, 3):
        ins.deliver_due(round_)
        assert not ins.level.any()
    m.round = 4
    ins.deliver_due(4)
    assert ins.level[:, potash].tolist() == [2, 0, 2] and (ins.pending == NOT_PENDING).all()
    lines = m.events.table()
    assert lines.world.tolist() == [0, 2] and lines.text.str.startswith("staged relief delivered: relief: potash").all()


def test_a_snapback_reimposes_every_step_and_cancels_what_is_pending():
    m = model(worlds=3)
    ins = m.instruments
    belavia, potash = ins.names.index("belavia"), ins.names.index("potash")
    ins.lift(np.array([0, 1]), steps_on(m, 2, belavia=ins.step_count[belavia]), lag=0, round_=0)
    ins.lift(np.array([1]), steps_on(m, 1, potash=1), lag=2, round_=0)
    undo = np.zeros(ins.state.shape, dtype=bool)
    undo[1:, [belavia, potash]] = True  # worlds 1 and 2 snap back; world 2 has nothing to undo
    undone = ins.snap_back("washington", undo, LIFTED, lambda i, what: "snapback")
    assert undone[:, belavia].tolist() == [False, True, False] and undone[:, potash].tolist() == [False, True, False]
    assert ins.state[:, belavia].tolist() == [LIFTED, IMPOSED, IMPOSED] and ins.level[:, belavia].tolist()[1:] == [0, 0]
    assert ins.pending[1, potash] == NOT_PENDING and ins.pending_steps[1, potash] == 0
    assert ins.relief_share[1, belavia] == 0.0 and ins.relief_share[0, belavia] == 1.0


def test_a_vetoed_renewal_lapses_and_a_suspension_suspends_in_the_chosen_worlds_only():
    m = model(worlds=3)
    ins = m.instruments
    eu = np.flatnonzero(ins.of("eu"))
    first, second = int(eu[0]), int(eu[1])
    before = ins.sanctions_cost.copy()
    ins.lapse(np.array([False, True, False]), first)
    assert ins.state[:, first].tolist() == [IMPOSED, LIFTED, IMPOSED]
    assert ins.cost_spent_now[:, first].tolist() == [0.0, 1.0, 0.0]
    ins.suspend(np.array([True, False, False]), np.full(3, second))
    assert ins.state[:, second].tolist() == [SUSPENDED, IMPOSED, IMPOSED]
    monthly = [ins[ins.names[i]].monthly_cost for i in (first, second)]
    assert ins.sanctions_cost == pytest.approx(before - [monthly[1], monthly[0], 0.0])
    assert ins.relieved_count.tolist() == [1, 1, 0]


def test_new_listings_raise_the_cost_of_the_eus_last_instrument_while_it_is_imposed():
    m = model(worlds=2)
    ins = m.instruments
    listing = m.cfg.actors.eu.listing_cost
    before = ins.sanctions_cost.copy()
    ins.add_listings(np.array([0, 2]))
    assert ins.listings.tolist() == [0, 2]
    assert ins.sanctions_cost == pytest.approx(before + np.array([0.0, 2 * listing]))
    last = int(np.flatnonzero(ins.of("eu"))[-1])
    assert ins.monthly_cost_of(None)[:, last] == pytest.approx(
        [ins[ins.names[last]].monthly_cost + k * listing for k in (0, 2)]
    )
    ins.suspend(np.array([False, True]), np.full(2, last))  # suspended: its listings cost nothing either
    assert ins.sanctions_cost[1] == pytest.approx(before[1] - ins[ins.names[last]].monthly_cost)


def test_what_is_derived_from_the_states_is_shared_read_only():
    m = model(worlds=2)
    for derived in (m.instruments.relief_share, m.instruments.sanctions_cost):
        with pytest.raises(ValueError):
            derived[0] = 0.0
