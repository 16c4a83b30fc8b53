"""`qpq backtest --origin 2025-06`: the forecast from an origin scored against what followed.

The forecast is `qpq forecast`'s (experiments/forecast.py): the posterior fitted to the record up
to the origin only (experiments/observations.py drops every later row), run from the record's
state at the origin, each world at its own posterior draw. The record after the origin
(`data/belarus/`, to 2025-12-31) scores it:

- each prisoner count after the origin, in the round it reports on (a count on day 25 or later
  is that month's end, an earlier one the month before's, as the calibration reads them);
- releases by month (pardons and envoy releases: `released_political` of events.csv) and their
  total, and the chance of one month's deal freeing 50 or more;
- each instrument's relief by the record's last month (sanctions.csv `status_2025_12`).

For each quantity: the model's median and 90% band, the observation's percentile (mid-rank:
ties count half), whether the band holds it, and the CRPS (scoringrules.crps_ensemble; chosen
because it is the maintained library of the two the project considered, needs only numpy and
scipy, and scores an ensemble as it is, without fitting a distribution) against two naive
forecasts: the stock held at its last count before the origin (persistence) or moved on by the
trailing twelve months' monthly change (trend), and releases at the trailing twelve months'
monthly rate. A relief is scored by its Brier score. Every band holds chance and parameter
uncertainty together.

The report also runs the same worlds and draws for longer runs: what the model says about 2025
must not depend on how long the run goes on after it (tests/engine/test_horizon.py).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from quidproquo.config import ConfigError
from quidproquo.engine.instruments import relief_in_force
from quidproquo.engine.model import BargainingModel
from quidproquo.experiments import forecast as fc
from quidproquo.experiments import plots
from quidproquo.experiments.bands import BAND_AND_MEDIAN
from quidproquo.experiments.observations import NOT_RELIEVED, data_dir, read_data

SCENARIO = fc.BASE
HORIZONS = (18, 36)  # the other run lengths the report shows, beside the forecast's own
COLUMNS = ["quantity", "period", "observed", "median", "q05", "q95", "percentile", "in_90", "crps", "crps_base"]


def check_origin(origin: str, folder=None) -> pd.Period:
    """An origin a forecast may start from (fc.check_origin) with record after it to score."""
    at = fc.check_origin(origin, folder)
    scorable = [o for o in fc.origins(folder) if pd.Period(o, freq="M") < pd.Period(fc.origins(folder)[-1], freq="M")]
    if str(at) not in scorable:
        raise ConfigError(f"--origin {origin}: the record ends at {fc.origins(folder)[-1]}, nothing after it to score; allowed: {', '.join(scorable)}")  # fmt: skip
    return at


def report_round(date: pd.Timestamp, start: pd.Period) -> int:
    """The round a count reports on: its own month from day 25, else the month before."""
    reported = date.to_period("M") - (0 if date.day >= 25 else 1)
    return (reported - start).n


def percentile(draws: np.ndarray, observed: float) -> float:
    """The observation's mid-rank among the worlds: the share below it, plus half the ties."""
    draws = np.asarray(draws, dtype=float)
    return float((draws < observed).mean() + 0.5 * (draws == observed).mean())


def crps(draws: np.ndarray, observed: float) -> float:
    import scoringrules

    return float(scoringrules.crps_ensemble(np.float64(observed), np.asarray(draws, dtype=np.float64)))


def row(quantity: str, period: str, observed: float, draws: np.ndarray, baseline: float) -> dict:
    q05, median, q95 = np.quantile(draws, BAND_AND_MEDIAN)
    return {
        "quantity": quantity,
        "period": period,
        "observed": float(observed),
        "median": float(median),
        "q05": float(q05),
        "q95": float(q95),
        "percentile": percentile(draws, observed),
        "in_90": bool(q05 <= observed <= q95),
        "crps": crps(draws, observed),
        "crps_base": abs(float(observed) - baseline),  # a point forecast's CRPS is its absolute error
    }


