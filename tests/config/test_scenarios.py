"""The two shipped scenarios do what their descriptions say."""

import os

from quidproquo.engine.instruments import IMPOSED
from quidproquo.engine.model import BargainingModel
from tests_support import in_process, model


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
    loud = model(
        "freeze",
        worlds=200,
        seed=4,
        **{"engine.rounds": 6, "events": "[{date: '2025-10', changes: {goods.prisoners.rank_and_file.inflow: 400.0}}]"},
    )
    quiet.run(), loud.run()
    before, after = slice(0, 3), slice(3, 6)
    assert (loud.recorder.arrests[before] == quiet.recorder.arrests[before]).all()
    assert loud.recorder.arrests[after].mean() > 5 * quiet.recorder.arrests[after].mean()


def test_a_command_line_value_holds_over_a_dated_event_that_sets_the_same_key(capsys):
    from quidproquo.config import load

    cfg = load(["scenario=belarus_2025", "actors.washington.engagement=0.9"])
    capsys.readouterr()
    january = next(e for e in cfg.events if e.date == "2025-01")
    assert (
        "actors.washington.engagement" not in january.changes and "actors.washington.channel_value" in january.changes
    )
    m = BargainingModel(config=load(["scenario=belarus_2025", "actors.washington.engagement=0.9", "engine.worlds=2"]))
    m.run()
    assert m.cfg.actors.washington.engagement == 0.9  # before and after the event's month
    untouched = load(["scenario=belarus_2025"])
    assert next(e for e in untouched.events if e.date == "2025-01").changes["actors.washington.engagement"] == 0.35


def test_qpq_run_says_in_one_line_which_event_it_skips(tmp_path, env):

    done = in_process(
        [
            "run",
            "scenario=belarus_2025",
            "engine.worlds=5",
            "actors.minsk.clemency=0.3",
            f"hydra.run.dir={tmp_path / 'run'}",
        ],
        cwd=os.getcwd(),
    )
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if line.startswith("qpq: note:")]
    assert notes == [
        "qpq: note: actors.minsk.clemency is set on the command line, so the scenario's event of 2025-02 "
        "(actors.minsk.clemency = 0.45) is skipped for it"
    ]
    assert "clemency: 0.3" in (tmp_path / "run" / "config.yaml").read_text()
    assert "actors.minsk.clemency: 0.45" not in (tmp_path / "run" / "config.yaml").read_text()


def test_a_run_shorter_than_the_scenario_says_which_event_never_happens(tmp_path, env):

    done = in_process(
        ["run", "scenario=thaw", "engine.worlds=3", "engine.rounds=1", f"hydra.run.dir={tmp_path / 'r'}"],
        cwd=os.getcwd(),
    )
    assert done.returncode == 0, done.stderr
    assert "qpq: note: events[0] (2025-09: Zapad-2025" in done.stderr and "never happens" in done.stderr
