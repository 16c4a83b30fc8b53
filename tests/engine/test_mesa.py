"""Mesa users' expectations: keyword construction, a DataCollector, and batch_run unchanged."""

import mesa
import pandas as pd

from quidproquo import BargainingModel


def test_batch_run_works_unchanged():
    # The call exactly as a Mesa user writes it: one row per run, at its last step.
    results = mesa.batch_run(BargainingModel, {"scenario": ["thaw", "freeze"]}, rng=[1, 2, 3], max_steps=36)
    frame = pd.DataFrame(results)
    assert len(frame) == 2 * 3 and frame["Step"].eq(36).all()
    assert {"prisoners_held", "deals_this_round", "sanctions_cost", "moscow_pressure", "mobilisation"} <= set(
        frame.columns
    )
    assert frame.loc[frame.scenario == "freeze", "instruments_lifted"].eq(0).all()
    assert frame.loc[frame.scenario == "thaw", "instruments_lifted"].gt(0).all()
    assert frame["prisoners_held"].nunique() > 1  # the seeds make different worlds


def test_batch_run_every_step():
    results = mesa.batch_run(
        BargainingModel,
        {"scenario": ["thaw", "freeze"]},
        rng=[1, 2],
        max_steps=12,
        data_collection_period=1,
        display_progress=False,
    )
    frame = pd.DataFrame(results)
    assert len(frame) == 2 * 2 * 13  # the initial state and 12 steps per run
    assert frame.loc[frame.scenario == "freeze", "deals_this_round"].eq(0).all()


def test_keyword_construction_and_reporters():
    m = BargainingModel(scenario="thaw", worlds=1, rng=7, rounds=6, actors__washington__channel_value=2.0)
    assert m.num_worlds == 1 and m.rounds == 6 and m.cfg.actors.washington.channel_value == 2.0
    while m.running:
        m.step()
    data = m.datacollector.get_model_vars_dataframe()
    assert len(data) == 7 and data["prisoners_held"].iloc[0] == 1183
    assert {type(a).__name__ for a in m.agents} == {"Minsk", "Washington", "EU", "Moscow", "Opposition"}


def test_same_rng_same_world():
    a = BargainingModel(scenario="thaw", rng=3).run()
    b = BargainingModel(scenario="thaw", rng=3).run()
    assert a.datacollector.get_model_vars_dataframe().equals(b.datacollector.get_model_vars_dataframe())
