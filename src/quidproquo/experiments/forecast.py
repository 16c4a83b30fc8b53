"""`qpq forecast --origin YYYY-MM --months N`: from the record's state at an origin, with the
parameters' uncertainty in every band.

1. The posterior of belarus_2025's behaviour (experiments/posterior.py), fitted to the record
   from the scenario's start (2024-07) up to the origin only: no later row is read.
2. The start, as the record gives it at the origin: the last count up to the origin (the total
   held), split over the tiers as each particle's own world held them then (the record counts no
   tiers); every instrument as sanctions.csv's state column for the origin says (`licensed`: the
   steps up to a general licence in force; `delisted`: lifted; `imposed`, `closed`: imposed);
   Washington's track record, the prisoners its deals had freed in that world; the scenario's
   dated events up to the origin folded into the start values (a `key@YYYY-MM` of the posterior
   becomes the plain key).
   What the start does not carry from the fitted worlds: Minsk's repression, strain and hostage
   price, the opposition's mobilisation and Moscow's pressure start at the scenario's values.
3. `worlds` worlds from the month after the origin, each at a particle drawn by weight: every
   band below is over these worlds, so it holds chance and parameter uncertainty together.

Outputs: `forecast.csv` (month by month: held, released, released in deals, quantiles),
`relief.csv` (each instrument's chance of relief in force at the end, of a new step, of a
reversal), the posterior (`posterior.csv`, `generations.csv`, `parameters.csv`), `forecast.png`
and `forecast.md`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from quidproquo.config import Config, ConfigError, load, month, value_of, with_changes
from quidproquo.engine.instruments import IMPOSED, relief_in_force
from quidproquo.engine.model import BargainingModel
from quidproquo.experiments import plots
from quidproquo.experiments import posterior as abc
from quidproquo.experiments.bands import BAND_AND_MEDIAN
from quidproquo.experiments.observations import data_dir, read_data

BASE = "belarus_2025"
# sanctions.csv's words for an instrument's state -> (state, steps in force): a general licence is
# the second of the schema's steps (licence, general licence, suspension, delisting).
RECORD_STATES = {"imposed": ("imposed", 0), "closed": ("imposed", 0), "licensed": ("imposed", 2), "delisted": ("lifted", None)}  # fmt: skip
BUDGET = {"particles": 2000, "proposals": 10000, "generations": 8}


def origins(folder=None) -> list[str]:
    """The months whose instrument states sanctions.csv gives: the origins a forecast may start from."""
    sanctions = pd.read_csv((folder or data_dir()) / "sanctions.csv", dtype=str, nrows=0)
    return [f"{c[7:11]}-{c[12:14]}" for c in sanctions.columns if c.startswith("status_")]


def check_origin(origin: str, folder=None, flag: str = "--origin") -> pd.Period:
    """The month a forecast starts from (or a posterior is fitted to), as the user gave it with `flag`."""
    at = month(origin, flag)
    allowed = origins(folder)
    if str(at) not in allowed:
        raise ConfigError(
            f"{flag} {origin}: the record gives the instruments' state only at {', '.join(allowed)} "
            f"(data/belarus/sanctions.csv); allowed: {', '.join(allowed)}"
        )
    return at


def check_months(months: int) -> int:
    if not 1 <= months <= 120:
        raise ConfigError(f"--months {months}: allowed: 1 to 120")
    return months


@dataclass
class Forecast:
    origin: pd.Period
    model: BargainingModel
    posterior: abc.Posterior
    picked: np.ndarray  # (worlds,) the particle each world runs at
    start_held: int
    seconds: float


def start_config(base: Config, origin: pd.Period, months: int, worlds: int, seed: int, folder=None) -> Config:
    """`base` from the month after `origin`: dated events up to it folded in, the instruments
    in the record's state at the origin."""
    folder = folder or data_dir()
    events = sorted(base.events, key=lambda e: month(e.date, "events.date"))
    changes = {}
    for event in events:
        if month(event.date, "events.date") <= origin:
            changes.update(event.changes)
    cfg = with_changes(base, changes, check=False)
    cfg.events = [e for e in events if month(e.date, "events.date") > origin]
    cfg.engine.start, cfg.engine.rounds = str(origin + 1), months
    cfg.engine.worlds, cfg.engine.seed = worlds, seed
    cfg.output.event_log_worlds = 0
    sanctions = pd.read_csv(folder / "sanctions.csv", dtype=str)
    column = f"status_{origin.year}_{origin.month:02d}"
    recorded = {}  # the config keys of each instrument's state at round 0, as the record gives it
    for s in sanctions.itertuples():
        if s.instrument not in cfg.goods.instruments:
            continue
        word = getattr(s, column)
        if word not in RECORD_STATES:
            raise ConfigError(f"{folder / 'sanctions.csv'}: {column} of {s.instrument} is {word!r}; allowed: {', '.join(RECORD_STATES)}")  # fmt: skip
        state, level = RECORD_STATES[word]
        steps = len(cfg.goods.instruments[s.instrument].steps)
        recorded[f"goods.instruments.{s.instrument}.state"] = state
        recorded[f"goods.instruments.{s.instrument}.level"] = 0 if level is None else min(level, steps - 1)
    return with_changes(cfg, recorded, check=False)


