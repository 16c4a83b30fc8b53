"""The figures of a run and of a comparison: what each draws is the numbers of its table."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from quidproquo.experiments import plots
from quidproquo.labels import colour, label
from tests_support import model

WORLDS, ROUNDS = 5, 7


@pytest.fixture(scope="module")
def runs():
    """Two small runs' tables: (rounds, worlds) for thaw and for freeze."""
    out = {}
    for name in ("thaw", "freeze"):
        m = model(
            name,
            worlds=WORLDS,
            seed=6,
            **{"engine.rounds": ROUNDS, "actors.washington.engagement": 1.0}
            if name == "thaw"
            else {"engine.rounds": ROUNDS},
        ).run()
        out[name] = (m.recorder.rounds_table(m), m.recorder.worlds_table(m))
    return out


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def bands(ax) -> list[PolyCollection]:
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def test_by_round_is_a_worlds_by_rounds_matrix_of_the_world_major_table(runs):
    rounds = runs["thaw"][0]
    matrix = plots.by_round(rounds, "prisoners_held")
    assert matrix.shape == (WORLDS, ROUNDS)
    for w in range(WORLDS):
        assert matrix[w].tolist() == rounds.loc[rounds.world == w, "prisoners_held"].tolist()


def test_a_fan_draws_the_median_the_two_bands_and_world_0_named_in_the_legend():
    _, ax = plt.subplots()
    values = np.arange(40, dtype=float).reshape(8, 5)  # 8 worlds, 5 months
    dates = pd.date_range("2025-07-01", periods=5, freq="MS").to_numpy()
    plots.fan(ax, dates, values, " thaw")
    median, world0 = ax.lines
    assert median.get_ydata().tolist() == np.median(values, axis=0).tolist()
    assert world0.get_ydata().tolist() == values[0].tolist()
    assert len(bands(ax)) == 2
    assert ax.get_legend_handles_labels()[1] == [
        "90% of worlds thaw",
        "50% of worlds thaw",
        "median thaw",
        "world 0 thaw",
    ]
    inner = bands(ax)[1].get_paths()[0].vertices[:, 1]
    q25, q75 = np.quantile(values, [0.25, 0.75], axis=0)
    assert inner.min() == pytest.approx(q25.min()) and inner.max() == pytest.approx(q75.max())
    plots.fan(ax, dates, values, " freeze", world0=False)
    assert len(ax.lines) == 3


def test_a_runs_figures_plot_its_own_series_with_labelled_axes(runs):
    rounds = runs["thaw"][0]
    fig = plots.prisoners_fan(rounds, "thaw: prisoners")
    ax = fig.axes[0]
    assert ax.get_title() == "thaw: prisoners" and ax.get_ylabel() == label("prisoners_held")
    assert ax.lines[0].get_ydata().tolist() == np.median(plots.by_round(rounds, "prisoners_held"), axis=0).tolist()
    fig = plots.sanctions_cost(rounds, "thaw: cost")
    ax = fig.axes[0]
    # the long label wraps onto two lines rather than being cut at the figure's edge (issue 24)
    assert ax.get_ylim()[0] == 0 and ax.get_ylabel().replace("\n", " ") == label("sanctions_cost")
    assert "\n" in ax.get_ylabel()
    assert ax.lines[0].get_ydata().tolist() == np.median(plots.by_round(rounds, "sanctions_cost"), axis=0).tolist()


def test_the_instrument_strip_is_the_share_of_worlds_relieved_month_by_month(runs):
    rounds = runs["thaw"][0].copy()
    names = [c.removeprefix("instrument_") for c in rounds.columns if c.startswith("instrument_")]
    # Only states: thaw may license early in some worlds, and a licence counts as relief too.
    rounds[[f"relief_{n}" for n in names]] = 0
    rounds[[f"instrument_{n}" for n in names]] = "imposed"
    rounds.loc[(rounds.world < 2) & (rounds["round"] >= 3), f"instrument_{names[0]}"] = "lifted"  # 2 of 5 from month 3
    rounds.loc[(rounds.world == 4) & (rounds["round"] >= 5), f"relief_{names[1]}"] = 1  # a licence: 1 of 5 from month 5
    fig = plots.instrument_states(rounds, names, "thaw")
    image = fig.axes[0].images[0].get_array()
    assert image.shape == (len(names), ROUNDS)
    by_hand = [[0.0] * ROUNDS for _ in names]
    by_hand[0][3:] = [40.0] * (ROUNDS - 3)
    by_hand[1][5:] = [20.0] * (ROUNDS - 5)
    np.testing.assert_allclose(np.asarray(image), by_hand)
    assert np.asarray(image)[0, 3:].min() >= 40.0
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == [label(n) for n in names]