def headline(model: BargainingModel, end: pd.Period) -> dict:
    """Held at `end` and released from the run's start to `end` (medians), and each US
    instrument's chance of relief in force at some month by `end`."""
    rec, r = model.recorder, (end - model.start).n
    relieved = relief_in_force(rec.instruments[: r + 1], rec.levels[: r + 1]).any(axis=0)
    out = {
        "held": float(np.median(rec.prisoners.sum(axis=2)[r])),
        "released": float(np.median((rec.released_deal + rec.released_pardon)[: r + 1].sum(axis=0))),
    }
    for i, name in enumerate(model.instruments.names):
        if model.instruments[name].sender == "washington":
            out[name] = float(relieved[:, i].mean())
    return out


def score(model: BargainingModel, origin: pd.Period, folder=None) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(scores of the counts and releases, relief probabilities with Brier scores, the record)."""
    folder = folder or data_dir()
    counts = read_data(folder / "political_prisoners.csv")
    events = read_data(folder / "events.csv")
    sanctions = pd.read_csv(folder / "sanctions.csv", dtype=str)
    rec, start = model.recorder, model.start
    end = max(counts.date.max(), events.date.max()).to_period("M")
    if (end - start).n >= rec.prisoners.shape[0]:
        raise ConfigError(f"scenario={SCENARIO}: its {rec.prisoners.shape[0]} months end before the record's {end}")
    held = rec.prisoners.sum(axis=2).astype(float)  # (rounds, worlds)
    released = (rec.released_deal + rec.released_pardon).astype(float)

    # The naive forecasts, from the record up to the origin only.
    before = counts[counts.date.dt.to_period("M") <= origin]
    last = before.iloc[-1]
    year = before[before.date > last.date - pd.DateOffset(months=12)]
    slope = (last.political_prisoners - year.political_prisoners.iloc[0]) / max((last.date - year.date.iloc[0]).days, 1)
    past = events[(events.date.dt.to_period("M") <= origin) & (events.date.dt.to_period("M") > origin - 12)]
    rate = float(past.released_political.fillna(0).sum()) / 12

    rows = []
    for c in counts[counts.date.dt.to_period("M") > origin].itertuples():
        r = report_round(c.date, start)
        if r < 0:  # dated after the origin but reporting on its month's end: where the forecast starts
            continue
        trend = last.political_prisoners + slope * (c.date - last.date).days
        base = row("held", f"{c.date:%Y-%m-%d}", c.political_prisoners, held[r], last.political_prisoners)
        rows.append({**base, "crps_trend": abs(c.political_prisoners - trend)})
    months = pd.period_range(origin + 1, end, freq="M")
    later = events[events.date.dt.to_period("M") > origin]
    by_month = later.groupby(later.date.dt.to_period("M")).released_political.sum()
    for m in months:
        rows.append(row("released", str(m), float(by_month.get(m, 0)), released[(m - start).n], rate))
    span = slice((origin + 1 - start).n, (end - start).n + 1)
    total = float(by_month.sum())
    rows.append(row("released", f"{origin + 1}..{end}", total, released[span].sum(axis=0), rate * len(months)))
    scores = pd.DataFrame(rows)[[*COLUMNS, "crps_trend"]]

    # Relief by the project's one rule (a step, or lifted or suspended -- how the EU relieves),
    # in force in any month up to the end.
    months = slice(None, (end - start).n + 1)
    relieved = relief_in_force(rec.instruments[months], rec.levels[months]).any(axis=0)
    relief = []
    for s in sanctions.itertuples():
        if s.instrument not in model.instruments.names:
            continue
        i = model.instruments.names.index(s.instrument)
        chance = float(relieved[:, i].mean())
        observed = getattr(s, f"status_{end.year}_{end.month:02d}")
        happened = observed not in NOT_RELIEVED
        relief.append(
            {
                "instrument": s.instrument,
                "sender": s.sender,
                "by": str(end),
                "observed": observed,
                "relieved": happened,
                "chance": chance,
                "brier": (chance - happened) ** 2,
            }
        )
    biggest = rec.released_deal[span].max(axis=0)
    record = {
        "origin": str(origin),
        "end": str(end),
        "largest_release": float(later.released_political.max()),
        "chance_deal_50": float((biggest >= 50).mean()),
        "persistence": float(last.political_prisoners),
        "last_count": f"{last.date:%Y-%m-%d}",
        "trend_per_month": slope * 30.44,
        "release_rate": rate,
    }
    return scores, pd.DataFrame(relief), record


def figure(model: BargainingModel, origin: pd.Period, scores: pd.DataFrame, counts: pd.DataFrame):
    rec, start = model.recorder, model.start
    held = rec.prisoners.sum(axis=2).T.astype(float)
    dates = pd.period_range(start, periods=held.shape[1], freq="M").to_timestamp(how="end").normalize()
    fig, (top, bottom) = plots.plt.subplots(2, 1, figsize=(11, 9), layout="constrained")
    plots.fan(top, dates, held, " of the model", world0=False)
    cut = origin.to_timestamp(how="end").normalize()
    counts = counts[counts.date >= (start - 13).start_time]  # the record of the year before and the forecast months
    seen, after = counts[counts.date <= cut], counts[counts.date > cut]
    top.scatter(seen.date, seen.political_prisoners, color="black", s=25, zorder=5, label="record the fit read")
    top.scatter(after.date, after.political_prisoners, color="#c0392b", s=40, zorder=6, label="record after the origin")
    top.axvline(cut, color="grey", ls=":", lw=1.5)
    top.set(
        title=f"{SCENARIO} from the record at {origin}: the forecast and what followed",
        ylabel="political prisoners held",
    )
    top.legend(loc="lower left", frameon=False)
    monthly = scores[(scores.quantity == "released") & ~scores.period.str.contains(r"\.\.")]
    x = np.arange(len(monthly))
    bottom.vlines(x, monthly.q05, monthly.q95, color="#7f8c8d", lw=8, alpha=0.5, label="model: 90% band")
    bottom.scatter(x, monthly["median"], color="#34495e", marker="_", s=300, zorder=5, label="model: median")
    bottom.scatter(x, monthly.observed, color="#c0392b", s=50, zorder=6, label="record")
    bottom.set_xticks(x, monthly.period)
    bottom.set(title="Released a month (pardons and envoy releases)", ylabel="people")
    bottom.legend(frameon=False)
    return fig


def report(scores: pd.DataFrame, relief: pd.DataFrame, record: dict, horizons: dict, worlds: int, seed: int) -> str:
    held = scores[scores.quantity == "held"]
    lines = [
        f"| {r.quantity} | {r.period} | {r.observed:,.0f} | {r.median:,.0f} | {r.q05:,.0f} – {r.q95:,.0f} | "
        f"{r.percentile:.0%} | {'yes' if r.in_90 else '**no**'} | {r.crps:,.1f} | {r.crps_base:,.1f} |"
        + (f" {r.crps_trend:,.1f} |" if r.quantity == "held" else " |")
        for r in scores.itertuples()
    ]
    reliefs = [
        f"| {r.instrument} ({r.sender}) | {r.observed} | {r.chance:.0%} | {r.brier:.2f} |" for r in relief.itertuples()
    ]
    own = next(iter(horizons))
    us = [k for k in horizons[own] if k not in ("held", "released")]
    lengths = [
        f"| {h}{' (the scenario)' if h == own else ''} | {v['held']:,.0f} | {v['released']:,.0f} | "
        + " | ".join(f"{v[k]:.0%}" for k in us)
        + " |"
        for h, v in horizons.items()
    ]
    same = (
        "It does not: the actors value relief, chips and exile with no horizon (bargaining.end_hazard), so every run length gives the same months."
        if all(v == horizons[own] for v in horizons.values())
        else "Here it does: the figures differ with the run's length."
    )
    return f"""# Backtest of {SCENARIO} from {record["origin"]}

