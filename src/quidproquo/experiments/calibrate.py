"""Calibration of `belarus_2025` to the Belarus record up to 2025-06-30, and its forecast.

Method: the method of simulated moments (McFadden 1989; Gourieroux & Monfort 1996) with
`scipy.optimize.differential_evolution`. Why this and not ABC-SMC (pyabc) or Optuna: the data
are a dozen aggregate figures, not a likelihood, so matching moments is the honest use of them;
the engine gives the same worlds for the same seed (common random numbers), so the simulated
moments are a deterministic function of the parameters that a global optimiser can search
without a noise model; scipy is already a dependency, where pyabc would bring a database, a
cluster scheduler and a web stack along; and MSM has a textbook standard error (the sandwich
below) where a best fit needs one. This is the point fit behind `belarus_2025_calibrated`; the
posterior, with parameter uncertainty, is experiments/posterior.py's ABC-SMC (a particle a
world), which `qpq forecast`, `qpq backtest` and `qpq compare --from-record` draw from.

Moments (from `data/belarus/`):
- the count of political prisoners at each month-end observation (political_prisoners.csv);
- mean monthly arrests in the months with a "newly recognised" figure (flows.csv);
- pardons in 2024-07..12 and in 2025-01..06 (events.csv, kind = pardon);
- the per-event record of US envoy visits in 2025-01..06 (events.csv, kind = us_envoy_release):
  prisoners freed in them, the number of months with such a release, and the largest one;
- US instruments with any step of relief in force by 2025-06 (events.csv us_concession: "none
  announced" at every release, sanctions.csv: all imposed at 2025-06).

Each moment's distance is scaled by its spread across worlds at the scenario's own values, so a
count of 1,200 and three visits weigh alike. Standard errors: Var = (1 + 1/K) A^-1 G'W Omega W G A^-1,
A = G'WG, with G the moments' derivatives (central differences under common random numbers),
W the weights, Omega the moments' covariance across worlds (the observed history is one
world), and K the worlds simulated per evaluation.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import optimize

from quidproquo.config import Config, ConfigError, load, month, value_of, with_changes
from quidproquo.engine.instruments import relief_in_force
from quidproquo.engine.model import BargainingModel
from quidproquo.experiments import plots
from quidproquo.experiments.bands import BAND90
from quidproquo.experiments.observations import DATA_COLUMNS, data_dir, read_data
from quidproquo.runs import storage

# The point fit's window ends here, though data/belarus holds the record to 2025-12: the scenario
# it writes is the one made from mid-2025. The posterior (experiments/posterior.py) fits to any
# month the record gives the instruments' state for, 2025-12 included.
DATA_END = pd.Period("2025-06", freq="M")
DATA_ROUNDS = 12  # belarus_2025 starts 2024-07: rounds 0..11 are the months of the record


@dataclass(frozen=True)
class Parameter:
    name: str
    key: str  # dotted config key; if a dated event sets it, the event's value is the one fitted
    low: float
    high: float
    meaning: str


PARAMETERS = (
    Parameter(
        "inflow", "goods.prisoners.rank_and_file.inflow", 20.0, 80.0, "new political arrests a month at repression 1"
    ),
    Parameter(
        "completion_rate",
        "goods.prisoners.rank_and_file.completion_rate",
        0.005,
        0.06,
        "monthly share of sentences ending",
    ),
    Parameter("clemency_2024", "actors.minsk.clemency", 0.2, 3.0, "pardon intensity before the January 2025 election"),
    Parameter("clemency_2025", "actors.minsk.clemency@2025-02", 0.05, 2.0, "pardon intensity after the election"),
    Parameter(
        "engagement_2025",
        "actors.washington.engagement@2025-01",
        0.02,
        1.0,
        "monthly chance of a US envoy visit from January 2025",
    ),
    Parameter(
        "visit_ask",
        "actors.washington.visit_ask",
        0.001,
        0.045,
        "share of those held Washington asks for a visit without relief",
    ),
)
# Not fitted, because twelve months of data cannot tell them apart (their values and sources are
# in config/schema.py or the scenario): Minsk's visit_legitimacy (a first fit put it at its bound with a
# standard error of 1,569: the releases say how many, not why), Washington's credibility weight and relief_signal (the record says only that
# no concession was announced -- a bound, which the fitted moment "US relief in force by 2025-06"
# holds), trust, price and reserve_weight; Minsk's chip_value, strain and gesture_rate (TIES v4.1).


@dataclass(frozen=True)
class Budget:
    """How hard to search: worlds per evaluation, and differential evolution's effort."""

    worlds: int = 100
    popsize: int = 6  # times the number of parameters
    maxiter: int = 20
    se_worlds: int = 500


