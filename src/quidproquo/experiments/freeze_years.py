"""The freeze years: `freeze_2023` (no talks, from 2023-01) against the 2023 record of political prisoners.

Issue 21, item 7. The scenario's numbers come from the record for those years only -- the rows of
`data/belarus/` up to 2024-01 (observations.read_data drops every later row before reading any
of its cells):

- the initial stock: the count of 2022-12-31 (1,448), split across the tiers in the proportion
  `belarus_2025` splits its 1,409 (`split`);
- the inflow: the mean of the months with a newly-recognised figure, 2022-12..2023-10 (flows.csv),
  less the prominent and foreign tiers' inflows (conf/case/belarus_mid_2025.yaml), so the total matches it;
- clemency 0: events.csv holds no pardon (no release of any kind) dated before 2024-07-03;
- the rank-and-file completion rate: the one free number, fitted by least squares of the model's
  mean stock (over FIT_WORLDS worlds, common random numbers) to the counts of 2023-02-27 ..
  2024-01-04 (`fit_completion_rate`).

So the counts are in-sample: a calibration target with one fitted parameter, not an out-of-sample
validation. What is not fitted is the spread: the 90% band (5th-95th percentile over worlds) is
the model's chance alone, and the check is that each count lies inside it (`table`).

`python -m quidproquo.experiments.freeze_years` prints the derived values and the table in
docs/calibration/freeze_years.md; tests/experiments/test_freeze_years.py runs the same.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize

from quidproquo.config import Config, ConfigError, load, value_of, with_changes
from quidproquo.engine.instruments import relief_in_force
from quidproquo.engine.model import BargainingModel
from quidproquo.experiments.bands import BAND_AND_MEDIAN
from quidproquo.experiments.observations import data_dir, read_data

SCENARIO = "freeze_2023"
START = pd.Period("2023-01", freq="M")
ORIGIN = pd.Period("2024-01", freq="M")  # no row reported after this month is read
SPLIT_FROM = "belarus_2025"  # the scenario whose tier proportions the initial stock follows
WORLDS, SEED = 1000, 0  # the table's run
FIT_WORLDS = 500  # worlds per evaluation of the fit
BOUNDS = (0.005, 0.06)  # the completion rate's search range, as calibrate.py's
DIGITS = 4  # the fitted rate as the scenario file holds it
RANK = "goods.prisoners.rank_and_file"


@dataclass(frozen=True)
class Record:
    """What data/belarus says about 2023, up to ORIGIN."""

    initial: int  # the count at the last month-end before START
    initial_date: str  # its date (2022-12-31)
    counts: pd.DataFrame  # date, round, political_prisoners, approximate: the counts after START
    recognised: tuple[int, ...]  # newly recognised political prisoners in the months with a figure
    released: int  # political prisoners released in events.csv's rows from START (pardons, visits)

    @property
    def inflow(self) -> float:
        return float(np.mean(self.recognised))


def count_round(dates: pd.Series) -> np.ndarray:
    """The round a count reports on, as calibrate.py reads them: a count on day 25 or later is
    that month's end, an earlier one the month before's."""
    month = dates.dt.to_period("M") - (dates.dt.day < 25).astype(int)
    return np.array([(m - START).n for m in month])


def record(folder: Path | None = None) -> Record:
    """The record from the last count before START to ORIGIN; no later row is parsed."""
    folder = Path(folder or data_dir())
    counts = read_data(folder / "political_prisoners.csv", ORIGIN)
    flows = read_data(folder / "flows.csv", ORIGIN)
    events = read_data(folder / "events.csv", ORIGIN)
    counts = counts.assign(round=count_round(counts.date))
    before = counts[counts["round"] < 0]
    counts = counts[(counts["round"] >= 0) & (counts["round"] < (ORIGIN - START).n)]  # the rounds of 2023
    recognised = flows[
        (flows.metric == "newly_recognized")
        & flows.period.str.fullmatch(r"\d{4}-\d{2}")
        & (flows.period >= str(START - 1))  # from 2022-12, the month the initial count closes
    ]
    return Record(
        initial=int(before.political_prisoners.iloc[-1]),
        initial_date=f"{before.date.iloc[-1]:%Y-%m-%d}",
        counts=counts[["date", "round", "political_prisoners", "approximate"]].reset_index(drop=True),
        recognised=tuple(int(v) for v in recognised.value),
        released=int(events[events.date >= START.start_time].released_political.sum()),
    )


def split(total: int) -> dict[str, int]:
    """`total` prisoners across the tiers in SPLIT_FROM's proportions, rounded, the remainder to
    the rank and file."""
    tiers = load([f"scenario={SPLIT_FROM}"]).goods.prisoners
    whole = sum(t.initial for t in tiers.values())
    out = {name: round(total * t.initial / whole) for name, t in tiers.items() if name != "rank_and_file"}
    return {"rank_and_file": total - sum(out.values()), **out}


def derived(rec: Record, base: Config) -> dict[str, float]:
    """The scenario's values that come straight from the record (not fitted), as config keys."""
    if rec.released:
        raise ConfigError(f"the record has {rec.released} released from {START} to {ORIGIN}: clemency 0 assumes none")
    others = sum(t.inflow for name, t in base.goods.prisoners.items() if name != "rank_and_file")
    return {
        **{f"goods.prisoners.{tier}.initial": n for tier, n in split(rec.initial).items()},
        f"{RANK}.inflow": rec.inflow - others,
        "actors.minsk.clemency": 0.0,  # no pardon, no release of any kind recorded
    }


