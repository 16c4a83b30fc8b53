"""The record of a run: the tables' columns and rows, their sums, and that world i's rows do not
depend on how many worlds ran beside it."""

import numpy as np
import pandas as pd
import pytest

from quidproquo.engine.instruments import LIFTED, STATE_NAMES
from quidproquo.engine.record import EVENT_COLUMNS, OFFER_COLUMNS, first_round
from tests_support import model

ROUNDS = 8
BUSY = {"actors.washington.engagement": 1.0, "engine.rounds": ROUNDS}  # a visit every month: talks to record


def firsts(values) -> list:
    """A column of first rounds as plain ints, None where NA."""
    return [None if pd.isna(v) else int(v) for v in values]


def tables(m):
    r = m.recorder
    return r.rounds_table(m), r.worlds_table(m), m.events.table(), r.offers_table()


@pytest.fixture(scope="module")
def run():
    return model(worlds=5, seed=4, **BUSY).run()


def test_the_rounds_table_has_a_row_per_world_and_month_world_major(run):
    m = run
    rounds = m.recorder.rounds_table(m)
    assert len(rounds) == 5 * ROUNDS
    assert rounds.world.tolist() == np.repeat(np.arange(5), ROUNDS).tolist()
    assert rounds["round"].tolist() == list(range(ROUNDS)) * 5
    dates = pd.to_datetime(rounds.date[:ROUNDS]).dt.strftime("%Y-%m").tolist()
    assert dates == [str(m.start + k) for k in range(ROUNDS)]
    tiers, instruments = m.prisoners.tiers, m.instruments.names
    expected = [
        "world",
        "round",
        "date",
        "prisoners_held",
        *(f"prisoners_{t}" for t in tiers),
        "arrests",
        "released_deal",
        "released_pardon",
        "released_completion",
        "sanctions_cost",
        "us_engaged",
        "deal",
        "moscow_pressure",
        "mobilisation",
        "repression",
        *(f"utility_{a.name}" for a in m.actors),
    ] + [c for name in instruments for c in (f"instrument_{name}", f"relief_{name}")]
    assert rounds.columns.tolist() == expected
    assert (rounds.prisoners_held == rounds[[f"prisoners_{t}" for t in tiers]].sum(axis=1)).all()
    for name in instruments:
        assert list(rounds[f"instrument_{name}"].cat.categories) == list(STATE_NAMES)
    assert not rounds.isna().any().any()


def test_the_rounds_table_holds_the_months_state_as_the_model_saw_it():
    m = model(worlds=3, seed=1, **BUSY)
    seen = []
    while m.running:
        m.step()
        seen.append((m.prisoners.held.sum(axis=1).copy(), m.instruments.sanctions_cost.copy(), m.ledger.deal.copy()))
    rounds = m.recorder.rounds_table(m)
    for k, (held, cost, deal) in enumerate(seen):
        month = rounds[rounds["round"] == k]
        assert month.prisoners_held.tolist() == held.tolist()
        assert month.sanctions_cost.tolist() == pytest.approx(cost.tolist())
        assert month.deal.tolist() == deal.tolist()


def test_the_worlds_table_adds_up_the_rounds_table(run):
    m = run
    rounds, worlds = m.recorder.rounds_table(m), m.recorder.worlds_table(m)
    assert worlds.world.tolist() == [0, 1, 2, 3, 4]
    per_world = rounds.groupby("world")
    for column in ("released_deal", "released_pardon", "released_completion"):
        assert worlds[column].tolist() == per_world[column].sum().tolist(), column
    assert worlds.total_arrested.tolist() == per_world.arrests.sum().tolist()
    assert (worlds.total_released == worlds.released_deal + worlds.released_pardon + worlds.released_completion).all()
    assert worlds.prisoners_held_final.tolist() == per_world.prisoners_held.last().tolist()
    start = m.prisoners.initial_total
    assert (worlds.net_change == worlds.prisoners_held_final - start).all()
    assert (worlds.net_change == worlds.total_arrested - worlds.total_released).all()  # prisoners are conserved
    assert worlds.deals.tolist() == per_world.deal.sum().tolist()
    dealt = per_world.deal.apply(lambda d: d.to_numpy().argmax() if d.any() else pd.NA)
    assert firsts(worlds.first_deal_round) == firsts(dealt)
    assert worlds.deals.sum() > 0, "the run must have had deals, or the deal columns are not tested"
    for name in m.instruments.names:
        relieved = (rounds[f"instrument_{name}"] != "imposed") | (rounds[f"relief_{name}"] > 0)
        first = relieved.groupby(rounds.world).apply(lambda r: r.to_numpy().argmax() if r.any() else pd.NA)
        assert firsts(worlds[f"lifted_{name}"]) == firsts(first), name


