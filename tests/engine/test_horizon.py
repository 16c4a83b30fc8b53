"""How long a run lasts decides only how far it reports (issue 21 item 1): the calibrated scenario
run for 18, 24, 36 and 60 months gives the same months up to 2025-12 -- every column of every
world, byte for byte, which is more than the same distribution."""

from __future__ import annotations

import numpy as np
import pytest

from tests_support import model

WORLDS = 200


def run(scenario: str, rounds: int, months: int):
    m = model(scenario, worlds=WORLDS, seed=5, **{"engine.rounds": rounds, "output.event_log_worlds": 0})
    while m.running:
        m.step()
    table = m.recorder.rounds_table(m)
    return table[table["round"] < months].reset_index(drop=True), m


@pytest.mark.parametrize(
    "scenario, months, horizons", [("belarus_2025_calibrated", 18, (24, 36, 60)), ("thaw", 12, (24, 36))]
)
def test_the_months_before_a_date_do_not_depend_on_how_long_the_run_goes_on(scenario, months, horizons):
    first, m = run(scenario, months, months)
    assert len(first) == WORLDS * months
    for rounds in horizons:
        later, other = run(scenario, rounds, months)
        assert later.equals(first), f"{scenario}: {months} months differ between {months} and {rounds} rounds"
        relieved = other.recorder.levels[:months].max(axis=0)
        assert np.array_equal(relieved, m.recorder.levels[:months].max(axis=0))


def test_the_calibrated_scenario_relieves_in_some_worlds_by_2025_12():
    """Not a degenerate sameness: relief and deals do happen in the months compared."""
    table, m = run("belarus_2025_calibrated", 18, 18)
    assert m.recorder.levels.max() > 0 and table.released_deal.sum() > 0
