"""`qpq compare`: paired differences with bootstrap CIs, figures and a plain-words report."""

import os

import numpy as np
import pandas as pd
import pytest

from quidproquo.experiments.compare import compare, paired_difference
from tests_support import in_process


def test_identical_scenarios_differ_by_nothing(tmp_path, env):
    out = tmp_path / "same"
    done = in_process(
        ["compare", "thaw", "thaw", "engine.worlds=200", "engine.rounds=12", "output.figures=false", "--out", str(out)],
        cwd=os.getcwd(),
    )
    assert done.returncode == 0, done.stderr
    table = pd.read_parquet(out / "comparison.parquet")
    assert (table["ci_low"] <= 0).all() and (table["ci_high"] >= 0).all()
    assert (table["difference"] == 0).all()


def test_thaw_frees_more_than_freeze(tmp_path, env):
    out = tmp_path / "thaw_freeze"
    done = in_process(
        ["compare", "thaw", "freeze", "engine.worlds=400", "engine.rounds=24", "--out", str(out)], cwd=os.getcwd()
    )
    assert done.returncode == 0, done.stderr
    assert "report.md" in done.stdout
    table = pd.read_parquet(out / "comparison.parquet").set_index("outcome")
    released = table.loc["total_released"]
    assert released.difference > 0 and released.ci_low > 0
    assert {"mean_a", "mean_b", "median_a", "median_b", "ci_low", "ci_high", "effect_size"} <= set(table.columns)
    assert {
        "total_released",
        "total_arrested",
        "net_change",
        "prisoners_held_final",
        "deals",
        "first_deal_round",
        "utility_minsk",
        "utility_opposition",
    } <= set(table.index)
    report = (out / "report.md").read_text()
    assert "thaw frees" in report and "95% CI" in report
    for figure in ("prisoners_held.png", "outcomes.png", "first_deal.png", "instruments.png"):
        assert (out / "figures" / figure).stat().st_size > 10_000
    # The run folders it wrote can be compared again, as folders (without figures, as asked).
    again = in_process(
        ["compare", str(out / "thaw"), str(out / "freeze"), "output.figures=false", "--out", str(tmp_path / "again")],
        cwd=os.getcwd(),
    )
    assert again.returncode == 0, again.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "again" / "comparison.parquet"), table.reset_index())
    assert (
        not (tmp_path / "again" / "figures").exists()
        and "](figures/" not in (tmp_path / "again" / "report.md").read_text()
    )


def test_compare_rejects_a_folder_that_holds_no_run(tmp_path, env):
    (tmp_path / "empty").mkdir()
    done = in_process(["compare", str(tmp_path / "empty"), "freeze", "--out", str(tmp_path / "out")], cwd=os.getcwd())
    assert done.returncode == 2 and "not a finished run folder" in done.stderr and "Traceback" not in done.stderr


def test_paired_bootstrap_by_hand():
    rng = np.random.default_rng(1)
    a = rng.normal(10, 1, 500)
    mean, low, high, effect = paired_difference(a + 2.0 + rng.normal(0, 0.5, 500), a, 999, 0)
    assert low < mean < high and low < 2.0 < high and 3 < effect < 5
    same = compare(pd.DataFrame({"world": [0, 1], "deals": [1, 2]}), pd.DataFrame({"world": [0, 1], "deals": [1, 2]}))
    assert same.set_index("outcome").loc["deals", ["difference", "ci_low", "ci_high"]].tolist() == [0, 0, 0]


