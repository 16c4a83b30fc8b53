"""Sensitivity analysis: run one composed config at many parameter points, in this process.

A *point* is a row of values for dotted config keys (`actors.minsk.goodwill`, ...). Every point
starts from the same base config -- composed once, because Hydra composition costs far more
than setting a few keys -- and its worlds run as a block of one model with many points
(`batch.run_points`, the mechanism `qpq sweep` uses too). All points share the base config's
seed, so world i sees the same random streams at every point (common random numbers):
differences between points are the parameters' doing, not chance's.

`simulate_points` gives one row per (point, world), like a sweep's `sweep.parquet`, for grids
and heatmaps; `outcome_means` gives one mean per point, in the points' order, which is what a
global sensitivity method (e.g. SALib's Sobol analysis) needs as its model output `Y`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from quidproquo.config import Config, with_changes
from quidproquo.experiments.batch import run_points


def configure(base: Config, point: dict) -> Config:
    """A copy of `base` with every key of `point` set to its value, validated. Nobody reads the
    plain-words log of a sensitivity run, and writing it costs time: it is off."""
    return with_changes(base, {**point, "output.event_log_worlds": 0})


def _worlds_of(base: Config, points: pd.DataFrame, first: int) -> pd.DataFrame:
    worlds = run_points(base, points).worlds
    worlds["point"] += first
    return worlds


def simulate_points(base: Config, points: pd.DataFrame, jobs: int = 1) -> pd.DataFrame:
    """The worlds table of every point, stacked: columns `point`, the points' keys, then the
    per-world outcomes (`net_change`, `total_released`, ...), one row per (point, world).

    `jobs` > 1 splits the points into that many parts, each run in a worker process (joblib); the
    table is the same, since a point's worlds depend only on its values and the seed.
    """
    points = pd.DataFrame(points).reset_index(drop=True)
    if jobs == 1 or len(points) < 2:
        return run_points(base, points).worlds
    from joblib import Parallel, delayed
    from joblib.externals.loky import get_reusable_executor

    parts = np.array_split(np.arange(len(points)), jobs if jobs > 0 else joblib_cores())
    tables = Parallel(n_jobs=len(parts))(
        delayed(_worlds_of)(base, points.iloc[part].reset_index(drop=True), int(part[0])) for part in parts if part.size
    )
    # loky keeps its workers for the next call; a notebook kernel stopped after this one would
    # orphan them, so they end here (starting them again costs seconds, a design minutes).
    get_reusable_executor().shutdown(wait=True)
    return pd.concat(tables, ignore_index=True)


def joblib_cores() -> int:
    from joblib import cpu_count

    return cpu_count()


def outcome_means(
    base: Config,
    points: pd.DataFrame | np.ndarray,
    outcome: str = "net_change",
    keys: list[str] | None = None,
    jobs: int = 1,
) -> np.ndarray:
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
