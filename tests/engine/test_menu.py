"""The menu of prisoners-for-relief bundles and a side that values it, on small menus built by hand."""

import numpy as np
import pytest

from quidproquo import strategies
from quidproquo.engine.menu import Negotiator, build_menu, fill, mix_orders, propose, relief_sets, share_words


def test_fill_takes_the_tiers_in_order_up_to_what_each_holds():
    held = np.array([[5, 2, 3], [5, 2, 3], [0, 0, 1]])
    out = fill(np.array([4, 9, 7]), held, np.array([2, 1, 0]))  # tier 2 first, then 1, then 0
    assert out.tolist() == [[0, 1, 3], [4, 2, 3], [0, 0, 1]]
    assert (out <= held).all() and out.sum(axis=1).tolist() == [4, 9, 1]


def test_relief_sets_add_the_best_value_for_money_step_one_at_a_time():
    # One world, two instruments: instrument 0's steps give 1 and 1 for a cost of 1 each (ratio 1),
    # instrument 1's first step gives 6 for 2 (ratio 3), its second 1 for 4 (ratio 0.25).
    gain = np.array([[[1.0, 1.0], [6.0, 1.0]]])
    cost = np.array([[[1.0, 1.0], [2.0, 4.0]]])
    sets = relief_sets(np.array([[2, 2]]), gain, cost, most=10)
    assert sets[0].tolist() == [[0, 0], [0, 1], [1, 1], [2, 1], [2, 2]]
    assert relief_sets(np.array([[2, 2]]), gain, cost, most=2)[0].tolist() == [[0, 0], [0, 1], [1, 1]]
    # A world with fewer steps left stops adding: its later sets repeat its last one.
    two = relief_sets(np.array([[2, 2], [1, 0]]), np.repeat(gain, 2, axis=0), np.repeat(cost, 2, axis=0), most=10)
    assert two[1].tolist() == [[0, 0], [1, 0], [1, 0], [1, 0], [1, 0]]


@pytest.mark.parametrize("levels", [1, 2, 4, 6])
def test_the_release_sizes_run_geometrically_from_one_person_to_the_whole_price(levels):
    price = np.array([[0.0, 64.0]])
    steps = np.array([[[0], [1]]])
    menu = build_menu(
        price, np.array([[1000]]), np.array([0]), steps, steps * 1.0, steps * 1.0, np.array([[1]]), levels
    )
    expected = {1: [64], 2: [1, 64], 4: [1, 4, 16, 64], 6: [1, 2, 5, 12, 28, 64]}[levels]
    assert menu.asked[0, 1].tolist() == expected
    assert share_words(levels - 1, levels, mixes=1) == "all of the price"
    if levels > 1:
        assert share_words(0, levels, mixes=1) == "1 person"
        assert share_words(levels, 2 * levels) == "1 person, best-value mix"
    assert not menu.valid[0, :levels].any(), "a price under half a prisoner frees no one: never on the menu"


def test_the_two_mixes_take_the_tiers_washington_values_most_or_the_best_value_first():
    gain = np.array([1.0, 5.0, 15.0])  # rank_and_file, prominent, foreign: Washington's valuations
    cost = np.array([0.57, 10.35, 3.05])  # Minsk's: its own valuation plus the chip
    order = mix_orders(gain, cost)
    assert order[0].tolist() == [[2, 1, 0], [2, 0, 1]]  # foreign, prominent, rest / foreign, rest, prominent
    held = np.array([[100, 10, 4]])
    steps = np.array([[[0]]])
    menu = build_menu(np.array([[40.0]]), held, order, steps, steps * 1.0, steps * 1.0, np.array([[0]]), 4)
    assert menu.levels == 8 and menu.valid.all()
    assert menu.bundle(0, 3)[0].tolist() == [26, 10, 4] and menu.bundle(0, 7)[0].tolist() == [36, 0, 4]
    value = menu.value_of_releases(gain)
    for c in range(8):
        assert value[0].ravel()[c] == pytest.approx(menu.bundle(0, c)[0] @ gain)
    # Where the two orders agree, the second mix repeats the first and is not offered.
    same = build_menu(
        np.array([[40.0]]), held, mix_orders(gain, np.ones(3)), steps, steps * 1.0, steps * 1.0, np.array([[0]]), 4
    )
    assert same.valid[0].tolist() == [True] * 4 + [False] * 4


def test_a_menu_never_asks_more_than_is_held_and_values_the_releases_it_takes():
    held = np.array([[3, 1, 2]])  # 6 held
    steps = np.array([[[0], [1]]])
    menu = build_menu(
        np.array([[4.0, 40.0]]), held, np.array([2, 1, 0]), steps, steps * 0.5, steps * 0.3, np.array([[1]]), 3
    )
    assert menu.asked[0].tolist() == [[1, 2, 4], [1, 6, 6]]
    taken = sum(menu.taken.values())
    assert (taken == menu.asked).all()
    per_prisoner = np.array([1.0, 10.0, 100.0])
    value = menu.value_of_releases(per_prisoner)
    for c in range(6):
        releases, lift = menu.bundle(0, c)
        assert value[0].ravel()[c] == pytest.approx(releases @ per_prisoner)
        assert lift.tolist() == [c // 3]
    assert menu.relief_of(np.array([0]), np.array([4])).tolist() == [[0.5]]
    flat = menu.flatten(value)
    assert flat.shape == (1, 6) and np.isfinite(flat).all()


def side(name, utility, reservation, discount=0.9, strategy=strategies.linear):
    utility = np.asarray(utility, dtype=float)
    return Negotiator(name, utility, np.full(utility.shape[0], float(reservation)), discount, strategy)


def test_a_negotiator_answers_for_its_candidates_world_by_world():
    w = side("w", [[10, 6, 2, -np.inf], [3, 2, 1, 0]], reservation=2)
    m = side("m", [[0, 4, 8, 9], [0, 1, 2, 3]], reservation=1)
    assert w.aspiration.tolist() == [10, 3]
    assert w.value(np.array([1, 3])).tolist() == [6, 0]
    assert w.target(np.array([0.0, 1.0])).tolist() == [10, 2]
    assert w.acceptable().tolist() == [[True, True, True, False], [True, True, False, False]]
    assert w.zone(m).tolist() == [True, True]
    assert w.accepts(np.array([5.0, 5.0]), np.array([6.0, 1.0])).tolist() == [False, True]
    one = w.rows(np.array([1]))
    assert one.utility.tolist() == [[3, 2, 1, 0]] and one.reservation.tolist() == [2]
    # The proposer asks for 6: of candidates 0 and 1, the responder likes 1 best; -inf is never offered.
    assert propose(w, m, np.array([6.0, 1.0])).tolist() == [1, 2]
    best, some = w.nash_point(m, 0.5)
    assert some.tolist() == [True, True] and best.tolist() == [1, 1]  # (6-2)(4-1) = 12 beats (8)(-1) and (0)(7)
