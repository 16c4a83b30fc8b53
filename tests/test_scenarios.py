"""The two shipped scenarios do what their descriptions say."""


from tests_support import model

from quidproquo.instruments import IMPOSED


def test_under_freeze_nothing_is_ever_lifted_and_no_deal_releases_anyone():
    m = model("freeze", worlds=500, seed=3).run()
    assert (m.recorder.instruments == IMPOSED).all()
    assert m.recorder.released_deal.sum() == 0
    assert not m.recorder.us_engaged.any()
    worlds = m.recorder.worlds_table(m)
    assert worlds.filter(like="lifted_").isna().all().all()
    assert worlds["first_deal_round"].isna().all()


def test_under_thaw_most_worlds_see_a_deal_within_twelve_months():
    m = model("thaw", worlds=500, seed=3).run()
    first = m.recorder.worlds_table(m)["first_deal_round"]
    assert (first.fillna(99) < 12).mean() > 0.9
    assert m.recorder.released_deal.sum() > 0


def test_thaw_frees_more_in_deals_but_arrests_rise_the_revolving_door():
    thaw = model("thaw", worlds=500, seed=3).run().recorder
    freeze = model("freeze", worlds=500, seed=3).run().recorder
    assert thaw.released_deal.sum(axis=0).mean() > 50
    assert thaw.arrests.sum(axis=0).mean() > freeze.arrests.sum(axis=0).mean()


def test_the_hostage_market_elasticity_raises_repression_after_paid_deals():
    off = model("thaw", worlds=300, seed=2, **{"actors.minsk.hostage_elasticity": 0.0}).run().recorder
    on = model("thaw", worlds=300, seed=2, **{"actors.minsk.hostage_elasticity": 1.0}).run().recorder
    assert on.repression[-1].mean() > off.repression[-1].mean()
    assert on.arrests.sum() > off.arrests.sum()


def test_a_dated_event_acts_on_goods_keys():
    """An event that raises a tier's inflow raises arrests from its month on (the goods read the
    model's own config, which events change, not the caller's)."""
    quiet = model("freeze", worlds=200, seed=4, **{"engine.rounds": 6})
    loud = model("freeze", worlds=200, seed=4, **{"engine.rounds": 6,
                 "events": "[{date: '2025-10', changes: {goods.prisoners.rank_and_file.inflow: 400.0}}]"})
    quiet.run(), loud.run()
    before, after = slice(0, 3), slice(3, 6)
    assert (loud.recorder.arrests[before] == quiet.recorder.arrests[before]).all()
    assert loud.recorder.arrests[after].mean() > 5 * quiet.recorder.arrests[after].mean()
