"""`qpq forecast` and the posterior it draws from (issue 21 items 4-5): from the record's state at
an origin, every band over worlds at their own posterior draws, fitted to rows up to the origin."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_observations import ORIGIN, poisoned_copy

from quidproquo import cli
from quidproquo.config import ConfigError, load
from quidproquo.engine.instruments import LIFTED
from quidproquo.experiments import forecast as fc
from quidproquo.experiments import posterior as abc
from tests_support import one_line_error

SMALL = {"particles": 200, "proposals": 1000, "generations": 3}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("forecast") / "fc"
    cli.main(["forecast", "--origin", "2025-12", "--months", "6", "--out", str(out)])
    return out


def test_the_forecast_from_the_end_of_2025_writes_its_tables_figure_and_report(folder):
    assert {p.name for p in folder.iterdir()} - {".lock"} == {
        "forecast.csv", "relief.csv", "posterior.csv", "generations.csv", "parameters.csv", "forecast.png",
        "forecast.md", "done.json",
    }  # fmt: skip
    table = pd.read_csv(folder / "forecast.csv")
    assert table.month.tolist() == [f"2026-{m:02d}" for m in range(1, 7)]
    assert (table.held_q05 <= table.held_median).all() and (table.held_median <= table.held_q95).all()
    relief = pd.read_csv(folder / "relief.csv").set_index("instrument")
    assert (
        relief.loc["belavia", "at_start"] == "lifted"
        and relief.loc["potash", "at_start"] == "imposed (general licence)"
    )
    text = (folder / "forecast.md").read_text()
    assert "**chance and\nparameter uncertainty together**" in text and "1,131 held" in text
    post = pd.read_csv(folder / "posterior.csv")
    assert np.isclose(post.weight.sum(), 1.0) and len(post) > 100


def test_every_world_starts_from_the_record_at_the_origin():
    run = fc.run(pd.Period("2025-12", freq="M"), 2, 300, 0, budget=SMALL)
    model = run.model
    assert (model.prisoners.initial.sum(axis=1) == 1131).all()  # the 2025-12-31 count, in every world
    assert len(np.unique(model.prisoners.initial, axis=0)) > 1  # split as each draw's world held them
    ins = model.instruments
    first = model.recorder
    b, p = ins.names.index("belavia"), ins.names.index("potash")
    assert (first.instruments[0, :, b] == LIFTED).all()  # delisted in November 2025
    potash = model.cfg.goods.instruments["potash"]
    assert (potash.state, potash.level) == ("imposed", 2)  # General License 13: the second step
    # At the end of the first month: that licence still in force, or more given on top of it.
    assert ((first.levels[0, :, p] >= 2) | (first.instruments[0, :, p] == LIFTED)).all()
    assert model.start == pd.Period("2026-01", freq="M") and model.cfg.events == []  # 2025's events folded in
    # Each world runs at its own draw: the posterior's values, not one point.
    assert np.unique(model.parameters.get("actors.washington.visit_ask")).size > 10


def test_the_same_seed_gives_the_same_posterior_and_forecast():
    a = fc.run(pd.Period("2025-06", freq="M"), 3, 200, 5, budget=SMALL)
    b = fc.run(pd.Period("2025-06", freq="M"), 3, 200, 5, budget=SMALL)
    assert a.posterior.theta.tobytes() == b.posterior.theta.tobytes()
    assert a.model.recorder.prisoners.tobytes() == b.model.recorder.prisoners.tobytes()


def test_no_row_after_the_origin_can_change_the_posterior_or_the_forecast(tmp_path):
    poisoned = poisoned_copy(tmp_path)
    sanctions = pd.read_csv(poisoned / "sanctions.csv", dtype=str)
    sanctions["status_2025_12"] = "not a state"  # the later state column too
    sanctions.to_csv(poisoned / "sanctions.csv", index=False)
    seen = fc.run(ORIGIN, 3, 200, 0, budget=SMALL, folder=poisoned)
    clean = fc.run(ORIGIN, 3, 200, 0, budget=SMALL)
    assert seen.posterior.record.observed.tobytes() == clean.posterior.record.observed.tobytes()
    assert seen.posterior.theta.tobytes() == clean.posterior.theta.tobytes()
    assert seen.model.recorder.prisoners.tobytes() == clean.model.recorder.prisoners.tobytes()
    # ... and the poison is real: the fit to 2025-12 reads those rows and refuses them.
    with pytest.raises(Exception, match="not a"):
        fc.run(pd.Period("2025-12", freq="M"), 3, 200, 0, budget=SMALL, folder=poisoned)


def test_a_particle_is_a_world_whose_result_does_not_depend_on_the_others():
    base = load(["scenario=belarus_2025"])
    theta = np.array([[p.low + (p.high - p.low) * f for p in abc.PRIOR] for f in (0.2, 0.5, 0.8)])
    three = abc.simulate(base, theta, first=40, rounds=12)
    alone = abc.simulate(base, theta[1:2], first=41, rounds=12)
    assert np.array_equal(three.recorder.prisoners[:, 1], alone.recorder.prisoners[:, 0])


@pytest.mark.parametrize(
    "arguments, says",
    [
        (["--origin", "2025-09", "--months", "6"], "allowed: 2025-06, 2025-12"),
        (["--origin", "2025-12", "--months", "0"], "--months 0: allowed: 1 to 120"),
        (["--origin", "2025-12", "--worlds", "0"], "--worlds=0: must be at least 1"),
    ],
)
def test_a_bad_forecast_request_is_one_line_and_writes_nothing(arguments, says, tmp_path, capsys):
    assert says in one_line_error(capsys, ["forecast", *arguments, "--out", str(tmp_path / "fc")])
    assert not (tmp_path / "fc").exists()


def test_thaw_against_freeze_from_the_record_carries_parameter_uncertainty_and_names_the_flips(tmp_path):
    out = tmp_path / "cmp"
    cli.main(["compare", "thaw", "freeze", "--from-record", "2025-12", "--months", "12", "engine.worlds=300",
              "--out", str(out)])  # fmt: skip
    gap = pd.read_csv(out / "gap.csv")
    assert len(gap) == 12 and (gap.q05 <= gap["median"]).all() and (gap["median"] <= gap.q95).all()
    flips = pd.read_csv(out / "flips.csv")
    assert flips.parameter.tolist() == [p.name for p in abc.PRIOR]
    # A flip is a sign change between the parameter's low and high posterior thirds.
    assert (flips.end_flips == (np.sign(flips.end_low) * np.sign(flips.end_high) < 0)).all()
    parts = pd.read_csv(out / "mechanisms.csv")
    for measure, rows in parts.groupby("measure"):
        rows = rows.set_index("mechanism")["mean"]
        assert rows.drop("total").sum() == pytest.approx(rows["total"]), measure  # Shapley: they add up
    text = (out / "report.md").read_text()
    assert "it holds chance and parameter uncertainty\ntogether" in text
    assert "Parameters whose plausible range flips the sign" in text


def test_the_policies_differ_only_in_the_envoy():
    from quidproquo.experiments import policy_gap

    _, _, _, (thaw, freeze) = policy_gap.gaps("2025-12", 3, worlds=200)
    assert thaw.posterior is freeze.posterior and np.array_equal(thaw.picked, freeze.picked)
    assert not freeze.model.recorder.deal.any() and thaw.model.recorder.deal.any()
    assert np.array_equal(thaw.model.prisoners.initial, freeze.model.prisoners.initial)
    with pytest.raises(ConfigError, match="allowed: thaw, freeze"):
        policy_gap.check_policies("thaw", "hawk")


@pytest.mark.parametrize(
    "arguments, says",
    [
        (["calibrate", "--posterior", "--until", "2025-09"], "--until 2025-09: the record gives the instruments' state only at"),
        (["calibrate", "--until", "2025-12"], "--until: only with --posterior"),
        (["compare", "thaw", "freeze", "--from-record", "2031-01"], "--from-record 2031-01: the record gives"),
        (["compare", "thaw", "freeze", "--from-record", "soon"], "--from-record='soon': must be a date written YYYY-MM"),
        (["compare", "thaw", "hawk", "--from-record", "2025-12"], "'hawk' is not a policy a record's start takes"),
        (["compare", "thaw", "freeze", "--from-record", "2025-12", "actors.minsk.clemency=2"], "only engine.worlds=N and engine.seed=N apply"),
    ],
)  # fmt: skip
def test_the_posterior_and_the_record_comparison_refuse_bad_input_in_one_line(arguments, says, tmp_path, capsys):
    assert says in one_line_error(capsys, [*arguments, "--out", str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()
