"""Many parameter points in one model: the one mechanism behind sweeps, Sobol designs,
decompositions, calibration and posterior forecasts.

`run_points(base, table)` runs every row of `table` (dotted keys -> values; `config.points`
says which keys may vary) as a block of `base.engine.worlds` worlds, in models of at most
`chunk_worlds` worlds each (bounded memory), and returns one row per (point, world): the point's
index, its values, then the worlds table. Point k's rows are byte-identical to those of a run of
point k alone (`tests/engine/test_points.py`), because its worlds are numbered as that run numbers
them and every decision is elementwise over worlds.

Measured (benchmarks/points.py): a 1,000-point x 100-world sweep costs about what 100,000 worlds
of one run cost; one model a point pays its fixed cost (composition, agents, tables) a
thousand times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from quidproquo.config import Config, with_changes
from quidproquo.config.points import points as checked_points
from quidproquo.engine.model import BargainingModel
from quidproquo.experiments.bands import series_quantiles

CHUNK_WORLDS = 50_000  # worlds a model holds at once: ~25 MB a month of record at 36 months


@dataclass
class PointsResult:
    """The worlds of every point, and (when asked) each point's per-round quantiles."""

    worlds: pd.DataFrame  # point, <keys>, then the worlds table's columns
    quantiles: pd.DataFrame | None  # point, <keys>, then the series quantiles' columns


def run_points(
    base: Config,
    table: pd.DataFrame | dict,
    *,
    chunk_worlds: int = CHUNK_WORLDS,
    quantiles: bool = False,
    event_log: bool = False,
    on_model: Callable | None = None,
    progress: Callable[[int], None] | None = None,
    on_month: Callable[[int], None] | None = None,
) -> PointsResult:
    """Run every point of `table` over `base` (see the module docstring). `quantiles` adds each
    point's per-round series quantiles; `on_model(model, first_point)` sees every finished model
    (for what else a caller reads from the record); `progress(points_done)` is told as chunks end,
    `on_month(world_months)` after every month of every model (a caller's bar).
    The plain-words log is off unless `event_log` (nobody reads a sweep point's log)."""
    table = pd.DataFrame(table).reset_index(drop=True)
    cfg = base if event_log else with_changes(base, {"output.event_log_worlds": 0}, check=False)
    every = checked_points(cfg, table)
    worlds = cfg.engine.worlds
    per_model = max(1, chunk_worlds // worlds)
    frames, bands = [], []
    for first in range(0, len(table), per_model):
        rows = table.iloc[first : first + per_model].reset_index(drop=True)
        chunk = type(every)(every.table.iloc[first : first + per_model].reset_index(drop=True))
        model = BargainingModel(config=cfg, points=chunk)
        if on_month is None:
            model.run()
        else:
            while model.running:
                model.step()
                on_month(len(rows) * worlds)
        frame = model.recorder.worlds_table(model)
        frames.append(_labelled(frame, rows, first, np.repeat(np.arange(len(rows)), worlds)))
        if quantiles:
            for k in range(len(rows)):
                q = series_quantiles(model, slice(k * worlds, (k + 1) * worlds))
                bands.append(
                    _labelled(q, rows.iloc[[k]].reset_index(drop=True), first + k, np.zeros(len(q), dtype=np.int64))
                )
        if on_model is not None:
            on_model(model, first)
        if progress is not None:
            progress(min(first + per_model, len(table)))
    out = pd.concat(frames, ignore_index=True)
    return PointsResult(out, pd.concat(bands, ignore_index=True) if quantiles else None)


def _labelled(frame: pd.DataFrame, rows: pd.DataFrame, first: int, row_of: np.ndarray) -> pd.DataFrame:
    """`frame` with the point's index and values in front, as a sweep table has them."""
    front = {"point": first + row_of}
    for key in rows.columns:
        front[key] = rows[key].to_numpy()[row_of]
    return pd.concat([pd.DataFrame(front), frame.reset_index(drop=True)], axis=1)
