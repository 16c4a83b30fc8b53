"""Freeze against the freeze years (issue 21, item 7): `freeze_2023`, no talks from 2023-01, holds
the 2023 record of political prisoners inside its 90% band, from the record to 2024-01 alone."""

from __future__ import annotations

import numpy as np
import pytest
from test_observations import poisoned_copy

from quidproquo.config import ConfigError, load, value_of
from quidproquo.engine.model import BargainingModel
from quidproquo.experiments import freeze_years
from quidproquo.experiments.observations import read_data

TARGETS = {"2022-12-31": 1448, "2023-06-30": 1496, "2023-10-31": 1473, "2024-01-04": 1430}


def test_the_record_of_the_freeze_years_is_read_from_the_data():
    rec = freeze_years.record()
    assert (rec.initial, rec.initial_date) == (1448, "2022-12-31")
    assert list(rec.counts.political_prisoners) == [1452, 1500, 1496, 1488, 1473, 1430]
    assert list(rec.counts["round"]) == [1, 3, 5, 6, 9, 11]  # 2024-01-04 is the stock at the end of 2023-12
    assert rec.recognised == (40, 71, 42, 30) and rec.inflow == pytest.approx(45.75)
    assert rec.released == 0  # events.csv: no pardon, no envoy release in 2023


def test_the_scenario_holds_the_values_the_record_gives():
    cfg = load([f"scenario={freeze_years.SCENARIO}"])
    assert cfg.engine.start == "2023-01" and cfg.engine.rounds == 12
    assert sum(t.initial for t in cfg.goods.prisoners.values()) == 1448
    for key, value in freeze_years.fitted().items():
        assert value_of(cfg, key) == pytest.approx(value, abs=1e-9), key


@pytest.fixture(scope="module")
def model():
    cfg = load(
        [f"scenario={freeze_years.SCENARIO}", "engine.worlds=1000", "engine.seed=0", "output.event_log_worlds=0"]
    )
    return BargainingModel(config=cfg).run()


def test_each_count_of_the_freeze_years_lies_in_the_90_percent_band(model):
    table = freeze_years.table(model, freeze_years.record()).set_index("date")
    for date, count in TARGETS.items():
        row = table.loc[date]
        assert row.record == count
        assert row.q05 <= count <= row.q95, f"{date}: {count} outside {row.q05:.0f}-{row.q95:.0f}"
    held = model.recorder.prisoners.sum(axis=2)
    assert np.quantile(held[5], 0.05) <= 1496 <= np.quantile(held[5], 0.95)  # 2023-06, straight from the record


def test_no_world_has_a_visit_a_deal_or_relief(model):
    assert freeze_years.no_talks(model) == {"visits": 0, "deals": 0, "relief": 0}
    assert model.recorder.released_deal.sum() == 0


def test_no_row_after_2024_01_can_change_the_fit(tmp_path):
    poisoned = poisoned_copy(tmp_path, freeze_years.ORIGIN)
    with pytest.raises(ConfigError, match="not a number"):  # the poison is there, for a reader of every row
        read_data(poisoned / "political_prisoners.csv")
    seen, clean = freeze_years.record(poisoned), freeze_years.record()
    assert seen.counts.equals(clean.counts)
    assert (seen.initial, seen.recognised, seen.released) == (clean.initial, clean.recognised, clean.released)
    assert freeze_years.fitted(poisoned) == freeze_years.fitted()


def test_the_report_prints_the_table(capsys):
    freeze_years.main(["--worlds", "200"])
    out = capsys.readouterr().out
    assert "| 2024-01-04 | 1,430 |" in out and "'deals': 0" in out
