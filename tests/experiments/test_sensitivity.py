"""Sensitivity runs: many parameter points from one composed config, evaluated in this process."""

import numpy as np
import pandas as pd
import pytest

from quidproquo.config import ConfigError, load
from quidproquo.engine.model import BargainingModel
from quidproquo.experiments.sensitivity import configure, outcome_means, simulate_points

GOODWILL, ELASTICITY = "actors.minsk.goodwill", "actors.minsk.hostage_elasticity"


@pytest.fixture(scope="module")
def base():
    return load(["scenario=thaw", "engine.worlds=8", "engine.rounds=12", "engine.seed=3"])


def direct_net_change(scenario_overrides: list[str]) -> np.ndarray:
    """The same point, composed by Hydra and run directly: what every point must reproduce."""
    cfg = load(["scenario=thaw", "engine.worlds=8", "engine.rounds=12", "engine.seed=3", *scenario_overrides])
    model = BargainingModel(config=cfg).run()
    return model.recorder.worlds_table(model)["net_change"].to_numpy()


def test_each_point_equals_composing_and_running_it_directly(base):
    points = pd.DataFrame({GOODWILL: [0.0, 2.5], ELASTICITY: [0.05, 1.5]})
    worlds = simulate_points(base, points)
    assert len(worlds) == 2 * 8
    assert list(worlds.columns[:4]) == ["point", GOODWILL, ELASTICITY, "world"]
    for i, (goodwill, elasticity) in enumerate(points.itertuples(index=False)):
        mine = worlds[worlds.point == i]
        assert mine["world"].tolist() == list(range(8))
        assert (mine[GOODWILL] == goodwill).all() and (mine[ELASTICITY] == elasticity).all()
        expected = direct_net_change([f"{GOODWILL}={goodwill}", f"{ELASTICITY}={elasticity}"])
        np.testing.assert_array_equal(mine["net_change"].to_numpy(), expected)


def test_outcome_means_are_per_point_means_in_order_for_tables_and_sample_arrays(base):
    samples = np.array([[3.0, 0.0], [0.0, 0.0], [3.0, 0.0]])  # a repeated point stays its own row
    from_array = outcome_means(base, samples, keys=[GOODWILL, ELASTICITY])
    from_table = outcome_means(base, pd.DataFrame(samples, columns=[GOODWILL, ELASTICITY]))
    np.testing.assert_array_equal(from_array, from_table)
    assert from_array.shape == (3,) and from_array[0] == from_array[2]
    assert from_array[1] == direct_net_change([f"{GOODWILL}=0", f"{ELASTICITY}=0"]).mean()
    # Goodwill pardons around envoy visits: more goodwill, fewer prisoners at the end.
    assert from_array[0] < from_array[1]
    released = outcome_means(base, samples[:2], outcome="released_pardon", keys=[GOODWILL, ELASTICITY])
    assert released[0] > released[1]


def test_common_random_numbers_a_point_at_the_base_values_is_the_base_run(base):
    at_base = outcome_means(base, pd.DataFrame({GOODWILL: [base.actors.minsk.goodwill]}))
    model = BargainingModel(config=base).run()
    assert at_base[0] == model.recorder.worlds_table(model)["net_change"].mean()


def test_points_never_change_the_base_config(base):
    before = (base.actors.minsk.goodwill, base.output.event_log_worlds)
    configured = configure(base, {GOODWILL: np.float64(4.0), "engine.worlds": 2})
    assert (configured.actors.minsk.goodwill, configured.engine.worlds, configured.output.event_log_worlds) == (
        4.0,
        2,
        0,
    )
    assert type(configured.actors.minsk.goodwill) is float and type(configured.engine.worlds) is int
    assert (base.actors.minsk.goodwill, base.output.event_log_worlds) == before


def test_unknown_keys_and_out_of_range_values_are_named(base):
    with pytest.raises(ConfigError, match=r"^actors\.minsk\.goodwil: names no config key$"):
        configure(base, {"actors.minsk.goodwil": 1.0})
    with pytest.raises(ConfigError, match=r"^actors\.washington\.engagement=1\.5: must be <= 1$"):
        configure(base, {"actors.washington.engagement": 1.5})
    with pytest.raises(ValueError, match="needs `keys`"):
        outcome_means(base, np.zeros((2, 1)))


def test_worker_processes_give_the_same_table_and_end_with_the_call(base):
    points = pd.DataFrame({GOODWILL: [0.0, 1.0, 2.0], ELASTICITY: [0.0, 0.5, 1.0]})
    pd.testing.assert_frame_equal(simulate_points(base, points, jobs=2), simulate_points(base, points))
    # psutil comes with ipykernel (test extra). A worker left running would outlive a notebook kernel.
    import psutil

    workers = [
        p
        for p in psutil.Process().children(recursive=True)
        if p.is_running() and p.status() != psutil.STATUS_ZOMBIE and "popen_loky" in " ".join(p.cmdline())
    ]
    assert workers == []
