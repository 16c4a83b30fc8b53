"""The record in data/belarus runs to 2025-12-31, and a fit from an origin reads nothing after it
(issue 21 item 4's ground rule: a backtest from 2025-06 reads only rows up to 2025-06)."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from quidproquo.config import ConfigError
from quidproquo.experiments import calibrate
from quidproquo.experiments.observations import DATA_COLUMNS, data_dir, period_end, read_data

ORIGIN = pd.Period("2025-06", freq="M")
START = pd.Period("2024-07", freq="M")


def rows_after(table: pd.DataFrame, name: str, origin: pd.Period) -> np.ndarray:
    if "date" in table:
        return (pd.to_datetime(table["date"]).dt.to_period("M") > origin).to_numpy()
    return np.array([period_end(p) > origin for p in table["period"]])


def test_the_project_holds_the_record_to_the_end_of_2025():
    counts = pd.read_csv(data_dir() / "political_prisoners.csv")
    assert counts.date.iloc[-1] == "2025-12-31" and counts.political_prisoners.iloc[-1] == 1131
    events = pd.read_csv(data_dir() / "events.csv")
    later = events[events.date > "2025-06-30"]
    releases = later[later.kind == "us_envoy_release"].released_political.tolist()
    assert releases == [52, 2, 123]
    assert "licensed" in pd.read_csv(data_dir() / "sanctions.csv").status_2025_12.tolist()


def test_read_up_to_an_origin_keeps_exactly_the_rows_reported_by_its_end():
    for name in DATA_COLUMNS:
        whole = pd.read_csv(data_dir() / name, dtype=str)
        kept = read_data(data_dir() / name, ORIGIN)
        assert len(kept) == int((~rows_after(whole, name, ORIGIN)).sum()) > 0, name
        assert rows_after(whole, name, ORIGIN).any(), f"{name} has no row after {ORIGIN}: the test would prove nothing"
    counts = read_data(data_dir() / "political_prisoners.csv", ORIGIN)
    assert str(counts.date.max().date()) == "2025-06-03"  # the AP count of 2025-07-01 is July's


@pytest.mark.parametrize(
    "text, end", [("2025-06", "2025-06"), ("2025-01..2025-09", "2025-09"), ("2025", "2025-12"), ("soon", None)]
)
def test_a_flows_period_ends_in_its_last_month(text, end):
    assert period_end(text) == (None if end is None else pd.Period(end, freq="M"))


def poisoned_copy(tmp_path, origin: pd.Period = ORIGIN):
    """data/belarus with every cell of every row after `origin` but its date made garbage."""
    folder = tmp_path / "poisoned"
    shutil.copytree(data_dir(), folder)
    for name in DATA_COLUMNS:
        table = pd.read_csv(folder / name, dtype=str)
        later = rows_after(table, name, origin)
        assert later.any(), f"{name} has no row after {origin}: the test would prove nothing"
        for column in table.columns:
            if column not in ("date", "period"):
                table.loc[later, column] = "not a figure"
        table.to_csv(folder / name, index=False)
    return folder


def truncated_copy(tmp_path):
    """data/belarus as it was before the July-December 2025 rows came: only rows up to the origin."""
    folder = tmp_path / "truncated"
    shutil.copytree(data_dir(), folder)
    for name in DATA_COLUMNS:
        table = pd.read_csv(folder / name, dtype=str)
        table[~rows_after(table, name, ORIGIN)].to_csv(folder / name, index=False)
    return folder


def test_no_row_after_the_origin_can_change_the_fit(tmp_path):
    poisoned, truncated = poisoned_copy(tmp_path), truncated_copy(tmp_path)
    seen = calibrate.observed(START, poisoned, until=ORIGIN)
    alone = calibrate.observed(START, truncated, until=ORIGIN)
    assert calibrate.observed_moments(seen).tobytes() == calibrate.observed_moments(alone).tobytes()
    assert seen.counts.equals(alone.counts) and seen.initial == alone.initial
    # ... and the poison is real: read past the origin, the same folder is refused in one line.
    with pytest.raises(
        ConfigError, match=r"political_prisoners.csv: row 27: political_prisoners 'not a figure' is not a number"
    ):
        calibrate.observed(START, poisoned, until=pd.Period("2025-12", freq="M"))


def test_the_fit_from_mid_2025_sees_the_record_it_saw_before_the_new_rows(tmp_path):
    """The calibration's window is still 2025-06: the project's record to 2025-12 gives it the
    very moments the files ending 2025-06-30 gave."""
    now = calibrate.observed(START)
    before = calibrate.observed(START, truncated_copy(tmp_path))
    assert calibrate.observed_moments(now).tobytes() == calibrate.observed_moments(before).tobytes()
    assert now.arrests_mean == before.arrests_mean  # the 2025 annual total (509) is not a month's figure
