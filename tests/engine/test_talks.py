"""The Washington-Minsk talks of a month: who bargains, what a deal carries out, and in which worlds."""

import dataclasses

import numpy as np
import pytest

from quidproquo.engine.instruments import IMPOSED, LIFTED, NOT_PENDING
from tests_support import model

VISITS = {"actors.washington.engagement": 1.0}  # an envoy every month, so that every world talks


def deal_of(m, rows, releases_per_world, instrument: str, steps: int):
    """Releases (rows, tiers) and `steps` of relief on `instrument` for each world in `rows`."""
    releases = np.tile(np.asarray(releases_per_world, dtype=np.int64), (len(rows), 1))
    lift = np.zeros((len(rows), len(m.instruments.names)), dtype=np.int64)
    lift[:, m.instruments.names.index(instrument)] = steps
    relief = np.zeros(lift.shape)
    return np.asarray(rows), releases, lift, relief


def test_a_deal_executes_its_releases_and_relief_in_the_chosen_worlds_only():
    m = model(worlds=4)
    held, state, level = m.prisoners.held.copy(), m.instruments.state.copy(), m.instruments.level.copy()
    belavia = m.instruments.names.index("belavia")
    steps = m.instruments.step_count[belavia]
    m.talks.execute(*deal_of(m, [1, 3], [2, 1, 3], "belavia", steps))
    chosen, others = [1, 3], [0, 2]
    assert (m.prisoners.held[chosen] == held[chosen] - [2, 1, 3]).all()
    assert (m.prisoners.held[others] == held[others]).all()
    assert m.ledger.released_deal.tolist() == [[0, 0, 0], [2, 1, 3], [0, 0, 0], [2, 1, 3]]
    assert m.ledger.deal.tolist() == [False, True, False, True]
    assert m.instruments.state[chosen, belavia].tolist() == [LIFTED, LIFTED]  # every step: lifted
    assert (m.instruments.level[chosen, belavia] == steps).all()
    assert (m.instruments.state[others] == state[others]).all() and (m.instruments.level[others] == level[others]).all()
    others_columns = np.arange(len(m.instruments.names)) != belavia
    assert (m.instruments.level[:, others_columns] == level[:, others_columns]).all()
    assert m.washington.deals.tolist() == [0, 1, 0, 1]
    assert m.washington.first_deal_round.tolist() == [-1, 0, -1, 0]
    assert m.prisoners.released_prominent.tolist() == [0, 1, 0, 1]


def test_with_a_verification_lag_the_relief_waits_and_the_releases_do_not():
    m = model(worlds=3, **{"bargaining.verification_lag": 2})
    held = m.prisoners.held.copy()
    potash = m.instruments.names.index("potash")
    m.talks.execute(*deal_of(m, [2], [0, 0, 1], "potash", 1))
    assert (m.prisoners.held[2] == held[2] - [0, 0, 1]).all()
    assert m.instruments.level[:, potash].tolist() == [0, 0, 0]  # nothing relieved yet
    assert m.instruments.pending[:, potash].tolist() == [NOT_PENDING, NOT_PENDING, 2]
    assert m.instruments.pending_steps[:, potash].tolist() == [0, 0, 1]
    assert (m.instruments.steps_left("washington")[2] == 0)[potash]  # promised relief is off the menu


def test_without_a_visit_or_with_talks_switched_off_nobody_bargains():
    for m in (
        model(worlds=3, **{"actors.washington.engagement": 0.0}),
        model(worlds=3, **VISITS, **{"bargaining.talks": False}),
    ):
        for _ in range(4):
            m.step()
        assert m.talks.outcome is None
        assert not m.recorder.deal[:4].any() and not m.recorder.released_deal[:4].any()
        assert len(m.recorder.offers_table()) == 0 and not m.washington.deals.any()
    assert m.recorder.us_engaged[:4].all(), "talks off: the envoys still visit"


def test_talks_are_held_in_the_visited_worlds_and_a_deal_follows_an_accepted_offer():
    m = model(worlds=6, seed=2, **VISITS)
    m.open_month()
    m.washington.engaged[4] = False  # no envoy in world 4 this month
    held = m.prisoners.held.copy()
    m.talks.hold()
    worlds, outcome = m.talks.outcome
    assert worlds.tolist() == [0, 1, 2, 3, 5] == np.flatnonzero(m.washington.engaged).tolist()
    accepted = np.zeros(worlds.size, dtype=bool)
    for offer in outcome.offers:
        assert offer.proposer in ("washington", "minsk")
        accepted |= offer.accepted
    assert outcome.deal.tolist() == accepted.tolist()
    assert m.ledger.deal[worlds].tolist() == outcome.deal.tolist() and not m.ledger.deal[4]
    released = held - m.prisoners.held
    assert (released == m.ledger.released_deal).all() and (released >= 0).all()
    assert not released[worlds[~outcome.deal]].any() and not released[4].any()
    assert outcome.deal.any(), "a deal must be struck, or what it carries out is not tested"


