"""The episodes the model is pointed at, and what the record says happened in each.

A case (`conf/case/NAME.yaml`) is an episode's data; here each is paired with the policy of its
time and with its record, `data/cases/NAME/record.csv` -- one row a fact, each with its source:

- `period`: a month (`2023-10`) or a span (`2025-01..2025-03`);
- `quantity`: `released_deal` (freed in deals over the period), `released` (freed in any way:
  deals, pardons, unilateral releases), `held` (political prisoners at the end of the period),
  `relief:INSTRUMENT` (1 if any relief of it was in force at some time in the period, else 0),
  `in_force:INSTRUMENT` (1 if relief of it was in force at the end of the period);
- `value`, `approximate` (the sources differ) and `source`.

Belarus 2024-25's record is read from `data/belarus/` itself (`belarus_rows`), so it has one home.
`simulated` gives every row's value in every world of a run, for the leave-one-case-out fit and
its scores (`experiments/leave_one_out.py`) and for the cases' checks (`episode_checks`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from quidproquo.config import ConfigError
from quidproquo.engine.instruments import relief_in_force
from quidproquo.experiments.observations import NOT_RELIEVED, data_dir, read_data

QUANTITY = re.compile(r"released_deal|released|held|(relief|in_force):\w+")


@dataclass(frozen=True)
class Case:
    """An episode as the experiments run it: its overrides (a case and the policy of the time,
    or a scenario that holds both) and the months its record covers."""

    name: str
    overrides: tuple[str, ...]
    rounds: int  # months from the case's start that the record covers
    title: str


CASES = {
    c.name: c
    for c in (
        Case(
            "belarus_2024_25",
            ("scenario=belarus_2025_calibrated",),
            18,
            "Belarus 2024-25: pardon waves, US envoys, Belavia and potash licensed",
        ),
        Case(
            "venezuela_2023",
            ("case=venezuela_2023", "policy=talks"),
            9,
            "Venezuela 2023-24: a six-month oil licence for five, a swap, revocation and lapse",
        ),
        Case(
            "cuba_2025",
            ("case=cuba_2025", "policy=talks"),
            6,
            "Cuba 2025: releases for a delisting, reversed within a week",
        ),
        Case(
            "belarus_2015",
            ("case=belarus_2015", "policy=thaw"),
            9,
            "Belarus 2015-16: six pardoned, EU listings suspended, then lifted",
        ),
    )
}


def case_named(name: str) -> Case:
    if name not in CASES:
        raise ConfigError(f"--cases: no case {name!r}; allowed: {', '.join(CASES)}")
    return CASES[name]


def cases_dir() -> Path:
    """`data/cases/` beside `data/belarus/` (or $QPQ_DATA's parent)."""
    return data_dir().parent / "cases"


# ------------------------------------------------------------------------------- records
def span(period: str) -> tuple[pd.Period, pd.Period]:
    first, _, last = str(period).partition("..")
    return pd.Period(first, freq="M"), pd.Period(last or first, freq="M")


def read_record(name: str, start: pd.Period) -> pd.DataFrame:
    """A case's record with the rounds each row covers (`first`, `last`) from `start`; one-line
    errors name the file and the row."""
    if name == "belarus_2024_25":
        rows = belarus_rows(start)
    else:
        path = cases_dir() / name / "record.csv"
        try:
            rows = pd.read_csv(path, dtype={"period": str, "quantity": str, "source": str})
        except (OSError, pd.errors.ParserError) as err:
            raise ConfigError(f"{path}: cannot be read ({err})") from None
        for i, row in rows.iterrows():
            if not QUANTITY.fullmatch(str(row.quantity)):
                raise ConfigError(
                    f"{path}: row {i + 2}: quantity {row.quantity!r}; allowed: released_deal, released, held, "
                    f"relief:INSTRUMENT, in_force:INSTRUMENT"
                )
    first, last = zip(*(span(p) for p in rows.period))
    rows = rows.assign(
        first=[(f - start).n for f in first], last=[(t - start).n for t in last], value=rows.value.astype(float)
    )
    return rows.reset_index(drop=True)


def belarus_rows(start: pd.Period, until: pd.Period | None = None) -> pd.DataFrame:
    """Belarus 2024-25's record in the cases' rows, read from data/belarus/ to `until`
    (default 2025-12): every prisoner count, the envoy releases of each month, and whether each
    US instrument had relief in force in each half of 2025 (sanctions.csv)."""
    until = until or pd.Period("2025-12", freq="M")
    folder = data_dir()
    counts = read_data(folder / "political_prisoners.csv", until)
    events = read_data(folder / "events.csv", until)
    rows = []
    for c in counts[counts.date >= start.start_time].itertuples():
        reported = c.date.to_period("M") - (0 if c.date.day >= 25 else 1)
        if start <= reported <= until:
            rows.append((str(reported), "held", c.political_prisoners, bool(c.approximate), c.source))
    visits = events[events.kind == "us_envoy_release"]
    for month in pd.period_range(start, until, freq="M"):
        freed = visits[visits.date.dt.to_period("M") == month].released_political.sum()
        rows.append((str(month), "released_deal", int(freed), False, "data/belarus/events.csv us_envoy_release"))
    sanctions = pd.read_csv(folder / "sanctions.csv", dtype=str)
    for column, period in (("status_2025_06", f"{start}..2025-06"), ("status_2025_12", "2025-07..2025-12")):
        if column in sanctions.columns and span(period)[1] <= until:
            for s in sanctions[sanctions.sender == "us"].itertuples():
                relieved = int(getattr(s, column) not in NOT_RELIEVED)
                rows.append((period, f"relief:{s.instrument}", relieved, False, f"data/belarus/sanctions.csv {column}"))
    return pd.DataFrame(rows, columns=["period", "quantity", "value", "approximate", "source"])


def simulated(model, rows: pd.DataFrame) -> np.ndarray:
    """(worlds, rows): each record row's value in every world of `model`."""
    r, names = model.recorder, model.instruments.names
    deals = r.tier_flows["released_deal"].sum(axis=2)
    freed = deals + r.tier_flows["released_pardon"].sum(axis=2)
    held = r.prisoners.sum(axis=2)
    relieved = relief_in_force(r.instruments, r.levels)  # (rounds, worlds, instruments)
    columns = []
    for row in rows.itertuples():
        span_ = slice(max(row.first, 0), row.last + 1)
        kind, _, instrument = row.quantity.partition(":")
        if instrument and instrument not in names:
            raise ConfigError(f"record of {model.cfg.case.name}: {row.quantity}: no such instrument; allowed: {', '.join(names)}")  # fmt: skip
        if kind == "released_deal":
            columns.append(deals[span_].sum(axis=0))
        elif kind == "released":
            columns.append(freed[span_].sum(axis=0))
        elif kind == "held":
            columns.append(held[row.last])
        elif kind == "relief":
            columns.append(relieved[span_, :, names.index(instrument)].any(axis=0))
        else:  # in_force
            columns.append(relieved[row.last, :, names.index(instrument)])
    return np.column_stack(columns).astype(np.float64)


# --------------------------------------------------------------------- the cases' checks
def episode_checks(name: str, model) -> dict[str, float]:
    """The share of worlds in which the episode happens as issue 22 asks (each as the record has
    it), from a run of the case: the numbers the README and the tests quote."""
    r, names = model.recorder, model.instruments.names
    deals = r.tier_flows["released_deal"].sum(axis=2)
    freed = deals + r.tier_flows["released_pardon"].sum(axis=2)
    relieved = relief_in_force(r.instruments, r.levels)
    start = model.start
    if name == "venezuela_2023":
        licences = [names.index("oil_gas"), names.index("gold")]
        licensed = relieved[:, :, licences].any(axis=2)  # (rounds, worlds)
        first = np.where(licensed.any(axis=0), licensed.argmax(axis=0), -1)  # the month a licence is first in force
        size = deals[np.maximum(first, 0), np.arange(deals.shape[1])]  # freed in the deal that granted it
        granted = (first >= 0) & (first <= 1) & (size >= 1) & (size <= 50)
        crackdown = (pd.Period("2024-01", freq="M") - start).n
        ended = (licensed[crackdown - 1 : -1] & ~licensed[crackdown:]).any(axis=0)  # revoked or lapsed after it
        return {
            "licence within two months for 1-50 releases": float(granted.mean()),
            "and it lapses or is revoked after the re-arrests, by 2024-06": float((granted & ended).mean()),
            "median freed in the deal that grants it": float(np.median(size[first >= 0]))
            if (first >= 0).any()
            else 0.0,
        }
    if name == "cuba_2025":
        j = names.index("sst_listing")
        delisted = (r.instruments[0, :, j] == 1) & (deals[0] >= 100)  # lifted (the one step) in 2025-01
        return {
            "delisting in 2025-01 for at least 100 releases": float(delisted.mean()),
            "delisting reversed in 2025-02": float((delisted & ~relieved[1, :, j]).mean()),
            "median released in 2025-01": float(np.median(deals[0])),
            "median released 2025-02..06 (after the reversal)": float(np.median(freed[1:].sum(axis=0))),
            "median held at the end of 2025-06": float(np.median(r.prisoners[-1].sum(axis=1))),
        }
    if name == "belarus_2015":
        j = names.index("eu_listings")
        released = (freed[0] >= 1) & (freed[0] <= 20)
        suspended = relieved[1:4, :, j].any(axis=0)  # within three months of the release
        return {
            "a release of at most 20 in 2015-08, then EU suspension within three months": float(
                (released & suspended).mean()
            ),
            "US relief by 2015-10": float(relieved[:3, :, names.index("us_entities")].any(axis=0).mean()),
        }
    raise ConfigError(f"no checks for case {name!r}")