`qpq forecast`'s forecast ({worlds:,} worlds, seed {seed}): the posterior fitted to the record up to
{record["origin"]} only, run from the record's state at {record["origin"]}, each world at its own posterior
draw, against the record from then to {record["end"]} (`data/belarus/`). Bands hold **chance and parameter
uncertainty** together. {record["posterior"]}

Naive forecasts: persistence holds the stock at its last count before the origin ({record["persistence"]:,.0f}
on {record["last_count"]}); trend moves it on by the trailing twelve months' change
({record["trend_per_month"]:+,.1f} a month); releases go on at the trailing twelve months' rate
({record["release_rate"]:,.1f} a month). CRPS is in people; lower is better.

| quantity | period | observed | model median | model 90% band | percentile | in band | CRPS | CRPS persistence / rate | CRPS trend |
|---|---|---:|---:|---:|---:|---|---:|---:|---:|
{chr(10).join(lines)}

Stock: the model's mean CRPS {held.crps.mean():,.1f} against persistence {held.crps_base.mean():,.1f} and
trend {held.crps_trend.mean():,.1f}; {int(held.in_90.sum())} of {len(held)} counts in the 90% band. The largest
single release after the origin was {record["largest_release"]:,.0f}; a month's deal freed 50 or more in
{record["chance_deal_50"]:.0%} of worlds.