def test_the_worlds_table_dates_each_step_of_relief_from_the_month_it_came_into_force():
    m = model(worlds=3, **BUSY, **{"bargaining.talks": False})  # no deals: only the relief given here
    belavia = m.instruments.names.index("belavia")
    steps = np.zeros((1, len(m.instruments.names)), dtype=np.int64)
    steps[0, belavia] = 1
    for k in range(ROUNDS):
        if k in (2, 5):  # a step now in world 1, and the next one three months later
            m.instruments.lift(np.array([1]), steps, lag=0, round_=m.round)
        m.step()
    worlds = m.recorder.worlds_table(m)
    assert firsts(worlds.lifted_belavia) == [None, 2, None]
    assert firsts(worlds.relief_belavia_1) == [None, 2, None] and firsts(worlds.relief_belavia_2) == [None, 5, None]
    assert m.recorder.rounds_table(m).query("world == 1").relief_belavia.tolist() == [0, 0, 1, 1, 1, 2, 2, 2]


def test_a_worlds_realised_utility_is_its_discounted_monthly_utility(run):
    m = run
    rounds, worlds = m.recorder.rounds_table(m), m.recorder.worlds_table(m)
    for actor in m.actors:
        discount = actor.params.discount ** np.arange(ROUNDS)
        by_hand = [
            float(discount @ rounds.loc[rounds.world == w, f"utility_{actor.name}"].to_numpy()) for w in range(5)
        ]
        assert worlds[f"utility_{actor.name}"].tolist() == pytest.approx(by_hand, rel=1e-12), actor.name


def test_world_is_rows_do_not_depend_on_how_many_worlds_ran():
    few, many = tables(model(worlds=2, seed=8, **BUSY).run()), tables(model(worlds=7, seed=8, **BUSY).run())
    for name, a, b in zip(("rounds", "worlds", "events", "offers"), few, many, strict=True):
        pd.testing.assert_frame_equal(a, b[b.world < 2].reset_index(drop=True), obj=name)
    assert len(few[3]) > 0 and len(few[2]) > 0, "the two worlds must have had talks and a log to compare"


def test_the_same_seed_records_the_same_tables_and_another_seed_another_history():
    a, b = tables(model(worlds=3, seed=2, **BUSY).run()), tables(model(worlds=3, seed=2, **BUSY).run())
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y)
    other = tables(model(worlds=3, seed=3, **BUSY).run())
    assert not a[0].arrests.equals(other[0].arrests)


def test_the_event_log_and_the_offers_cover_the_logged_worlds_only():
    m = model(worlds=4, seed=4, **BUSY, **{"output.event_log_worlds": 2}).run()
    events, offers = m.events.table(), m.recorder.offers_table()
    assert events.columns.tolist() == EVENT_COLUMNS and offers.columns.tolist() == OFFER_COLUMNS
    assert set(events.world) == {0, 1} and set(offers.world) <= {0, 1} and len(offers) > 0
    assert events[["world", "round"]].equals(events[["world", "round"]].sort_values(["world", "round"], kind="stable"))
    assert set(offers.proposer) <= {"washington", "minsk"}
    rounds = m.recorder.rounds_table(m)
    talked = rounds[rounds.us_engaged & (rounds.world < 2)][["world", "round"]]
    assert set(map(tuple, offers[["world", "round"]].values)) <= set(map(tuple, talked.values))
    # Each accepted offer is the month's deal, and every deal of a logged world has one.
    accepted = offers[offers.accepted][["world", "round"]]
    dealt = rounds[rounds.deal & (rounds.world < 2)][["world", "round"]]
    assert sorted(map(tuple, accepted.values)) == sorted(map(tuple, dealt.values))