BUDGETS = {"default": Budget(), "small": Budget(worlds=20, popsize=2, maxiter=2, se_worlds=60)}


# ------------------------------------------------------------------------------------- data
@dataclass
class Observed:
    """The figures the model is fitted to, with the round each belongs to."""

    counts: pd.DataFrame  # date, round, political_prisoners (month-end observations)
    arrest_rounds: np.ndarray
    arrests_mean: float
    pardons: dict[str, float]  # "2024H2", "2025H1"
    visit_releases: float
    visit_months: float
    largest_visit: float
    concessions: float
    initial: int


def observed(start: pd.Period, folder: Path | None = None, until: pd.Period = DATA_END) -> Observed:
    """The record from `start` to the end of `until` (by default the fit's window, to 2025-06):
    no row dated later is parsed or used (observations.read_data)."""
    folder = Path(folder or data_dir())
    counts, flows, events = (read_data(folder / name, until) for name in DATA_COLUMNS)
    try:
        return _observed(start, counts, flows, events)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as err:
        raise ConfigError(
            f"calibration data in {folder}: {' '.join(str(err).split())[:160] or type(err).__name__}; "
            f"the files must hold the record from {start} to {DATA_END}"
        ) from None


def _observed(start: pd.Period, counts: pd.DataFrame, flows: pd.DataFrame, events: pd.DataFrame) -> Observed:
    counts = counts[counts.date >= start.start_time]
    initial = int(counts.political_prisoners.iloc[0])  # the figure at the start month: the initial stock
    # A count on day d of a month is the stock at the end of the month before, unless it is the
    # month's last days (a month-end review): it belongs to that month's round.
    month_end = counts.date.dt.day >= 25
    period = counts.date.dt.to_period("M") - (~month_end).astype(int)
    counts = counts.assign(round=[(p - start).n for p in period])
    counts = counts[(counts["round"] >= 0) & (counts.date.dt.to_period("M") <= DATA_END)]
    # Monthly figures only: the annual totals (period "2025") are not a month's arrests.
    recognised = flows[
        (flows.metric == "newly_recognized") & flows.period.astype(str).str.fullmatch(r"\d{4}-\d{2}")
    ].copy()
    recognised["round"] = [(pd.Period(p, freq="M") - start).n for p in recognised.period]
    recognised = recognised[recognised["round"] >= 0]
    events["round"] = [(pd.Period(d, freq="M") - start).n for d in events.date]
    events = events[(events["round"] >= 0) & (events.date.dt.to_period("M") <= DATA_END)]
    pardons = events[events.kind == "pardon"]
    visits = events[(events.kind == "us_envoy_release") & (events.released_political > 0)]
    return Observed(
        counts=counts[["date", "round", "political_prisoners"]].reset_index(drop=True),
        arrest_rounds=recognised["round"].to_numpy(),
        arrests_mean=float(recognised.value.astype(float).mean()),
        pardons={
            "2024H2": float(pardons[pardons["round"] < 6].released_political.sum()),
            "2025H1": float(pardons[pardons["round"] >= 6].released_political.sum()),
        },
        visit_releases=float(visits.released_political.sum()),
        visit_months=float(visits["round"].nunique()),
        largest_visit=float(visits.groupby("round").released_political.sum().max()),
        concessions=float((~events.us_concession.fillna("none announced").isin(["none announced"])).sum()),
        initial=initial,
    )


def moment_names(obs: Observed) -> list[str]:
    return [f"prisoners {d:%Y-%m-%d}" for d in obs.counts.date] + [
        "arrests a month",
        "pardons 2024-07..12",
        "pardons 2025-01..06",
        "freed in visits 2025-01..06",
        "months with a visit release 2025-01..06",
        "largest visit release 2025-01..06",
        "US instruments with relief in force by 2025-06",
    ]