def split(held: np.ndarray, total: int) -> np.ndarray:
    """Each row of `held` (worlds, tiers) scaled to `total` in whole prisoners (largest remainders)."""
    share = held / np.maximum(held.sum(axis=1, keepdims=True), 1)
    exact = share * total
    out = np.floor(exact).astype(np.int64)
    short = total - out.sum(axis=1)
    order = np.argsort(-(exact - out), axis=1, kind="stable")
    for k in range(held.shape[1]):
        out[np.arange(len(out)), order[:, k]] += k < short
    return out


def run(
    origin: pd.Period,
    months: int,
    worlds: int = 2000,
    seed: int = 0,
    posterior: abc.Posterior | None = None,
    budget: dict | None = None,
    folder=None,
    progress=None,
    policy: dict | None = None,
    picked: np.ndarray | None = None,
    policies: list[dict] | None = None,
) -> Forecast:
    """Fit (unless `posterior` is given) and run the forecast; nothing is written. `policy`
    (key -> value) sets keys in every world after the draws (a freeze: no envoy); `picked` gives
    the particle of each world (default: `worlds` drawn by weight with `seed`). `policies` runs
    the same worlds once per policy, block after block, in one model: world i of every block has
    the same draw, number and random streams (a paired comparison in one run)."""
    begun = time.perf_counter()
    folder = folder or data_dir()
    base = load([f"scenario={BASE}"])
    if posterior is None:
        rec = abc.record(month(base.engine.start, "engine.start"), origin, folder)
        posterior = abc.sample(base, rec, seed=seed, progress=progress, **(budget or BUDGET))
    cfg = start_config(base, origin, months, 1, seed, folder)
    picked = abc.resample(posterior, worlds, seed) if picked is None else np.asarray(picked)
    worlds = picked.size
    total = posterior.record.last_count[1]
    table: dict[str, np.ndarray] = {}
    for j, p in sorted(enumerate(abc.PRIOR), key=lambda e: e[1].key.partition("@")[2]):  # later dates win
        table[p.key.partition("@")[0]] = posterior.theta[picked, j]
    held = split(posterior.held[picked], total)
    for t, tier in enumerate(cfg.goods.prisoners):
        table[f"goods.prisoners.{tier}.initial"] = held[:, t]
    table["actors.washington.track_record"] = posterior.freed[picked]
    blocks = [policy or {}] if policies is None else policies
    keys = sorted({key for block in blocks for key in block})
    whole = {key: np.concatenate([values] * len(blocks)) for key, values in table.items()} | {
        key: np.concatenate([np.full(worlds, block.get(key, value_of(cfg, key))) for block in blocks]) for key in keys
    }
    checked = abc.points(cfg, whole)
    model = BargainingModel(config=cfg, points=abc.Draws(checked.table, 0, period=worlds)).run()
    return Forecast(origin, model, posterior, picked, total, time.perf_counter() - begun)


# ----------------------------------------------------------------------------- the outputs
def monthly(fc: Forecast) -> pd.DataFrame:
    rec = fc.model.recorder
    held = rec.prisoners.sum(axis=2)
    released = rec.released_deal + rec.released_pardon
    rows = []
    for r in range(held.shape[0]):
        row = {"month": str(fc.model.start + r)}
        for name, values in (("held", held[r]), ("released", released[r]), ("released_deal", rec.released_deal[r]),
                             ("released_total", released[: r + 1].sum(axis=0))):  # fmt: skip
            q05, q50, q95 = np.quantile(values, BAND_AND_MEDIAN)
            row |= {f"{name}_q05": q05, f"{name}_median": q50, f"{name}_q95": q95}
        row["deal_share"] = float((rec.released_deal[r] > 0).mean())
        rows.append(row)
    return pd.DataFrame(rows)


def relief(fc: Forecast) -> pd.DataFrame:
    model, rec = fc.model, fc.model.recorder
    ins = model.instruments
    rows = []
    in_force = relief_in_force(rec.instruments, rec.levels)  # (rounds, worlds, instruments)
    for i, name in enumerate(ins.names):
        c = model.cfg.goods.instruments[name]
        at_start = bool(relief_in_force(c.state, c.level))
        more = (rec.levels[:, :, i].max(axis=0) > c.level) | (rec.instruments[:, :, i] != IMPOSED).any(axis=0)
        reversed_ = ~in_force[:, :, i].all(axis=0) if at_start else np.zeros(model.num_worlds, bool)
        rows.append(
            {
                "instrument": name,
                "sender": c.sender,
                "at_start": c.state + (f" ({c.steps[c.level - 1]})" if c.level else ""),
                "relief_at_end": float(in_force[-1, :, i].mean()),
                "more_relief": float(more.mean()) if c.state == "imposed" else 0.0,
                "reversed": float(reversed_.mean()),
            }
        )
    return pd.DataFrame(rows)