def test_a_run_stopped_early_records_the_months_it_ran():
    m = model(worlds=2, **BUSY)
    for _ in range(3):
        m.step()
    rounds, worlds = m.recorder.rounds_table(m), m.recorder.worlds_table(m)
    assert m.recorder.recorded == 3 and len(rounds) == 2 * 3
    assert worlds.prisoners_held_final.tolist() == m.prisoners.held.sum(axis=1).tolist()


def test_the_log_words_tiers_and_relief_the_same_way_everywhere(run):
    m = run
    log, names = m.events, m.instruments.names
    assert log.tier_list(np.zeros(len(m.prisoners.tiers), dtype=int)) == "0"
    counts = np.zeros(len(m.prisoners.tiers), dtype=int)
    counts[m.prisoners.tiers.index("foreign")], counts[m.prisoners.tiers.index("rank_and_file")] = 4, 20
    assert log.tier_list(counts) == "24 (20 rank_and_file, 4 foreign)"
    assert log.instrument_list(np.zeros(len(names), dtype=bool)) == "nothing"
    assert log.instrument_list(np.arange(len(names)) < 2) == f"{names[0]}, {names[1]}"
    steps, before = np.zeros(len(names), dtype=int), np.zeros(len(names), dtype=int)
    assert log.relief_words(steps, before) == "no relief"
    potash = names.index("potash")
    ladder = m.instruments["potash"].steps
    steps[potash], before[potash] = 2, 0
    assert log.relief_words(steps, before) == f"relief: potash {ladder[0]} + {ladder[1]}"
    steps[potash], before[potash] = 1, 1  # one step on top of the one in force: the second
    assert log.relief_words(steps, before) == f"relief: potash {ladder[1]}"


def test_the_models_reporters_are_means_over_the_worlds():
    m = model(worlds=3, **BUSY)
    m.step()
    assert m.prisoners_held == pytest.approx(m.prisoners.held.sum(axis=1).mean())
    m.instruments.state[0, 0] = LIFTED
    m.instruments.changed()
    assert m.instruments_lifted == pytest.approx(m.instruments.relieved_count.mean()) and m.instruments_lifted >= 1 / 3
    assert type(m).prisoners_held.__doc__.startswith("Mean over worlds")
    frame = m.datacollector.get_model_vars_dataframe()
    assert len(frame) == 2 and frame.prisoners_held.iloc[-1] == pytest.approx(
        m.recorder.prisoners[0].sum(axis=1).mean()
    )


def test_first_round_is_the_first_month_a_flag_holds_or_none():
    flags = np.array([[False, False, True], [True, False, True], [True, False, False]])  # (round, world)
    assert firsts(first_round(flags)) == [1, None, 0]


def test_the_rounds_table_in_parts_is_the_table_and_its_parquet_the_same_file(tmp_path):
    """A run writes rounds.parquet a part of the worlds at a time (issue 20's memory): the parts
    concatenated are the table; in one part the file is the very bytes of the whole table's; in
    many parts it reads back as the same table."""
    from quidproquo.runs import storage

    m = model("thaw", worlds=23, seed=4).run()
    whole = m.recorder.rounds_table(m)
    parts = list(m.recorder.rounds_parts(m, rows=5 * m.recorder.recorded))
    assert len(parts) == 5 and [len(p) for p in parts] == [5 * m.recorder.recorded] * 4 + [3 * m.recorder.recorded]
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole, check_exact=True)
    storage.write_parquet(whole, tmp_path / "whole.parquet")
    storage.write_parquet_parts(m.recorder.rounds_parts(m), tmp_path / "one.parquet")
    storage.write_parquet_parts(iter(parts), tmp_path / "many.parquet")
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "many.parquet"), pd.read_parquet(tmp_path / "whole.parquet"), check_exact=True
    )


def test_a_runs_figures_from_its_record_are_the_files_qpq_plot_draws_from_its_table(tmp_path):
    from quidproquo.experiments.runner import draw, draw_record

    m = model("thaw", worlds=40, seed=2).run()
    for a, b in zip(
        draw_record(m, "thaw", tmp_path / "record"),
        draw(m.recorder.rounds_table(m), "thaw", tmp_path / "table"),
        strict=True,
    ):
        assert a.name == b.name and a.read_bytes() == b.read_bytes(), a.name
