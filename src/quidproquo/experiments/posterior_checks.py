"""In-sample checks of a posterior: does the fitted model reproduce the record it was fitted to?

`qpq calibrate --posterior [--until YYYY-MM]` fits the posterior (experiments/posterior.py) to
the record from belarus_2025's start to `until` and draws fresh worlds from it (the posterior
predictive: new world numbers, each at a particle drawn by weight). Against them it checks:

- every moment the posterior was fitted to (each count, arrests, pardons and envoy releases by
  half-year, instruments relieved): the observation inside the 90% band;
- the per-event record: for each month, whether an envoy release happened (a yes inside the
  band where at least 5% of worlds have one, a no where at most 95% do); each envoy release's
  size against the worlds' deals that month; each US instrument's first relief month against
  the worlds' first-relief months (never counting as after the window);
- the share of worlds with no US relief before the month after 2025-06.

These are calibration targets met in sample, not validations: the backtest (`qpq backtest`)
scores what the record did after a fit's window. It writes prior.csv, posterior.csv,
parameters.csv, generations.csv, checks.csv and posterior.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from quidproquo.config import load, month
from quidproquo.engine.instruments import relief_in_force
from quidproquo.experiments import posterior as abc
from quidproquo.experiments.bands import BAND_AND_MEDIAN
from quidproquo.experiments.observations import NOT_RELIEVED, data_dir, read_data

BASE = "belarus_2025"
QUIET_UNTIL = pd.Period("2025-06", freq="M")  # the record: no US relief announced before July 2025


def band_row(kind: str, what: str, observed: float, draws: np.ndarray) -> dict:
    q05, q50, q95 = np.quantile(draws, BAND_AND_MEDIAN)
    return {"kind": kind, "what": what, "observed": float(observed), "median": q50, "q05": q05, "q95": q95,
            "in_90": bool(q05 <= observed <= q95)}  # fmt: skip


def checks(post: abc.Posterior, worlds: int = 2000, seed: int = 0, folder=None) -> tuple[pd.DataFrame, dict]:
    """The in-sample table and the headline figures."""
    folder = folder or data_dir()
    rec = post.record
    base = load([f"scenario={BASE}"])
    model, moments = abc.predictive(base, post, worlds, seed)
    rows = [band_row("moment", n, o, moments[:, j]) for j, (n, o) in enumerate(zip(rec.names, rec.observed))]
    events = read_data(folder / "events.csv", rec.until)
    events = events[events.date >= rec.start.start_time]
    visits = events[(events.kind == "us_envoy_release") & (events.released_political > 0)]
    by_month = visits.groupby(visits.date.dt.to_period("M")).released_political.sum()
    deals = model.recorder.released_deal  # (rounds, worlds)
    for r in range(rec.rounds):
        m = rec.start + r
        chance = float((deals[r] > 0).mean())
        happened = m in by_month.index
        rows.append({"kind": "visit month", "what": str(m), "observed": float(happened), "median": chance,
                     "q05": chance, "q95": chance,
                     "in_90": bool(chance >= 0.05) if happened else bool(chance <= 0.95)})  # fmt: skip
        if happened:
            sizes = deals[r][deals[r] > 0]
            rows.append(band_row("release size", str(m), by_month[m], sizes if sizes.size else np.zeros(1)))
    sanctions = pd.read_csv(folder / "sanctions.csv", dtype=str)
    column = f"status_{rec.until.year}_{rec.until.month:02d}"
    firsts = {"belavia": "2025-09", "potash": "2025-12"}  # events.csv: General Licences 11 and 13
    r_ = model.recorder
    in_force = relief_in_force(r_.instruments, r_.levels)  # (rounds, worlds, instruments)
    never = rec.rounds  # a first relief after the window
    for s in sanctions[sanctions.sender == "us"].itertuples():
        if s.instrument not in model.instruments.names or column not in sanctions.columns:
            continue
        i = model.instruments.names.index(s.instrument)
        ever = in_force[:, :, i].any(axis=0)
        first = np.where(ever, in_force[:, :, i].argmax(axis=0), never)
        seen = firsts.get(s.instrument) if getattr(s, column) not in NOT_RELIEVED else None
        observed = (
            never
            if seen is None or month(seen, "first relief") > rec.until
            else (month(seen, "first relief") - rec.start).n
        )
        row = band_row("first relief (round)", s.instrument, observed, first)
        rows.append(row)
    us = model.instruments.of("washington")
    quiet = (QUIET_UNTIL - rec.start).n
    calm = ~(in_force[: quiet + 1][:, :, us].any(axis=(0, 2)))
    headline = {"no_us_relief_before_2025_07": float(calm.mean()), "worlds": worlds}
    return pd.DataFrame(rows), headline


def prior_table() -> pd.DataFrame:
    return pd.DataFrame(
        [{"parameter": p.name, "key": p.key, "low": p.low, "high": p.high, "meaning": p.meaning} for p in abc.PRIOR]
    )


def report(post: abc.Posterior, table: pd.DataFrame, headline: dict, command: str) -> str:
    summary = post.summary()
    params = "\n".join(
        f"| {r.parameter} | `{r.key}` | {r.prior_low:g} – {r.prior_high:g} | {r.median:.3g} | {r.q05:.3g} – {r.q95:.3g} | {r.sd:.3g} |"
        for r in summary.itertuples()
    )
    gens = "\n".join(
        f"| {int(g.generation)} | {g.threshold:.2f} | {int(g.within):,} of {int(g.proposals):,} | {int(g.kept):,} | {g.ess:,.0f} | {g.seconds:.0f} |"
        for g in post.generations.itertuples()
    )
    shown = table.copy()
    lines = "\n".join(
        f"| {r.kind} | {r.what} | {r.observed:,.2f} | {r.median:,.2f} | {r.q05:,.2f} – {r.q95:,.2f} | {'yes' if r.in_90 else '**no**'} |"
        for r in shown.itertuples()
    )
    inside = int(table.in_90.sum())
    return f"""# The posterior of {BASE}, fitted to the record {post.record.start} – {post.record.until}

