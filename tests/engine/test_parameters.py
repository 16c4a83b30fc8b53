"""The parameters a model reads: the config's scalar, or one value per world where a key varies."""

import numpy as np
import pytest

from quidproquo.config import load
from quidproquo.engine.parameters import Parameters
from tests_support import model


@pytest.fixture
def cfg():
    return load(["scenario=thaw", "engine.worlds=3"])


def test_a_key_that_does_not_vary_reads_the_configs_scalar_as_it_is_now(cfg):
    p = Parameters(cfg)
    assert p.get("actors.minsk.clemency") == cfg.actors.minsk.clemency
    assert p.get("goods.prisoners.foreign.inflow", np.array([0, 2])) == cfg.goods.prisoners["foreign"].inflow
    cfg.actors.minsk.clemency = 0.25
    assert p.get("actors.minsk.clemency") == 0.25
    assert not p.varies("actors.") and not p.varies("")


def test_a_varying_key_reads_its_worlds_values_shared_read_only(cfg):
    p = Parameters(cfg, {"actors.minsk.clemency": [0.1, 0.2, 0.3]})
    values = p.get("actors.minsk.clemency")
    assert values.tolist() == [0.1, 0.2, 0.3] and p.get("actors.minsk.clemency", np.array([2, 0])).tolist() == [
        0.3,
        0.1,
    ]
    assert p.get("actors.minsk.clemency", slice(1, 3)).tolist() == [0.2, 0.3]
    with pytest.raises(ValueError):
        values[0] = 1.0
    assert p.varies("actors.minsk.") and p.varies("actors.") and not p.varies("goods.")
    assert p.get("actors.washington.engagement") == cfg.actors.washington.engagement


def test_a_dated_event_sets_the_scalar_but_not_a_key_that_varies_for_the_whole_run(cfg):
    p = Parameters(cfg, {"actors.minsk.clemency": [0.1, 0.2, 0.3]})
    p.apply_change("actors.moscow.tolerance", 0.05, "2025-09")
    assert p.get("actors.moscow.tolerance") == 0.05 and cfg.actors.moscow.tolerance == 0.05
    p.apply_change("actors.minsk.clemency", 9.0, "2025-09")  # the varying values hold, as a command line's would
    assert p.get("actors.minsk.clemency").tolist() == [0.1, 0.2, 0.3] and cfg.actors.minsk.clemency != 9.0


def test_a_key_at_a_date_varies_what_that_months_event_sets_from_that_month_on(cfg):
    p = Parameters(cfg, {"actors.moscow.tolerance@2025-09": [0.01, 0.02, 0.03]})
    before = cfg.actors.moscow.tolerance
    assert p.get("actors.moscow.tolerance") == before and not p.varies("actors.moscow.")
    p.apply_change("actors.moscow.tolerance", 0.05, "2025-08")  # another month's event: the scalar
    assert p.get("actors.moscow.tolerance") == 0.05
    p.apply_change("actors.moscow.tolerance", 0.05, "2025-09")
    assert p.get("actors.moscow.tolerance").tolist() == [0.01, 0.02, 0.03]


def test_the_model_reads_through_its_parameters_and_its_events_change_them():
    m = model(worlds=2, **{"engine.rounds": 3})
    assert m.parameters.cfg is m.cfg
    assert m.parameters.get("actors.moscow.tolerance") == 0.1
    m.run()  # round 2 is 2025-09: Zapad-2025 sets the tolerance to 0.05
    assert m.parameters.get("actors.moscow.tolerance") == 0.05