def test_a_comparison_gives_each_scenario_its_colour_and_names_both_runs(runs):
    assert plots._tints(("thaw", "freeze")) == (colour("thaw"), colour("freeze"))
    a, b = plots._tints(("custom", "custom"))
    assert a != b, "two runs never share a colour"
    fig = plots.fan_pair(runs["thaw"][0], runs["freeze"][0], ("thaw", "freeze"))
    legend = fig.axes[0].get_legend_handles_labels()[1]
    assert {"median thaw", "median freeze", "90% of worlds thaw", "90% of worlds freeze"} <= set(legend)
    assert [line.get_color() for line in fig.axes[0].lines] == [colour("thaw"), colour("freeze")]


def test_the_survival_curve_is_the_share_of_worlds_without_a_deal_yet(runs):
    worlds_a, worlds_b = runs["thaw"][1], runs["freeze"][1]
    fig = plots.survival(worlds_a, worlds_b, ("thaw", "freeze"), ROUNDS)
    thaw, freeze = fig.axes[0].lines
    first = worlds_a.first_deal_round.astype("Float64").fillna(np.inf).to_numpy(dtype=float)
    assert thaw.get_ydata().tolist() == pytest.approx([100 * (first >= m).mean() for m in range(ROUNDS + 1)])
    assert thaw.get_ydata()[0] == 100.0 and thaw.get_ydata()[-1] < 100.0, "under thaw with visits, deals come"
    assert freeze.get_ydata().tolist() == [100.0] * (ROUNDS + 1)  # no deal ever under freeze


def test_instruments_relieved_counts_any_step_lifted_or_suspended(runs):
    rounds = runs["freeze"][0].copy()
    names = [c.removeprefix("instrument_") for c in rounds.columns if c.startswith("instrument_")]
    rounds.loc[rounds.world == 0, f"relief_{names[0]}"] = 1  # a licence: relief, though still imposed
    rounds.loc[rounds.world <= 2, f"instrument_{names[1]}"] = "suspended"
    fig = plots.instruments_relieved(rounds, runs["freeze"][0], ("mine", "freeze"))
    median = fig.axes[0].lines[0].get_ydata()
    counts = np.array([[2, 1, 1, 0, 0]] * ROUNDS).T  # (worlds, rounds): world 0 two, worlds 1-2 one
    assert median.tolist() == np.median(counts, axis=0).tolist() == [1.0] * ROUNDS


def test_distributions_draw_each_outcome_for_both_runs_with_black_medians(runs):
    outcomes = {"net_change": "net change", "total_released": "released"}
    fig = plots.distributions(runs["thaw"][1], runs["freeze"][1], ("thaw", "freeze"), outcomes)
    assert [ax.get_title() for ax in fig.axes] == ["net change", "released"]
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["thaw", "freeze"]
    assert any(np.asarray(line.get_ydata()).tolist() == [0, 0] for line in ax.lines), "the zero line on net change"


def sweep_table():
    rng = np.random.default_rng(0)
    rows = [
        {"channel": c, "elasticity": e, "world": w, "net_change": 100 * e - 10 * c + rng.normal()}
        for c in (0.5, 1.0, 2.0)
        for e in (0.0, 0.5)
        for w in range(20)
    ]
    return pd.DataFrame(rows)


def test_an_outcome_against_a_parameter_plots_its_median_at_each_value():
    sweep = sweep_table()
    fig = plots.outcome_by_parameter(sweep, "channel", "net_change", by="elasticity")
    lines = [line for line in fig.axes[0].lines if line.get_marker() == "o"]  # the medians, not the zero line
    assert len(lines) == 2
    for line, (_, frame) in zip(lines, sweep.groupby("elasticity"), strict=True):
        assert line.get_xdata().tolist() == [0.5, 1.0, 2.0]
        assert line.get_ydata().tolist() == pytest.approx(frame.groupby("channel").net_change.median().tolist())
    pooled = plots.outcome_by_parameter(sweep, "channel", "net_change", by=None)
    assert "pooled over" in pooled.axes[0].get_title()


def test_the_heatmap_holds_the_medians_and_centres_its_colours_on_zero():
    sweep = sweep_table()
    fig = plots.outcome_heatmap(sweep, "channel", "elasticity", "net_change", "median net change")
    image = fig.axes[0].images[0]
    medians = sweep.groupby(["elasticity", "channel"]).net_change.median().unstack("channel").to_numpy()
    np.testing.assert_allclose(np.asarray(image.get_array()), medians)
    assert image.norm.vcenter == 0.0 and image.norm.vmin == -image.norm.vmax == -np.abs(medians).max()
    assert len(fig.axes[0].texts) == medians.size
