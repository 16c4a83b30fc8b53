"""Prisoners held per world and tier: what a release changes, and the tier parameters' vectors."""

import numpy as np
import pytest

from quidproquo.config import load
from quidproquo.engine.model import BargainingModel
from tests_support import model


def test_the_stock_starts_at_each_tiers_initial_count_in_every_world():
    m = model(worlds=3)
    p = m.prisoners
    initial = [m.cfg.goods.prisoners[tier].initial for tier in p.tiers]
    assert p.tiers == tuple(m.cfg.goods.prisoners)
    assert p.held.shape == (3, len(p.tiers)) and p.held.dtype == np.int64
    assert (p.held == initial).all()
    assert np.all(p.initial_total == sum(initial))
    assert p.total.tolist() == [sum(initial)] * 3
    assert p.released_prominent.tolist() == [0, 0, 0]


def test_a_release_lowers_the_stock_and_counts_the_prominent_freed_in_its_world_only():
    m = model(worlds=3)
    p = m.prisoners
    before = p.held.copy()
    prominent = p.tiers.index("prominent")
    counts = np.zeros_like(p.held)
    counts[1] = [4, 3, 2]  # rank_and_file, prominent, foreign
    counts[2, prominent] = 5
    p.release(counts)
    assert (p.held == before - counts).all()
    assert p.released_prominent.tolist() == [0, 3, 5]
    p.release(counts)  # a second release adds to what the first freed
    assert p.released_prominent.tolist() == [0, 6, 10]
    assert (p.total == (before - 2 * counts).sum(axis=1)).all()


def test_the_prominent_column_and_share_are_read_from_the_prominent_tier():
    m = model(worlds=2)
    p = m.prisoners
    prominent = p.tiers.index("prominent")
    counts = np.arange(2 * len(p.tiers)).reshape(2, -1)
    assert p.prominent(counts).tolist() == counts[:, prominent].tolist()
    start = p.held[:, prominent]
    assert p.prominent_share(np.array([start[0], 0])).tolist() == [1.0, 0.0]
    assert p.prominent_share(np.array([10, 10])) == pytest.approx(10 / start)


def test_without_a_prominent_tier_no_one_is_prominent():
    m = BargainingModel(config=load(["scenario=thaw", "engine.worlds=2", "~goods.prisoners.prominent"]))
    p = m.prisoners
    assert "prominent" not in p.tiers and p.held.shape == (2, len(p.tiers))
    p.release(np.ones_like(p.held))
    assert p.released_prominent.tolist() == [0, 0]
    assert p.prominent_share(np.array([3, 4])).tolist() == [0.0, 0.0]


def test_a_tier_parameter_is_read_once_a_round_and_shared_read_only():
    m = model(worlds=1)
    p = m.prisoners
    inflow = p.vector("inflow")
    assert inflow.tolist() == [m.cfg.goods.prisoners[t].inflow for t in p.tiers]
    assert not inflow.flags.writeable
    with pytest.raises(ValueError):
        inflow[0] = 0.0
    assert p.valuation("washington").tolist() == [m.cfg.goods.prisoners[t].valuation.washington for t in p.tiers]
    m.cfg.goods.prisoners[p.tiers[0]].inflow = 123.0
    assert p.vector("inflow")[0] == inflow[0]  # cached until the next refresh
    p.refresh()
    assert p.vector("inflow")[0] == 123.0
