"""Sensitivity analysis: run one composed config at many parameter points, in this process.

A *point* is a row of values for dotted config keys (`actors.minsk.goodwill`, ...). Every point
starts from the same base config -- composed once, because Hydra composition costs far more
than setting a few keys -- and simulates all its worlds in one model. All points share the base
config's seed, so world i sees the same random streams at every point (common random numbers):
differences between points are the parameters' doing, not chance's.

`simulate_points` gives one row per (point, world), like a sweep's `sweep.parquet`, for grids
and heatmaps; `outcome_means` gives one mean per point, in the points' order, which is what a
global sensitivity method (e.g. SALib's Sobol analysis) needs as its model output `Y`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from quidproquo.config import Config, with_changes
from quidproquo.engine.model import BargainingModel


def configure(base: Config, point: dict) -> Config:
    """A copy of `base` with every key of `point` set to its value, validated. Nobody reads the
    plain-words log of a sensitivity run, and writing it costs time: it is off."""
    return with_changes(base, {**point, "output.event_log_worlds": 0})


def _worlds_at(base: Config, point: dict) -> pd.DataFrame:
    model = BargainingModel(config=configure(base, point)).run()
    return model.recorder.worlds_table(model)


def simulate_points(base: Config, points: pd.DataFrame, jobs: int = 1) -> pd.DataFrame:
    """The worlds table of every point, stacked: columns `point`, the points' keys, then the
    per-world outcomes (`net_change`, `total_released`, ...), one row per (point, world).

    `jobs` > 1 spreads the points over that many worker processes (joblib); the table is the
    same, since a point's worlds depend only on its config and seed.
    """
    records = points.to_dict("records")
    if jobs == 1:
        tables = [_worlds_at(base, point) for point in records]
    else:
        from joblib import Parallel, delayed
        from joblib.externals.loky import get_reusable_executor

        # A model costs ~5 ms a month whatever its worlds: batches keep the workers busy.
        tables = Parallel(n_jobs=jobs, batch_size=8)(delayed(_worlds_at)(base, point) for point in records)
        # loky keeps its workers for the next call; a notebook kernel stopped after this one would
        # orphan them, so they end here (starting them again costs seconds, a design minutes).
        get_reusable_executor().shutdown(wait=True)
    for index, (point, worlds) in enumerate(zip(records, tables)):
        for key in reversed(points.columns):
            worlds.insert(0, key, point[key])
        worlds.insert(0, "point", index)
    return pd.concat(tables, ignore_index=True)


def outcome_means(base: Config, points: pd.DataFrame | np.ndarray, outcome: str = "net_change",
                  keys: list[str] | None = None, jobs: int = 1) -> np.ndarray:
    """The mean of `outcome` over the worlds of each point, in the points' order.

    `points` is a table whose columns are dotted config keys, or an array of samples (one row
    per point, as `SALib.sample.sobol.sample` returns) with `keys` naming its columns.
    """
    if not isinstance(points, pd.DataFrame):
        if keys is None:
            raise ValueError("an array of points needs `keys` naming its columns")
        points = pd.DataFrame(np.asarray(points, dtype=float), columns=keys)
    worlds = simulate_points(base, points, jobs)
    return worlds.groupby("point", sort=True)[outcome].mean().to_numpy(dtype=np.float64)
