"""The ledger of one month: its flows account for every change in the stock of prisoners."""

import numpy as np

from quidproquo.engine.ledger import Ledger
from tests_support import model


def test_an_empty_ledger_holds_zero_counts_and_no_flags_of_the_right_shapes():
    ledger = Ledger.empty(worlds=4, tiers=3)
    for name in ("arrests", "completed", "released_deal", "released_pardon"):
        counts = getattr(ledger, name)
        assert counts.shape == (4, 3) and counts.dtype == np.int64 and not counts.any(), name
    for name in ("engaged", "deal", "snapback"):
        flags = getattr(ledger, name)
        assert flags.shape == (4,) and flags.dtype == bool and not flags.any(), name
    other = Ledger.empty(worlds=4, tiers=3)
    other.arrests[0, 0] = 1
    assert ledger.arrests[0, 0] == 0  # no two ledgers share an array


def test_each_month_starts_a_fresh_ledger_whose_flows_explain_the_change_in_the_stock():
    m = model(worlds=6, seed=3, **{"actors.washington.engagement": 1.0, "engine.rounds": 6})
    for _ in range(6):
        before = m.prisoners.held.copy()
        m.step()
        ledger = m.ledger
        change = ledger.arrests - ledger.completed - ledger.released_deal - ledger.released_pardon
        assert (m.prisoners.held == before + change).all(), m.round
        for name in ("arrests", "completed", "released_deal", "released_pardon"):
            assert (getattr(ledger, name) >= 0).all(), name
        assert not (ledger.deal & ~ledger.engaged).any(), "a deal needs a visit"
        assert not ledger.released_deal[~ledger.deal].any(), "deal releases only in months of a deal"
    assert m.recorder.deal.any(), "the months must have held a deal, or the check of releases covers nothing"


def test_a_month_forgets_the_last_months_flows():
    m = model(worlds=2, **{"engine.rounds": 2})
    m.step()
    first = m.ledger
    first.snapback[:] = True
    m.step()
    assert m.ledger is not first and not m.ledger.snapback.any()