def figure(fc: Forecast, folder=None):
    counts = read_data((folder or data_dir()) / "political_prisoners.csv", fc.origin)
    held = fc.model.recorder.prisoners.sum(axis=2).T.astype(float)
    start_col = np.full((held.shape[0], 1), float(fc.start_held))
    values = np.hstack([start_col, held])
    dates = pd.period_range(fc.origin, periods=values.shape[1], freq="M").to_timestamp(how="end").normalize()
    fig, ax = plots.plt.subplots(figsize=(11, 6), layout="constrained")
    plots.fan(ax, dates, values, " (chance and parameter uncertainty)", world0=False)
    past = counts[counts.date >= (fc.origin - 18).start_time]
    ax.scatter(past.date, past.political_prisoners, color="black", s=25, zorder=5, label="record up to the origin")
    ax.axvline(fc.origin.to_timestamp(how="end"), color="grey", ls=":", lw=1.5)
    ax.set(title=f"{BASE} from the record at {fc.origin}: {fc.model.num_worlds:,} worlds, each at a posterior draw",
           ylabel="political prisoners held", xlabel="month")  # fmt: skip
    ax.legend(loc="lower left", frameon=False)
    return fig


def report(fc: Forecast, table: pd.DataFrame, relieved: pd.DataFrame, command: str) -> str:
    post = fc.posterior
    summary = post.summary()
    params = "\n".join(
        f"| {r.parameter} | `{r.key}` | {r.prior_low:g} – {r.prior_high:g} | {r.median:.3g} | {r.q05:.3g} – {r.q95:.3g} |"
        for r in summary.itertuples()
    )
    last = table.iloc[-1]
    months = "\n".join(
        f"| {r.month} | {r.held_median:,.0f} | {r.held_q05:,.0f} – {r.held_q95:,.0f} | {r.released_median:,.0f} | "
        f"{r.released_q05:,.0f} – {r.released_q95:,.0f} | {r.deal_share:.0%} |"
        for r in table.itertuples()
    )
    reliefs = "\n".join(
        f"| {r.instrument} ({r.sender}) | {r.at_start} | {r.relief_at_end:.0%} | {r.more_relief:.0%} | {r.reversed:.0%} |"
        for r in relieved.itertuples()
    )
    gen = post.generations.iloc[-1]
    return f"""# Forecast of {BASE} from the record at {fc.origin}, {len(table)} months

`{command}` ({fc.model.num_worlds:,} worlds, {fc.seconds:.0f} s). Every band is the 5th to 95th
percentile over worlds that each run at their own draw from the posterior: **chance and
parameter uncertainty together**. The start is the record at {fc.origin}: {fc.start_held:,} held
({post.record.last_count[0]:%Y-%m-%d}), split over the tiers as each draw's fitted world held them,
and the instruments in the state sanctions.csv gives for {fc.origin}.

| month | held (median) | held 90% band | released (median) | released 90% band | worlds with a deal |
|---|---:|---:|---:|---:|---:|
{months}

Released in all, {table.month.iloc[0]} to {last.month}: median {last.released_total_median:,.0f}, 90% band
{last.released_total_q05:,.0f} – {last.released_total_q95:,.0f}.

| instrument | at the start | relief in force at the end | a further step or lift | relief reversed |
|---|---|---:|---:|---:|
{reliefs}

## The posterior (record {post.record.start} – {post.record.until})

ABC-SMC, a particle a world (experiments/posterior.py): {len(post.generations)} generations, the last
with threshold {gen.threshold:.2f}, {gen.kept:,.0f} particles, effective sample size {post.ess():,.0f};
{len(post.record.names)} moments. Priors are uniform on the ranges shown.

| parameter | key | prior | posterior median | posterior 90% |
|---|---|---|---:|---:|
{params}

What the start does not carry from the fitted worlds: Minsk's repression, strain and hostage price,
the opposition's mobilisation and Moscow's pressure start at the scenario's values.

![forecast](forecast.png)
"""


def forecast(
    origin: str, months: int, out, worlds: int = 2000, seed: int = 0, progress=None, command: str = ""
) -> dict:
    """Fit, run and write the forecast into the run folder `out` (staged, done.json last)."""
    from quidproquo.runs import publish, storage

    at, months = check_origin(origin), check_months(months)
    fc = run(at, months, worlds, seed, progress=progress)
    table, relieved = monthly(fc), relief(fc)
    with publish.remade(out, worlds, fc.seconds) as staged:
        storage.write_text(table.to_csv(index=False), staged / "forecast.csv")
        storage.write_text(relieved.to_csv(index=False), staged / "relief.csv")
        fc.posterior.write(staged)
        fig = figure(fc)
        storage.write_figure(fig, staged / "forecast.png")
        plots.close(fig)
        text = report(fc, table, relieved, command or f"qpq forecast --origin {at} --months {months}")
        storage.write_text(text, staged / "forecast.md")
    return {"forecast": fc, "table": table, "relief": relieved}
