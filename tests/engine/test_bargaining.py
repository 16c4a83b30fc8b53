"""The alternating-offers protocol and the menu of bundles, on hand-built cases."""

import numpy as np

from quidproquo import strategies
from quidproquo.engine.bargaining import alternate
from quidproquo.engine.menu import Negotiator, build_menu, propose

linear = strategies.linear


def side(name, utility, reservation, discount=1.0, strategy=linear):
    utility = np.atleast_2d(np.asarray(utility, dtype=float))
    return Negotiator(name, utility, np.full(utility.shape[0], float(reservation)), discount, strategy)


def test_proposer_offers_what_the_responder_likes_best_among_bundles_it_can_live_with():
    w = side("w", [[10, 8, 8, 2]], 0)
    m = side("m", [[0, 3, 5, 9]], 0)
    # Target 7: bundles 1 and 2 are worth >= 7 to w; m prefers bundle 2.
    assert propose(w, m, np.array([7.0]))[0] == 2
    # Ties for the responder go to the proposer: m values 1 and 2 alike here.
    m_tied = side("m", [[0, 5, 5, 9]], 0)
    w_pref = side("w", [[10, 9, 8, 2]], 0)
    assert propose(w_pref, m_tied, np.array([7.0]))[0] == 1


def test_two_offers_by_hand():
    # k=0, t=0: w's target is its aspiration 10 -> offers bundle 0, worth 0 to m; m would
    # demand its reservation 1 next (linear, t=1), so it refuses. k=1, t=1: m's target is its
    # reservation 1 -> bundles 1 and 2 are feasible; w likes bundle 1 (6) best. It is the last
    # offer, so w accepts anything above its reservation 0.
    out = alternate(side("w", [[10, 6, 2]], 0), side("m", [[0, 4, 8]], 1), max_offers=2)
    assert out.deal[0] and out.candidate[0] == 1
    assert [o.proposer for o in out.offers] == ["w", "m"]
    assert [bool(o.accepted[0]) for o in out.offers] == [False, True]


def test_responder_accepts_when_the_offer_beats_its_discounted_next_demand():
    # m's next target at t=1/2 (linear) is 8 - 0.5 * (8 - 0) = 4; discounted by 0.9 it is 3.6.
    # w's first offer (bundle 0) is worth 4 to m >= 3.6, so m accepts at once.
    out = alternate(side("w", [[10, 1]], 0), side("m", [[4, 8]], 0, discount=0.9), max_offers=3)
    assert out.deal[0] and out.candidate[0] == 0 and len(out.offers) == 1
    # With discount 1 the threshold is 4 too: 4 >= 4 still accepts (ties accept).
    # Raise m's valuation of its own demand and it refuses the first offer.
    out = alternate(side("w", [[10, 1]], 0), side("m", [[4, 12]], 0, discount=1.0), max_offers=3)
    assert not out.offers[0].accepted[0]


def test_no_deal_without_a_zone_of_agreement_even_if_the_responder_would_take_it():
    # Every bundle is worth less than w's reservation 5: w may name its best, never agree.
    out = alternate(side("w", [[4, 3]], 5), side("m", [[10, 10]], 0), max_offers=4)
    assert not out.deal[0] and out.candidate[0] == -1
    kept = alternate(side("w", [[4, 3]], 5), side("m", [[10, 10]], 0), max_offers=4, keep=np.array([True]))
    assert not kept.deal[0] and len(kept.offers) == 4 and not any(o.accepted[0] for o in kept.offers)


def test_invalid_bundles_are_never_offered():
    out = alternate(side("w", [[-np.inf, 5, 1]], 0), side("m", [[-np.inf, 1, 5]], 0), max_offers=4)
    assert all(o.candidate[0] != 0 for o in out.offers)


def test_worlds_negotiate_independently():
    w = side("w", [[10, 6, 2], [10, 6, 2]], 0)
    m = side("m", [[0, 4, 8], [0, 4, 8]], 1)
    w_alone = side("w", [[10, 6, 2]], 0)
    m_alone = side("m", [[0, 4, 8]], 1)
    both, alone = alternate(w, m, 2), alternate(w_alone, m_alone, 2)
    assert both.candidate[1] == alone.candidate[0]


def test_tit_for_tat_pair_creeps_towards_each_other():
    tft = strategies.tit_for_tat
    w = side("w", [np.linspace(10, 0, 11)], 0, strategy=tft)
    m = side("m", [np.linspace(0, 10, 11)], 0, strategy=tft)
    out = alternate(w, m, max_offers=6)
    own = [w.utility[0, o.candidate[0]] if o.proposer == "w" else m.utility[0, o.candidate[0]] for o in out.offers]
    # Each side asks a little less of its own utility than it did two offers before.
    assert all(later <= earlier for earlier, later in zip(own, own[2:]))


def test_menu_by_hand():
    held = np.array([[5, 1]])  # tier 1 is taken first
    steps = np.array([[[0, 0], [1, 0], [1, 1]]])  # no relief; a step on instrument 0; a step on each
    relief = steps.astype(float)
    menu = build_menu(
        np.array([[2.0, 4.0, 8.0]]), held, np.array([1, 0]), steps, relief, relief, np.array([[1, 1]]), levels=3
    )
    # From one person to the whole price, geometrically (price^0, price^1/2, price^1); at most all held.
    assert menu.asked[0].tolist() == [[1, 1, 2], [1, 2, 4], [1, 3, 6]]
    assert menu.valid.reshape(3, 3).all()
    # A world with one step left has the two-step set marked invalid.
    two = build_menu(
        np.array([[2.0, 4.0, 8.0]] * 2),
        np.array([[5, 1]] * 2),
        np.array([1, 0]),
        np.repeat(steps, 2, axis=0),
        np.repeat(relief, 2, axis=0),
        np.repeat(relief, 2, axis=0),
        np.array([[1, 1], [1, 0]]),
        levels=3,
    )
    assert two.valid.reshape(2, 3, 3)[1].tolist() == [[True, True, True], [True, True, True], [False, False, False]]
    releases, lift = menu.bundle(np.array([0]), np.array([2 * 3 + 1]))
    assert releases.tolist() == [[2, 1]] and lift.tolist() == [[1, 1]]  # 3 freed: tier 1's one first


def test_nash_protocol_on_a_menu_picks_the_bundle_with_the_largest_weighted_nash_product():
    from quidproquo.engine.bargaining import nash

    w = side("w", [[10, 6, 4, 1], [10, 6, 4, 1]], 1)
    m = side("m", [[0, 4, 6, 9], [0, 4, 6, 9]], 1)
    # Gains over the reservations: (9, -1), (5, 3), (3, 5), (0, 8). Equal weights: 15 = 5 x 3 = 3 x 5,
    # a tie the first bundle wins; weight 0.7 for w favours bundle 1 clearly, 0.3 bundle 2.
    assert nash(w, m, 0.5).candidate.tolist() == [1, 1]
    assert nash(w, m, 0.7).candidate[0] == 1 and nash(w, m, 0.3).candidate[0] == 2
    none = nash(side("w", [[1, 2]], 5), side("m", [[3, 1]], 0), 0.5)
    assert not none.deal[0] and none.candidate[0] == -1