def observed_moments(obs: Observed) -> np.ndarray:
    return np.array(
        [
            *obs.counts.political_prisoners.astype(float),
            obs.arrests_mean,
            obs.pardons["2024H2"],
            obs.pardons["2025H1"],
            obs.visit_releases,
            obs.visit_months,
            obs.largest_visit,
            obs.concessions,
        ]
    )


def simulated_moments(model: BargainingModel, obs: Observed) -> np.ndarray:
    """(worlds, moments): the same figures in every simulated world."""
    rec = model.recorder
    held = rec.prisoners.sum(axis=2)  # (rounds, worlds), end of each month
    pardons, deals = rec.released_pardon, rec.released_deal
    first_half = slice(0, 6)
    second_half = slice(6, 12)
    us = model.instruments.of("washington")
    relieved = (relief_in_force(rec.instruments[:DATA_ROUNDS], rec.levels[:DATA_ROUNDS]).any(axis=0) & us).sum(axis=1)
    return np.column_stack(
        [
            *(held[r] for r in obs.counts["round"]),
            rec.arrests[obs.arrest_rounds].mean(axis=0),
            pardons[first_half].sum(axis=0),
            pardons[second_half].sum(axis=0),
            deals[second_half].sum(axis=0),
            (deals[second_half] > 0).sum(axis=0),
            deals[second_half].max(axis=0),
            relieved,
        ]
    ).astype(np.float64)


# ---------------------------------------------------------------------------- parameters
def fitted_config(base: Config, theta: np.ndarray, **engine) -> Config:
    """`base` with each parameter at its value in `theta` (and `engine` keys set): a plain key,
    or `key@YYYY-MM` for the value a dated event sets."""
    changes = {p.key: float(value) for p, value in zip(PARAMETERS, theta)}
    changes.update({f"engine.{key}": value for key, value in engine.items()})
    return with_changes(base, changes, check=False)


def simulate(base: Config, theta: np.ndarray, worlds: int, rounds: int, seed: int) -> BargainingModel:
    cfg = fitted_config(base, theta, worlds=worlds, rounds=rounds, seed=seed)
    cfg.output.event_log_worlds = 0
    return BargainingModel(config=cfg).run()


# ---------------------------------------------------------------------------------- fitting
@dataclass
class Fit:
    theta: np.ndarray
    se: np.ndarray
    distance: float
    moments: pd.DataFrame  # name, observed, simulated
    evaluations: int
    seconds: float