`{command}`: ABC-SMC with a particle a world (experiments/posterior.py), {post.seconds:.0f} s. Priors are
uniform on the ranges below (prior.csv); the particles and their weights are in posterior.csv.

| parameter | key | prior | posterior median | posterior 90% | sd |
|---|---|---|---:|---:|---:|
{params}

| generation | threshold | within it | kept | effective sample size | seconds (cumulative) |
|---|---:|---:|---:|---:|---:|
{gens}

## In sample: the posterior predictive against the record it was fitted to

{headline["worlds"]:,} fresh worlds, each at a particle drawn by weight: bands hold chance and
parameter uncertainty. **{inside} of {len(table)}** checks inside their 90% band. No US relief
before 2025-07 in **{headline["no_us_relief_before_2025_07"]:.0%}** of worlds (the record: none). These are
targets of the fit, met in sample, not validations; `qpq backtest` scores a fit against what followed.
A visit month's "band" is the share of worlds with an envoy release that month (in band: a yes
where at least 5% of worlds have one, a no where at most 95% do). A first relief's round counts
months from {post.record.start}; {post.record.rounds} means after the window.

| check | what | observed | model median | model 90% band | in band |
|---|---|---:|---:|---:|---|
{lines}
"""


def write(until: str, out, seed: int = 0, worlds: int = 2000, progress=None, command: str = "") -> dict:
    """Fit the posterior to the record up to `until`, check it in sample, write it to `out`."""
    from quidproquo.experiments.forecast import BUDGET, check_origin
    from quidproquo.runs import publish, storage

    at = check_origin(until, flag="--until")
    base = load([f"scenario={BASE}"])
    rec = abc.record(month(base.engine.start, "engine.start"), at)
    post = abc.sample(base, rec, seed=seed, progress=progress, **BUDGET)
    table, headline = checks(post, worlds, seed)
    with publish.remade(out, worlds, post.seconds) as staged:
        storage.write_text(prior_table().to_csv(index=False), staged / "prior.csv")
        post.write(staged)
        storage.write_text(table.to_csv(index=False), staged / "checks.csv")
        text = report(post, table, headline, command or f"qpq calibrate --posterior --until {at}")
        storage.write_text(text, staged / "posterior.md")
    return {"posterior": post, "checks": table, "headline": headline}
