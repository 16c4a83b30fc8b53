"""The Belarus record as the project holds it (`data/belarus/`, to 2025-12-31), read up to a month.

A fit or a backtest from an origin must see nothing after it. `read_data(path, until)` keeps a
row only if the period it reports on ends by the end of `until`: a count or an event by its
date, a flow by the last month of its period (`2025-06`, `2025-01..2025-09`, `2025` -- the year
ends in December). Every cell is read as text and the dates decide first; a later row is
dropped before any of its other cells is parsed, so nothing after the origin -- not even a
malformed figure -- can change what is fitted (tests/experiments/test_observations.py).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from quidproquo.config import ConfigError

DATA_COLUMNS = {
    "political_prisoners.csv": ("date", "political_prisoners"),
    "flows.csv": ("period", "metric", "value"),
    "events.csv": ("date", "kind", "released_political", "us_concession"),
}
NOT_RELIEVED = ("imposed", "closed")  # the states of sanctions.csv that relieve nothing
NUMERIC = {"political_prisoners.csv": ("political_prisoners",), "events.csv": ("released_political",)}


def data_dir() -> Path:
    """The calibration data: the project's `data/belarus` (the record to 2025-12-31, with its
    sources), or the folder $QPQ_DATA names."""
    return Path(os.environ.get("QPQ_DATA", Path(__file__).resolve().parents[3] / "data" / "belarus"))


def period_end(text: str) -> pd.Period | None:
    """The last month a flow's period covers: `2025-06` itself, `2025-01..2025-09` its end,
    `2025` its December; None for anything else."""
    text = str(text).strip()
    last = text.split("..")[-1]
    if re.fullmatch(r"\d{4}-\d{2}", last):
        return pd.Period(last, freq="M")
    if re.fullmatch(r"\d{4}", last):
        return pd.Period(f"{last}-12", freq="M")
    return None


def read_data(path: Path, until: pd.Period | None = None) -> pd.DataFrame:
    """One of the data's CSV files with the columns the fit reads, dates parsed, the rows after
    `until` dropped (None: every row); or one line naming the file and what it lacks (a missing,
    unreadable or malformed file)."""
    columns = DATA_COLUMNS[path.name]
    try:
        table = pd.read_csv(path, dtype=str)
    except FileNotFoundError:
        raise ConfigError(
            f"calibration data: {path} not found (set QPQ_DATA to the folder with the Belarus CSVs)"
        ) from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as err:
        raise ConfigError(
            f"calibration data: {path}: not a readable CSV table ({' '.join(str(err).split())[:120]})"
        ) from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ConfigError(
            f"calibration data: {path}: no column {', '.join(missing)}; the fit reads {', '.join(columns)}"
        )
    if "date" in columns:
        dates = pd.to_datetime(table["date"], errors="coerce", format="%Y-%m-%d")
        if dates.isna().any():
            row = int(dates.isna().to_numpy().argmax())
            raise ConfigError(
                f"calibration data: {path}: row {row + 2}: date {table['date'].iloc[row]!r} is not YYYY-MM-DD"
            )
        table["date"] = dates
        ends = dates.dt.to_period("M")
    else:
        ends = table["period"].map(period_end)
        if ends.isna().any():
            row = int(ends.isna().to_numpy().argmax())
            raise ConfigError(
                f"calibration data: {path}: row {row + 2}: period {table['period'].iloc[row]!r} is not "
                f"YYYY-MM, YYYY-MM..YYYY-MM or YYYY"
            )
    if until is not None:  # the file's own row numbers stay the index, for the errors below
        table = table[(ends <= until).to_numpy()]
    for column in NUMERIC.get(path.name, ()):
        values = pd.to_numeric(table[column], errors="coerce")
        bad = values.isna() & table[column].notna()
        if bad.any() or (column == "political_prisoners" and values.isna().any()):
            row = int((bad | values.isna()).to_numpy().argmax())
            raise ConfigError(
                f"calibration data: {path}: row {table.index[row] + 2}: {column} {table[column].iloc[row]!r} "
                "is not a number"
            )
        table[column] = values
    return table.reset_index(drop=True)