def fit(base: Config, obs: Observed, budget: Budget, seed: int = 0, progress=None) -> Fit:
    """Fit PARAMETERS to `obs`; `progress` (experiments/progress.py) shows the generations of the
    search (evaluations, best distance, the share of trials accepted, time left) and the standard errors."""
    from quidproquo.experiments.progress import Silent

    progress = progress or Silent()
    start = time.perf_counter()
    rounds = (DATA_END - month(base.engine.start, "engine.start")).n + 1
    target = observed_moments(obs)
    prior = np.array([float(value_of(base, p.key)) for p in PARAMETERS])
    pilot = simulated_moments(simulate(base, prior, budget.se_worlds, rounds, seed), obs)
    scale = np.maximum(pilot.std(axis=0), 1.0)
    evaluations = 0

    def moments(theta, worlds=budget.worlds):
        return simulated_moments(simulate(base, theta, worlds, rounds, seed), obs)

    search = progress.stage(
        "generations",
        budget.popsize * len(PARAMETERS) * (budget.maxiter + 1),
        "run",
        f"search up to {budget.maxiter + 1} generations",
    )
    generation, energies = [0], [None]

    def distance(theta):
        nonlocal evaluations
        evaluations += 1
        search.update()
        return float((((moments(theta).mean(axis=0) - target) / scale) ** 2).sum())

    def generation_done(intermediate_result):
        now = np.asarray(intermediate_result.population_energies)
        accepted = float((now < energies[0]).mean()) if energies[0] is not None else 1.0
        generation[0] += 1
        energies[0] = now.copy()
        search.set_total(len(now) * (budget.maxiter + 1))
        # What matters most first: a narrow terminal cuts the line at its end.
        search.note(
            f"best {intermediate_result.fun:.2f}, {accepted:.0%} accepted, generation {generation[0]}/{budget.maxiter}"
        )

    bounds = [(p.low, p.high) for p in PARAMETERS]
    with search:
        result = optimize.differential_evolution(
            distance,
            bounds,
            popsize=budget.popsize,
            maxiter=budget.maxiter,
            seed=seed,
            polish=False,
            init="sobol",
            x0=np.clip(prior, *np.array(bounds).T),
            tol=1e-3,
            callback=generation_done,
        )
        search.what = f"search {evaluations} evaluations in {generation[0]} generations"
    errors = progress.stage(
        "standard errors",
        1 + 2 * len(PARAMETERS),
        "run",
        f"standard errors {1 + 2 * len(PARAMETERS)} runs x {budget.se_worlds:,} worlds",
    )
    errors.__enter__()
    theta = result.x
    # Standard errors by the MSM sandwich, with moments over more worlds.
    at = moments(theta, budget.se_worlds)
    errors.update()
    weights = np.diag(1.0 / scale**2)
    steps = 0.02 * np.array([p.high - p.low for p in PARAMETERS])

    def counted(theta_):
        out = moments(theta_, budget.se_worlds).mean(axis=0)
        errors.update()
        return out

    jacobian = np.column_stack(
        [
            (
                counted(np.minimum(theta + e, [p.high for p in PARAMETERS]))
                - counted(np.maximum(theta - e, [p.low for p in PARAMETERS]))
            )
            / (
                np.minimum(theta + e, [p.high for p in PARAMETERS]) - np.maximum(theta - e, [p.low for p in PARAMETERS])
            )[j]
            for j, e in enumerate(np.diag(steps))
        ]
    )
    errors.__exit__(None, None, None)
    a = jacobian.T @ weights @ jacobian
    omega = np.cov(at, rowvar=False)
    a_inv = np.linalg.pinv(a)
    covariance = (1 + 1 / budget.worlds) * a_inv @ jacobian.T @ weights @ omega @ weights @ jacobian @ a_inv
    se = np.sqrt(np.clip(np.diag(covariance), 0, None))
    table = pd.DataFrame(
        {"moment": moment_names(obs), "observed": target, "simulated": at.mean(axis=0), "scale": scale}
    )
    return Fit(theta, se, float(result.fun), table, evaluations, time.perf_counter() - start)


# ------------------------------------------------------------------------------- outputs
def scenario_text(base_name: str, cfg: Config, result: Fit, budget_name: str, seed: int) -> str:
    """The calibrated scenario: the base scenario with the fitted values, each with its error."""
    fitted = fitted_config(cfg, [round(float(v), 6) for v in result.theta])
    lines = [
        "# @package _global_",
        f"# {base_name}, calibrated by `qpq calibrate` (budget {budget_name}, seed {seed}) on {datetime.date.today()}",
        "# to data/belarus up to 2025-06-30 by the method of simulated moments.",
        "# Fitted values (± standard error):",
        *(
            f"#   {p.name:<16} {v:10.4f} ± {s:.4f}   {p.meaning} [{p.key}]"
            for p, v, s in zip(PARAMETERS, result.theta, result.se)
        ),
        f"# Distance at the fit: {result.distance:.2f} over {len(result.moments)} moments (each in units of its spread across worlds).",
        "defaults:",
        f"  - {base_name}",
        "  - _self_",
        f"name: {base_name}_calibrated",
        f'description: "{base_name} with parameters fitted to the record up to 2025-06-30 (qpq calibrate)."',
    ]
    plain: dict = {}
    for parameter, value in zip(PARAMETERS, result.theta):
        key, _, date = parameter.key.partition("@")
        if not date:
            node = plain
            *parents, last = key.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[last] = round(float(value), 6)
    facts = {(e.date, e.text) for e in load([f"case={fitted.case.name}", "~scenario"]).events}
    events = [
        {
            "date": e.date,
            "text": e.text,
            "changes": dict(e.changes),
            **({"instruments": dict(e.instruments)} if e.instruments else {}),
        }
        for e in fitted.events
        if (e.date, e.text) not in facts  # the case's own facts: the case says them
    ]
    body = yaml.safe_dump({**plain, "events": events}, sort_keys=False, allow_unicode=True)
    return "\n".join(lines) + "\n" + body