def simulate(cfg: Config, worlds: int, seed: int) -> BargainingModel:
    cfg = with_changes(cfg, {"engine.worlds": worlds, "engine.seed": seed, "output.event_log_worlds": 0})
    return BargainingModel(config=cfg).run()


def fit_completion_rate(rec: Record, worlds: int = FIT_WORLDS, seed: int = SEED) -> float:
    """The rank-and-file completion rate that minimises the squared distance between the model's
    mean stock and each 2023 count (the six from 2023-02-27 to 2024-01-04, the approximate one
    included, equally weighted), with the other values `derived` from `rec`."""
    scenario = load([f"scenario={SCENARIO}"])
    base = with_changes(scenario, derived(rec, scenario))
    rounds, observed = rec.counts["round"].to_numpy(), rec.counts.political_prisoners.to_numpy(float)

    def distance(rate: float) -> float:
        model = simulate(with_changes(base, {f"{RANK}.completion_rate": float(rate)}), worlds, seed)
        mean = model.recorder.prisoners.sum(axis=2)[rounds].mean(axis=1)
        return float(((mean - observed) ** 2).sum())

    result = optimize.minimize_scalar(distance, bounds=BOUNDS, method="bounded", options={"xatol": 1e-5})
    return round(float(result.x), DIGITS)


def fitted(folder: Path | None = None) -> dict[str, float]:
    """Every value the scenario takes from the record, the fitted completion rate included."""
    rec = record(folder)
    return {**derived(rec, load([f"scenario={SCENARIO}"])), f"{RANK}.completion_rate": fit_completion_rate(rec)}


def no_talks(model: BargainingModel) -> dict[str, int]:
    """Worlds with an envoy visit, a deal, or any relief in force at any month."""
    rec = model.recorder
    return {
        "visits": int(rec.us_engaged.any(axis=0).sum()),
        "deals": int((rec.deal.any(axis=0) | (rec.released_deal.sum(axis=0) > 0)).sum()),
        "relief": int(relief_in_force(rec.instruments, rec.levels).any(axis=(0, 2)).sum()),
    }


def table(model: BargainingModel, rec: Record) -> pd.DataFrame:
    """Each count of the record (the initial stock first) beside the model's median and 90% band
    at the month it reports on."""
    held = model.recorder.prisoners.sum(axis=2)
    start = float(model.prisoners.initial_total)
    rows = [(rec.initial_date, rec.initial, False, start, start, start, np.nan)]
    for r in rec.counts.itertuples():
        worlds, count = held[r.round], r.political_prisoners
        q05, median, q95 = np.quantile(worlds, BAND_AND_MEDIAN)
        percentile = 100 * ((worlds < count).mean() + 0.5 * (worlds == count).mean())  # mid-rank, as backtest.py
        rows.append((f"{r.date:%Y-%m-%d}", count, r.approximate == "true", median, q05, q95, percentile))
    out = pd.DataFrame(rows, columns=["date", "record", "approximate", "median", "q05", "q95", "percentile"])
    return out.assign(in_band=(out.q05 <= out.record) & (out.record <= out.q95))


def markdown(tab: pd.DataFrame) -> str:
    lines = [
        "| date | record | model median | 90% band | in band? | record's percentile |",
        "|---|---:|---:|---|---|---:|",
    ]
    for r in tab.itertuples():
        record_text = f"{'about ' if r.approximate else ''}{r.record:,}"
        band, percentile = (
            ("initial stock", "") if r.Index == 0 else (f"{r.q05:,.0f} – {r.q95:,.0f}", f"{r.percentile:.0f}")
        )
        lines.append(
            f"| {r.date} | {record_text} | {r.median:,.0f} | {band} | {'yes' if r.in_band else 'no'} | {percentile} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m quidproquo.experiments.freeze_years", description=__doc__)
    parser.add_argument("--worlds", type=int, default=WORLDS)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    rec = record()
    values = fitted()
    cfg = load([f"scenario={SCENARIO}"])
    print(f"record to {ORIGIN}: initial {rec.initial:,}, newly recognised {rec.recognised} (mean {rec.inflow:.2f})")
    for key, value in values.items():
        print(f"  {key} = {value:g}   (the scenario holds {value_of(cfg, key):g})")
    model = simulate(cfg, args.worlds, args.seed)
    print(f"\n{SCENARIO}, {args.worlds:,} worlds, seed {args.seed}; {no_talks(model)}\n")
    print(markdown(table(model, rec)))


if __name__ == "__main__":
    main()