| instrument | state by {record["end"]} | chance of any relief in the model | Brier |
|---|---|---:|---:|
{chr(10).join(reliefs)}

## The same worlds at other run lengths

What the model says about {record["end"]} should not depend on how long the run goes on after it. {same}

| months run | held at {record["end"]} (median) | released after {record["origin"]} (median) | {" | ".join(f"{k} relieved" for k in us)} |
|---|---:|---:|{"---:|" * len(us)}
{chr(10).join(lengths)}

![backtest](backtest.png)
"""


def backtest(origin: str, out, worlds: int = 2000, seed: int = 0, progress=None) -> dict:
    """Run, score and write the backtest into the run folder `out` (staged, done.json last)."""
    import time

    from quidproquo.runs import publish, storage

    begun = time.perf_counter()
    at = check_origin(origin)
    end = pd.Period(fc.origins()[-1], freq="M")
    forecast = fc.run(at, (end - at).n, worlds, seed, progress=progress)
    model = forecast.model
    scores, relief, record = score(model, at)
    post = forecast.posterior
    record["posterior"] = (
        f"Posterior: ABC-SMC, {len(post.generations)} generations, {post.theta.shape[0]:,} particles, "
        f"effective sample size {post.ess():,.0f}, on {len(post.record.names)} moments of the record "
        f"{post.record.start} – {post.record.until}."
    )
    horizons = {model.cfg.engine.rounds: headline(model, end)}
    for rounds in HORIZONS:
        longer = fc.run(at, rounds, worlds, seed, posterior=post).model
        horizons[rounds] = headline(longer, end)
    counts = read_data(data_dir() / "political_prisoners.csv")
    with publish.remade(out, worlds, lambda: time.perf_counter() - begun) as staged:
        storage.write_text(scores.to_csv(index=False), staged / "scores.csv")
        storage.write_text(relief.to_csv(index=False), staged / "relief.csv")
        storage.write_text(post.summary().to_csv(index=False), staged / "parameters.csv")
        storage.write_text(json.dumps(record, indent=2) + "\n", staged / "record.json")
        fig = figure(model, at, scores, counts)
        storage.write_figure(fig, staged / "backtest.png")
        plots.close(fig)
        storage.write_text(report(scores, relief, record, horizons, worlds, seed), staged / "backtest.md")
    return {"scores": scores, "relief": relief, "record": record, "horizons": horizons, "forecast": forecast}