def forecast_numbers(model: BargainingModel, at: pd.Period | None = None) -> dict:
    """Prisoners held at the end of `at` (median, 90% band), releases (deals, pardons and
    unilateral releases) from the data's end to `at`, and the share of worlds in which each step
    of each US instrument has been in force at any time by then."""
    at = pd.Period("2025-12", freq="M") if at is None else at
    start = model.start
    r = (at - start).n
    first = (DATA_END - start).n + 1
    rec, instruments = model.recorder, model.instruments
    held = rec.prisoners.sum(axis=2)[r]
    released = (rec.released_deal[first : r + 1] + rec.released_pardon[first : r + 1]).sum(axis=0)
    deals = rec.released_deal[first : r + 1].sum(axis=0)
    reached = rec.levels[: r + 1].max(axis=0)  # (worlds, instruments): highest step in force by then
    steps = {
        f"step_{name}_{k}_{instruments[name].steps[k - 1].replace(' ', '_')}": float((reached[:, i] >= k).mean())
        for i, name in enumerate(instruments.names)
        if instruments[name].sender == "washington"
        for k in range(1, instruments.step_count[i] + 1)
    }
    low, high = BAND90
    return {
        "date": str(at),
        "prisoners_median": float(np.median(held)),
        "prisoners_q05": float(np.quantile(held, low)),
        "prisoners_q95": float(np.quantile(held, high)),
        "released_median": float(np.median(released)),
        "released_q05": float(np.quantile(released, low)),
        "released_q95": float(np.quantile(released, high)),
        "released_deal_median": float(np.median(deals)),
        "released_deal_q95": float(np.quantile(deals, high)),
        **steps,
    }


def forecast_figure(model: BargainingModel, obs: Observed, title: str):
    rec = model.recorder
    held = rec.prisoners.sum(axis=2).T.astype(float)  # (worlds, rounds)
    dates = pd.period_range(model.start, periods=held.shape[1], freq="M").to_timestamp(how="end").normalize()
    fig, ax = plots.plt.subplots(figsize=(11, 6), layout="constrained")
    plots.fan(ax, dates, held, " of the model", world0=False)
    ax.scatter(
        obs.counts.date, obs.counts.political_prisoners, color="black", zorder=5, s=30, label="observed (Viasna)"
    )
    ax.axvline(pd.Timestamp("2025-06-30"), color="grey", ls=":", lw=1.5)
    ax.text(pd.Timestamp("2025-07-10"), ax.get_ylim()[1], "forecast →", va="top", color="grey")
    ax.set(title=title, ylabel="political prisoners held", xlabel="month")
    ax.legend(loc="lower left")
    return fig


