"""The model as a whole: how it is built, how a month advances, and that it works on its own copy."""

import numpy as np
import pandas as pd
import pytest

from quidproquo.config import load
from quidproquo.engine.model import BargainingModel
from tests_support import model


def test_keyword_construction_is_hydra_overrides_and_rng_is_the_seed():
    m = BargainingModel(scenario="freeze", worlds=2, rng=7, rounds=5, actors__minsk__clemency=0.5)
    assert (m.scenario_name, m.num_worlds, m.rounds, m.cfg.engine.seed) == ("freeze", 2, 5, 7)
    assert m.cfg.actors.minsk.clemency == 0.5 and m.world_ids.tolist() == [0, 1]
    assert str(m.start) == m.cfg.engine.start[:7] and m.month_label == str(m.start)
    with pytest.raises(TypeError):
        BargainingModel(config=load(["scenario=thaw"]), rounds=3)


def test_a_generator_as_rng_gives_the_seed_it_draws():
    a = BargainingModel(worlds=1, rng=np.random.default_rng(3), rounds=2)
    b = BargainingModel(worlds=1, rng=np.random.default_rng(3), rounds=2)
    assert a.cfg.engine.seed == b.cfg.engine.seed and 0 <= a.cfg.engine.seed < 2**63


def test_a_step_is_a_month_and_the_run_stops_at_the_horizon():
    m = model(worlds=2, **{"engine.rounds": 3})
    assert m.running and m.round == 0
    months = []
    while m.running:
        months.append(m.month_label)
        m.step()
    assert months == [str(m.start + k) for k in range(3)] and m.round == 3 and m.recorder.recorded == 3
    m.step()  # past the horizon a step does nothing
    assert m.round == 3 and not m.running and m.recorder.recorded == 3
    assert m.month == m.start + 3


def test_the_two_halves_of_a_month_are_the_month():
    whole = model(worlds=3, seed=5, **{"actors.washington.engagement": 1.0, "engine.rounds": 4}).run()
    halves = model(worlds=3, seed=5, **{"actors.washington.engagement": 1.0, "engine.rounds": 4})
    for _ in range(4):
        halves.open_month()
        halves.close_month()
    pd.testing.assert_frame_equal(whole.recorder.rounds_table(whole), halves.recorder.rounds_table(halves))
    assert not halves.running


def test_flows_add_arrests_and_take_completed_sentences_in_each_tier():
    m = model(worlds=4, seed=2)
    before = m.prisoners.held.copy()
    m.open_month()  # the flows, then the actors up to the talks; none of these releases anyone
    ledger = m.ledger
    assert (m.prisoners.held == before + ledger.arrests - ledger.completed).all()
    assert (ledger.completed <= before).all() and ledger.arrests.sum() > 0
    assert m.base_arrests == pytest.approx(sum(m.cfg.goods.prisoners[t].inflow for t in m.prisoners.tiers))


def test_no_arrests_without_inflow_and_no_completions_at_rate_zero():
    changes = {
        f"goods.prisoners.{tier}.{key}": 0
        for tier in ("rank_and_file", "prominent", "foreign")
        for key in ("inflow", "completion_rate")
    }
    m = model(worlds=3, **changes)
    before = m.prisoners.held.copy()
    m.open_month()
    assert not m.ledger.arrests.any() and not m.ledger.completed.any() and (m.prisoners.held == before).all()


def test_the_model_changes_its_own_config_never_the_callers():
    cfg = load(["scenario=thaw", "engine.worlds=1", "engine.rounds=4", "engine.seed=1"])
    m = BargainingModel(config=cfg, rng=9)
    m.cfg.actors.minsk.clemency = 3.0
    assert cfg.actors.minsk.clemency != 3.0 and cfg.engine.seed == 1 and m.cfg.engine.seed == 9


def test_a_subset_of_worlds_runs_as_those_worlds_of_the_whole():
    whole = model(worlds=6, seed=4, **{"engine.rounds": 5}).run()
    some = BargainingModel(
        config=load(["scenario=thaw", "engine.worlds=6", "engine.seed=4", "engine.rounds=5"]),
        world_ids=np.array([4, 1]),
    ).run()
    assert some.num_worlds == 2
    a, b = whole.recorder.worlds_table(whole).set_index("world"), some.recorder.worlds_table(some).set_index("world")
    assert b.index.tolist() == [4, 1]
    pd.testing.assert_frame_equal(a.loc[[4, 1]], b)


def test_the_datacollector_keeps_one_row_a_month_and_one_before():
    m = model(worlds=2, **{"engine.rounds": 3}).run()
    frame = m.datacollector.get_model_vars_dataframe()
    assert len(frame) == 4
    assert frame.prisoners_held.iloc[0] == pytest.approx(np.mean(m.prisoners.initial_total))
    assert frame.prisoners_held.iloc[1:].tolist() == pytest.approx(
        m.recorder.prisoners.sum(axis=2).mean(axis=1).tolist()
    )