def test_the_gap_decomposes_into_mechanisms_that_sum_to_it():
    """Shapley shares of thaw - freeze by mechanism, plus what they leave ("other"), add up to
    the total gap for every measure; the deal channel carries a share of its own."""
    import pandas as pd

    from quidproquo.config import load
    from quidproquo.experiments.decompose import decompose, decomposition_worlds, gap_over_time, held_of

    thaw = load(["scenario=thaw", "engine.worlds=600", "engine.seed=2"])
    freeze = held_of(load(["scenario=freeze", "engine.worlds=600", "engine.seed=2"]))
    parts = decompose(thaw, freeze)
    m = decomposition_worlds(600)  # up to 1,000 paired worlds it runs all of them
    assert m == 600 and decomposition_worlds(1200) == 1000 and decomposition_worlds(16_000) == 2000
    gap = gap_over_time(held_of(thaw)[:, :m], freeze[:, :m]).set_index("measure").gap
    assert list(gap.index) == [
        "held after 12 months",
        "held after 24 months",
        "held after 36 months",
        "prisoner-months",
    ]
    for measure, rows in parts.groupby("measure"):
        shares = rows[~rows.mechanism.isin(["total"])].gap.sum()
        total = rows.loc[rows.mechanism == "total", "gap"].item()
        assert shares == pytest.approx(total, rel=1e-9, abs=1e-6)
        assert total == pytest.approx(gap[measure], rel=1e-9, abs=1e-6)
    deals = parts[(parts.measure == "prisoner-months") & (parts.mechanism == "deal releases")].gap.item()
    assert deals < 0  # releases in deals spare prisoner-months
    assert isinstance(parts, pd.DataFrame) and set(parts.mechanism) >= {"deal releases", "goodwill pardons", "other"}


def test_the_decomposition_with_every_mechanism_on_is_the_scenario_even_where_events_set_a_switch():
    """belarus_2025's January 2025 event sets Moscow's channel benefit, a switched key: with every
    mechanism on the points reproduce the scenario's own run world for world, and with Moscow's
    mechanism off the event cannot switch it back on."""
    from quidproquo.config import load
    from quidproquo.experiments.batch import run_points
    from quidproquo.experiments.decompose import held_of, switches

    cfg = load(["scenario=belarus_2025", "engine.worlds=40", "engine.seed=5"])
    table = switches(cfg)
    assert "actors.moscow.channel_benefit@2025-01" in table.columns
    assert len(table) == 32 and not table.iloc[0]["bargaining.talks"] and table.iloc[-1]["bargaining.talks"]
    held = {}

    def collect(model, first):
        record = model.recorder.prisoners.sum(axis=2)
        for k in range(len(model.points)):
            held[first + k] = record[:, k * 40 : (k + 1) * 40]

    run_points(cfg, table, on_model=collect)
    np.testing.assert_array_equal(held[len(table) - 1], held_of(cfg))
    assert (
        table.iloc[0]["actors.moscow.channel_benefit@2025-01"] == 0.0
        and table.iloc[-1]["actors.moscow.channel_benefit@2025-01"] == 0.05
    )


def test_qpq_compare_prints_the_gap_over_time_and_its_decomposition(tmp_path, env):
    done = in_process(
        ["compare", "thaw", "freeze", "engine.worlds=60", "output.figures=false", "--out", str(tmp_path / "cmp")],
        cwd=os.getcwd(),
    )
    assert done.returncode == 0, done.stderr
    for words in (
        "held after 12 months",
        "held after 36 months",
        "prisoner-months",
        "deal releases",
        "hostage-market arrests",
        "Moscow pressure",
        "opposition mobilisation",
        "goodwill pardons",
        "| total |",
    ):
        assert words in done.stdout, words
    assert (tmp_path / "cmp" / "decomposition.csv").exists() and "Where the gap comes from" in (
        tmp_path / "cmp" / "report.md"
    ).read_text()


def test_a_comparison_without_figures_draws_none_and_its_report_links_none(tmp_path):
    common = ["compare", "thaw", "freeze", "engine.worlds=6", "engine.rounds=4"]
    drawn = in_process([*common, "--out", str(tmp_path / "drawn")], cwd=tmp_path)
    bare = in_process([*common, "output.figures=false", "--out", str(tmp_path / "bare")], cwd=tmp_path)
    assert drawn.returncode == 0 and bare.returncode == 0, drawn.stderr + bare.stderr
    assert sorted(p.name for p in (tmp_path / "drawn" / "figures").iterdir()) == [
        "decomposition.png",
        "first_deal.png",
        "instruments.png",
        "outcomes.png",
        "prisoners_held.png",
    ]
    assert not (tmp_path / "bare" / "figures").exists()
    assert not any((tmp_path / "bare" / side / "figures").exists() for side in ("thaw", "freeze"))
    report = (tmp_path / "bare" / "report.md").read_text()
    assert "## Figures" not in report and "](figures/" not in report
    # the numbers are the same either way: only the drawing is left out
    tables = [pd.read_parquet(tmp_path / f / "comparison.parquet") for f in ("drawn", "bare")]
    assert tables[0].equals(tables[1])