def test_the_menu_offers_only_what_the_world_holds_and_the_steps_it_has_left():
    m = model(worlds=3, seed=1, **VISITS)
    belavia = m.instruments.names.index("belavia")
    m.instruments.lift(np.array([1]), deal_of(m, [1], [0, 0, 0], "belavia", m.instruments.step_count[belavia])[2], 0, 0)
    m.prisoners.held[2] = [3, 0, 1]
    worlds = np.arange(3)
    menu = m.talks.menu(worlds)
    sets, levels = menu.asked.shape[1:]
    assert menu.valid.shape == (3, sets * levels)
    left = m.instruments.steps_left("washington", worlds)[:, menu.columns]
    assert (menu.steps <= left[:, None, :]).all(), "no set gives a step the world has not left"
    assert (menu.steps[:, 0] == 0).all(), "set 0 is no relief"
    for w in worlds:
        for c in np.flatnonzero(menu.valid[w]):
            releases, steps = menu.bundle(w, c)
            assert releases.sum() > 0 and (releases <= m.prisoners.held[w]).all()
            assert (steps[menu.columns] == menu.steps[w, c // levels]).all()
            assert not steps[np.setdiff1d(np.arange(len(m.instruments.names)), menu.columns)].any()
    # Only Washington's instruments are on its menu, and belavia, lifted in world 1, is not offered there.
    assert all(m.instruments[m.instruments.names[i]].sender == "washington" for i in menu.columns)
    assert not menu.steps[1, :, list(menu.columns).index(belavia)].any()


def test_a_seat_takes_an_actors_place_at_the_table():
    """A seat that will take nothing short of the impossible: no offer is ever good enough."""
    seated = []

    def stubborn(side, worlds, menu):
        seated.append(worlds.copy())
        return dataclasses.replace(side, reservation=np.full(worlds.size, np.inf))

    m = model(worlds=3, seed=2, **VISITS, **{"engine.rounds": 4})
    m.talks.seats["minsk"] = stubborn
    m.run()
    assert len(seated) == 4 and all(w.tolist() == [0, 1, 2] for w in seated)
    assert not m.recorder.deal.any() and not m.recorder.released_deal.any()
    unseated = model(worlds=3, seed=2, **VISITS, **{"engine.rounds": 4}).run()
    assert unseated.recorder.deal.any(), "without the seat the same worlds strike deals"


def test_on_a_divisible_good_only_the_split_changes_hands():
    m = model("theory/rubinstein", worlds=3)
    m.open_month()
    held, level = m.prisoners.held.copy(), m.instruments.level.copy()
    m.talks.hold()
    worlds, outcome = m.talks.outcome
    assert worlds.tolist() == [0, 1, 2] and outcome.deal.all()
    assert ((outcome.candidate >= 0) & (outcome.candidate <= 1)).all()
    assert (m.prisoners.held == held).all() and (m.instruments.level == level).all()
    assert m.ledger.deal.all() and not m.ledger.released_deal.any()
    assert m.washington.deals.tolist() == [1, 1, 1]
    words = m.events.table().text
    assert words.str.startswith("deal: the good is split Washington").sum() == 3


def test_the_deals_and_offers_of_the_logged_worlds_are_written_in_words():
    m = model(worlds=3, seed=2, **VISITS, **{"engine.rounds": 6, "output.event_log_worlds": 2}).run()
    log, offers = m.events.table(), m.recorder.offers_table()
    said = log[log.kind == "offer"]
    assert len(said) == len(offers) and set(said.world) <= {0, 1}
    assert said.text.str.contains(r"proposes: release \d+").all()
    assert said.text.str.endswith(" -- accepted").sum() == offers.accepted.sum()
    deals = log[log.kind == "deal"]
    dealt = m.recorder.rounds_table(m).query("deal and world < 2")
    assert sorted(zip(deals.world, deals["round"], strict=True)) == sorted(
        zip(dealt.world, dealt["round"], strict=True)
    )
    assert deals.text.str.startswith("deal: Minsk releases ").all() and len(deals) > 0


@pytest.mark.parametrize("protocol", ["alternating", "nash"])
def test_either_protocol_runs_at_the_table_and_keeps_its_outcome(protocol):
    m = model(worlds=4, seed=3, **VISITS, **{"bargaining.protocol": protocol})
    m.open_month()
    m.talks.hold()
    worlds, outcome = m.talks.outcome
    assert worlds.size == 4 and outcome.deal.shape == (4,)
    assert ((outcome.candidate == -1) == ~outcome.deal).all()
    assert (outcome.offers == []) if protocol == "nash" else len(outcome.offers) >= 1
    assert m.instruments.state.min() >= IMPOSED
