"""The comparison report and its figures (issue 24 item 6): no empty rows, a sentence under each
figure, the arrests' split by Moscow's pressure said only where the data show it, the
decomposition month by month adding up to the gap, count bands without holes."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from quidproquo.experiments import plots
from quidproquo.experiments.compare import COLUMNS, arrest_regimes, captions, report_markdown
from quidproquo.experiments.decompose import CHANNELS, monthly_shares


def table_with_no_paired_first_deal() -> pd.DataFrame:
    rows = [
        [o, 10, 1.0, 2.0, 1.0, 2.0, -1.0, -1.5, -0.5, -0.8]
        for o in ("total_released", "total_arrested", "prisoners_held_final", "deals")
    ]
    rows.append(["first_deal_round", 0, *[np.nan] * 8])
    return pd.DataFrame(rows, columns=COLUMNS)


def test_an_outcome_without_paired_worlds_is_left_out_and_said_why():
    text = report_markdown(
        table_with_no_paired_first_deal(),
        ("thaw", "freeze"),
        {"first_deal.png": "Time to the first deal"},
        "10 paired worlds",
        {"first_deal.png": "the share of worlds without a deal."},
    )
    assert "| month of the first deal |" not in text and "– | –" not in text
    assert "No world has a deal in both runs here" in text
    assert (
        "![Time to the first deal](figures/first_deal.png)\n\n*How to read it:* the share of worlds without a deal."
        in text
    )


def worlds_and_rounds(pressure: np.ndarray, arrests: np.ndarray, months: int = 3):
    worlds = pd.DataFrame({"world": np.arange(pressure.size), "total_arrested": arrests})
    rounds = pd.DataFrame(
        {
            "world": np.repeat(np.arange(pressure.size), months),
            "round": np.tile(np.arange(months), pressure.size),
            "moscow_pressure": np.repeat(pressure, months),
        }
    )
    return worlds, rounds


def test_the_arrests_split_by_moscows_pressure_is_said_only_where_the_data_show_it():
    calm = np.r_[np.full(20, 0.1), np.full(80, 0.6)]
    worlds, rounds = worlds_and_rounds(calm, np.r_[np.full(20, 1700.0), np.full(80, 2250.0)])
    sentence = arrest_regimes("thaw", worlds, rounds)
    assert "20% of worlds" in sentence and "1,700" in sentence and "2,250" in sentence
    worlds, rounds = worlds_and_rounds(calm, np.full(100, 2000.0))  # regimes, but the same arrests
    assert arrest_regimes("thaw", worlds, rounds) == ""
    worlds, rounds = worlds_and_rounds(np.full(100, 0.6), np.full(100, 2000.0))  # one regime
    assert arrest_regimes("freeze", worlds, rounds) == ""


def test_every_figure_of_the_report_has_a_sentence():
    worlds, rounds = worlds_and_rounds(np.full(10, 0.6), np.full(10, 2000.0))
    out = captions(("thaw", "freeze"), worlds, worlds, rounds, rounds)
    assert set(out) == {"prisoners_held.png", "outcomes.png", "first_deal.png", "instruments.png", "decomposition.png"}
    assert all(len(text.split()) > 15 for text in out.values())


def test_the_monthly_shares_add_up_to_the_gap_in_every_month():
    rng = np.random.default_rng(1)
    held_b = rng.integers(900, 1100, size=(6, 40)).astype(float)
    held_a = [held_b + rng.normal(0, 20, size=held_b.shape) + 3 * k for k in range(2 ** len(CHANNELS))]
    parts = monthly_shares(held_a, held_b)
    wide = parts.pivot(index="round", columns="mechanism", values="gap")
    summed = wide[[*CHANNELS, "other"]].sum(axis=1)
    np.testing.assert_allclose(summed, wide["total"], atol=1e-9)
    np.testing.assert_allclose(wide["total"], held_a[-1].mean(axis=1) - held_b.mean(axis=1))
    assert list(itertools.islice(parts.mechanism.unique(), 7)) == [*CHANNELS, "other", "total"]


def test_the_decomposition_figure_draws_the_gap_and_each_share():
    dates = pd.date_range("2025-07-01", periods=4, freq="MS")
    parts = pd.concat(
        [
            pd.DataFrame({"round": range(4), "date": dates, "mechanism": m, "gap": np.arange(4.0) * k})
            for k, m in enumerate([*CHANNELS, "other", "total"])
        ],
        ignore_index=True,
    )
    fig = plots.decomposition_over_time(parts, ("thaw", "freeze"))
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert [*CHANNELS, "other", "total gap"] == [x for x in labels if not x.startswith("_")]
    plots.close(fig)


def test_a_count_band_takes_values_worlds_have_and_leaves_no_hole():
    # 6% of worlds with none, then 4%: interpolated, the 5% quantile would dip to a fraction.
    values = np.array([[0] * 6 + [2] * 94, [0] * 4 + [2] * 96]).T.astype(float)  # (worlds, months)
    fig, ax = plots.plt.subplots()
    plots.fan(ax, np.arange(2), values, "", counts=True, world0=False)
    floors = [np.asarray(c.get_paths()[0].vertices)[:, 1].min() for c in ax.collections]
    assert floors[0] == 0  # the palest band, all worlds, reaches down to zero under the 90% band
    assert set(np.quantile(values, 0.05, axis=0, method="inverted_cdf")) <= {0.0, 2.0}
    plots.close(fig)