def calibrate(
    out: Path,
    scenario_dir: Path | None = None,
    budget_name: str = "default",
    seed: int = 0,
    worlds: int = 1000,
    base_name: str = "belarus_2025",
    progress=None,
) -> dict:
    """Fit, run the fitted scenario, and write into the run folder `out` the calibrated scenario
    (`<base>_calibrated.yaml`), the forecast figure, tables and a report. Returns the forecast
    numbers for 2025-12.

    `out` is held and written like a run's folder (runs/lock.py, runs/publish.py): everything is
    staged and put in place of what it held before, done.json last, so a killed calibration
    leaves no done.json over a partial or mixed result. The scenario is copied into
    `scenario_dir` (`qpq calibrate --write-scenario`) only when one is given, and only after
    `out` is complete; otherwise no tracked file changes."""
    from quidproquo.runs import publish
    from quidproquo.runs.lock import hold, release

    if budget_name not in BUDGETS:
        raise ConfigError(f"--budget={budget_name!r}: allowed: {', '.join(BUDGETS)}")
    base = load([f"scenario={base_name}"])
    obs = observed(month(base.engine.start, "engine.start"))
    if obs.initial != sum(t.initial for t in base.goods.prisoners.values()):
        raise ConfigError(
            f"scenario={base_name}: initial prisoners {sum(t.initial for t in base.goods.prisoners.values())} "
            f"differ from the data's {obs.initial} at {base.engine.start}"
        )
    from quidproquo.experiments.progress import Silent

    progress = progress or Silent()
    out = Path(out)
    hold(out)
    try:
        staged = publish.staging(out, unmark=False)
        result = fit(base, obs, BUDGETS[budget_name], seed, progress)
        text = scenario_text(base_name, base, result, budget_name, seed)
        name = f"{base_name}_calibrated.yaml"
        storage.write_text(text, staged / name)
        # The forecast: the fitted values, the full horizon, `worlds` worlds.
        cfg = fitted_config(base, [round(float(v), 6) for v in result.theta], worlds=worlds, seed=seed)
        cfg.output.event_log_worlds = 0
        model = BargainingModel(config=cfg)
        with progress.stage(
            "forecast", worlds * cfg.engine.rounds, "world-months", f"forecast {worlds:,} worlds"
        ) as stage:
            while model.running:
                model.step()
                stage.update(worlds)
        numbers = forecast_numbers(model)
        fig = forecast_figure(
            model, obs, f"{base_name}, calibrated to 2025-06: observed and forecast ({worlds:,} worlds)"
        )
        storage.write_figure(fig, staged / "forecast.png")
        plots.close(fig)
        fitted = pd.DataFrame(
            {
                "parameter": [p.name for p in PARAMETERS],
                "key": [p.key for p in PARAMETERS],
                "value": result.theta,
                "se": result.se,
                "low": [p.low for p in PARAMETERS],
                "high": [p.high for p in PARAMETERS],
            }
        )
        storage.write_text(fitted.to_csv(index=False), staged / "parameters.csv")
        storage.write_text(result.moments.to_csv(index=False), staged / "moments.csv")
        storage.write_text(report(base_name, fitted, result, numbers, Path(name), worlds), staged / "calibration.md")
        publish.replace(out, worlds, result.seconds)
    finally:
        release(out)
    scenario_file = out / name
    if scenario_dir is not None:
        scenario_file = storage.write_text(text, Path(scenario_dir) / name)
    return {
        **numbers,
        "scenario": str(scenario_file),
        "folder": str(out),
        "evaluations": result.evaluations,
        "seconds": result.seconds,
    }


def report(base_name: str, fitted: pd.DataFrame, result: Fit, numbers: dict, scenario_file: Path, worlds: int) -> str:
    rows = "\n".join(
        f"| {r.parameter} | `{r.key}` | {r.value:.4f} | {r.se:.4f} | {r.low:g} – {r.high:g} |"
        for r in fitted.itertuples()
    )
    moments = "\n".join(f"| {r.moment} | {r.observed:,.1f} | {r.simulated:,.1f} |" for r in result.moments.itertuples())
    lifted = "\n".join(
        f"| {k.removeprefix('step_').split('_', 1)[0]} | {k.removeprefix('step_').split('_', 1)[1].replace('_', ' ')} | {v:.0%} |"
        for k, v in numbers.items()
        if k.startswith("step_")
    )
    return f"""# Calibration of {base_name}

Method of simulated moments, `scipy.optimize.differential_evolution`, {result.evaluations} evaluations in
{result.seconds:.0f} s; distance at the fit {result.distance:.2f}. The calibrated scenario is `{scenario_file.name}`
in this folder (`qpq calibrate --write-scenario` also puts it among the scenarios).

| parameter | key | value | standard error | search range |
|---|---|---:|---:|---|
{rows}

| moment | observed | simulated (mean over worlds) |
|---|---:|---:|
{moments}

## Forecast for {numbers["date"]} ({worlds:,} worlds)

Every band is 90% of worlds at the fitted values: chance only. The standard errors above are not
in them; the posterior (`qpq calibrate --posterior`) and `qpq forecast` carry parameter uncertainty.

- Political prisoners held at the end of {numbers["date"]}: median **{numbers["prisoners_median"]:,.0f}**,
  90% band {numbers["prisoners_q05"]:,.0f} – {numbers["prisoners_q95"]:,.0f}.
- Released (deals and pardons) 2025-07 .. {numbers["date"]}: median **{numbers["released_median"]:,.0f}**,
  90% band {numbers["released_q05"]:,.0f} – {numbers["released_q95"]:,.0f}.

- Released in deals 2025-07 .. {numbers["date"]}: median {numbers["released_deal_median"]:,.0f},
  95th percentile {numbers["released_deal_q95"]:,.0f}.

| US instrument | step of relief | worlds where the step has been in force by {numbers["date"]} |
|---|---|---:|
{lifted}

![forecast](forecast.png)
"""
