"""The bands every table and figure reports: the 5, 25, 50, 75 and 95% quantiles across worlds.

One home for them, so that a report's "90% band" and a figure's light band are the same thing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

QUANTILES = {"q05": 0.05, "q25": 0.25, "q50": 0.5, "q75": 0.75, "q95": 0.95}
BAND90 = (QUANTILES["q05"], QUANTILES["q95"])  # the light band: 90% of worlds
BAND_AND_MEDIAN = (QUANTILES["q05"], QUANTILES["q50"], QUANTILES["q95"])  # a row's 90% band and its median
SERIES = [
    "prisoners_held",
    "arrests",
    "released_deal",
    "released_pardon",
    "sanctions_cost",
    "moscow_pressure",
    "mobilisation",
]


def series_quantiles(model, worlds: slice | np.ndarray = slice(None)) -> pd.DataFrame:
    """Per-round 5/25/50/75/95% quantiles of the main series across a run's worlds (or the
    positions `worlds` of them: one point of many run in one model)."""
    rec = model.recorder
    n = rec.recorded
    series = {
        "prisoners_held": rec.prisoners[:n, worlds].sum(axis=2),
        "arrests": rec.arrests[:n, worlds],
        "released_deal": rec.released_deal[:n, worlds],
        "released_pardon": rec.released_pardon[:n, worlds],
        "sanctions_cost": rec.sanctions_cost[:n, worlds],
        "moscow_pressure": rec.moscow_pressure[:n, worlds],
        "mobilisation": rec.mobilisation[:n, worlds],
    }
    dates = pd.period_range(model.start, periods=n, freq="M").to_timestamp()
    frames = []
    for name, values in series.items():
        q = np.quantile(
            np.ascontiguousarray(values, dtype=np.float64), list(QUANTILES.values()), axis=1
        )  # (quantile, round)
        frames.append(pd.DataFrame({"round": np.arange(n), "date": dates, "series": name, **dict(zip(QUANTILES, q))}))
    return pd.concat(frames, ignore_index=True)
