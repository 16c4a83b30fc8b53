"""Leave one case out: fit the behaviour the cases share on some, score the one left out.

`qpq calibrate --cases A,B,C --hold-out D` fits the shared behaviour -- how Washington prices a
visit and its relief and what any relief costs it politically (`SHARED`: shares, so one value
means the same in a case of 6 prisoners or 1,400) -- by ABC-SMC (`posterior.smc`) on the records
of A, B and C together: a particle is one draw of the shared behaviour, run as one world of each
case (world i of every case at draw i), its distance summed over the cases' rows. What is
specific to a case stays the case's: its stocks, flows, instruments and dated facts
(`conf/case/`), the policy of its time, and for Belarus 2024-25 the point fit of its own flows
and clemency (`belarus_2025_calibrated`). D is then run at draws from that posterior and every
row of its record scored as `qpq backtest` scores the forecast: the median, the 90% band (chance
and parameter uncertainty), the observation's percentile, whether the band holds it, and the
CRPS of a count or the Brier score of a relief, against the naive forecast that nothing happens
(no release, no relief, the stock as it started; its CRPS is the absolute error). `--hold-out each` does this for every
case in turn, plus the fit on all of them scored in sample: the leave-one-case-out table.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from quidproquo.config import load
from quidproquo.experiments import cases as episodes
from quidproquo.experiments.backtest import row
from quidproquo.experiments.posterior import PRIOR, resample, simulate, smc, weighted_quantiles

SHARED = tuple(p for p in PRIOR if p.name in ("visit_ask", "price", "relief_signal", "trust"))
BUDGET = {"particles": 600, "proposals": 6000, "generations": 4}
WORLDS = 1000  # the held-out case's worlds, each at a draw from the posterior
COLUMNS = ["held_out", "period", "quantity", "observed", "median", "q05", "q95", "percentile", "in_90", "score", "score_naive"]  # fmt: skip


class Setup:
    """A case ready to run at many draws: its config and its record's rows."""

    def __init__(self, name: str):
        self.case = episodes.case_named(name)
        # behaviour=none: the fit's draws set the shared behaviour; no behaviour file is read (or trusted)
        self.config = load(
            [*self.case.overrides, "behaviour=none", "output.figures=false", "output.event_log_worlds=0"]
        )
        self.rows = episodes.read_record(name, pd.Period(self.config.engine.start, freq="M"))

    def moments(self, theta: np.ndarray, first: int) -> np.ndarray:
        model = simulate(self.config, theta, first=first, rounds=self.case.rounds, prior=SHARED)
        return episodes.simulated(model, self.rows)


def fit(names: list[str], seed: int = 0, budget: dict | None = None, progress=None):
    """The posterior of the shared behaviour given the records of the cases `names`."""
    setups = [Setup(n) for n in names]
    observed = np.concatenate([s.rows.value.to_numpy() for s in setups])

    def run(proposal: np.ndarray, first: int):
        return np.column_stack([s.moments(proposal, first) for s in setups]), None

    budget = {**BUDGET, **(budget or {})}
    return smc(SHARED, run, observed, seed=seed, progress=progress, **budget)


def draws(posterior, worlds: int, seed: int) -> np.ndarray:
    """`worlds` particles of the posterior, drawn by weight (a stream apart from the sampler's and the forecast's)."""
    return posterior.theta[resample(posterior, worlds, seed, stream=23)]


def score(name: str, posterior, worlds: int = WORLDS, seed: int = 0, label: str | None = None) -> pd.DataFrame:
    """Every row of case `name`'s record scored against `worlds` runs at posterior draws."""
    setup = Setup(name)
    first = int(posterior.generations.proposals.sum())  # world numbers past every generation's
    sims = setup.moments(draws(posterior, worlds, seed), first)
    held = sum(t.initial for t in setup.config.goods.prisoners.values())
    naive = {False: 0.0, True: float(held)}  # nothing happens: no release, no relief, the stock as it started
    out = []
    for k, r in enumerate(setup.rows.itertuples()):
        values = sims[:, k]
        scored = row(r.quantity, r.period, r.value, values, naive[r.quantity == "held"])  # the backtest's row
        if r.quantity.startswith(("relief:", "in_force:")):  # a relief: the chance and its Brier score
            chance = float(values.mean())
            scored.update(median=chance, crps=(chance - r.value) ** 2, crps_base=float(r.value) ** 2)
        out.append({"held_out": label or name, **scored, "score": scored["crps"], "score_naive": scored["crps_base"]})
    return pd.DataFrame(out, columns=COLUMNS)


def leave_one_out(names: list[str], held_out: list[str], seed: int = 0, budget=None, progress=None) -> dict:
    """For each case of `held_out`: fit on the others of `names`, score it. With every case held
    out in turn (`--hold-out each`), the fit on all of them scored in sample is added."""
    begun = time.perf_counter()
    tables, fits = [], {}
    for case in held_out:
        training = [n for n in names if n != case]
        posterior = fit(training, seed, budget, progress)
        fits[case] = (training, posterior)
        tables.append(score(case, posterior, seed=seed))
    if len(held_out) > 1:
        posterior = fit(names, seed, budget, progress)
        fits["in sample"] = (names, posterior)
        tables += [score(n, posterior, seed=seed, label=f"{n} (in sample)") for n in names]
    return {"table": pd.concat(tables, ignore_index=True), "fits": fits, "seconds": time.perf_counter() - begun}


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per held-out case: rows in the 90% band, mean score against the naive forecast's."""
    return (
        table.groupby("held_out", sort=False)
        .agg(rows=("in_90", "size"), in_90=("in_90", "sum"), score=("score", "mean"), naive=("score_naive", "mean"))
        .reset_index()
    )


def parameters(fits: dict) -> pd.DataFrame:
    """Each fit's weighted median and 90% interval of every shared parameter."""
    rows = []
    for held, (training, posterior) in fits.items():
        for j, p in enumerate(SHARED):
            q = weighted_quantiles(posterior.theta[:, j], posterior.weights)
            rows.append({"held_out": held, "fitted_on": ",".join(training), "parameter": p.name, "q05": q[0], "median": q[1], "q95": q[2]})  # fmt: skip
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ writing
DRAWS = 500  # draws of the fit on every case written to conf/behaviour/posterior.yaml


def behaviour_yaml(posterior, names: list[str], command: str, seed: int = 0) -> str:
    """conf/behaviour/posterior.yaml: DRAWS draws by weight of the fit on `names`, world i of a
    run at draw i mod DRAWS (config.draws), so a case runs with the posterior's uncertainty."""
    picked = draws(posterior, DRAWS, seed)
    lines = [
        "# @package _global_",
        f"# posterior: the behaviour the cases share, as `{command}` fitted it on",
        f"# {', '.join(names)} (ABC-SMC; experiments/leave_one_out.py). World i of a run takes draw",
        f"# i mod {DRAWS} (`draws`): {DRAWS} draws by weight of the last generation, so bands hold the",
        "# parameters' uncertainty with the chance. Written by the command; edit the command, not this file.",
        "draws:",
    ]
    for j, p in enumerate(SHARED):
        values = ", ".join(repr(float(f"{v:.6g}")) for v in picked[:, j])  # 155.0, never 155: a float
        lines.append(f"  {p.key}: [{values}]")
    return "\n".join(lines) + "\n"


def report(result: dict, names: list[str], command: str, checks: dict[str, dict]) -> str:
    table, fits = result["table"], result["fits"]
    overall = summary(table)
    lines = [
        "# Leave one case out: the shared behaviour fitted on some episodes, scored on another",
        "",
        f"Made by `{command}` ({result['seconds']:.0f} s). Shared behaviour: "
        + ", ".join(f"`{p.key}` (prior {p.low:g}-{p.high:g})" for p in SHARED)
        + f". ABC-SMC {BUDGET['generations']} generations x {BUDGET['proposals']:,} proposals, "
        f"{BUDGET['particles']} particles; each held-out case run {WORLDS:,} times at posterior draws. Bands "
        "hold chance and parameter uncertainty together. A count is scored by its CRPS, a relief (1 if in force) "
        "by the Brier score of its chance; the naive forecast is that nothing happens (no release, no relief, the stock as it started).",
        "",
        "What stays each case's own: its stocks, flows, instruments and dated facts (conf/case/), the policy of "
        "its time, and for Belarus 2024-25 the point fit of its flows and clemency to its own record "
        "(belarus_2025_calibrated) -- so the Belarus rows are out of sample only for the shared behaviour.",
        "",
        "| held out | rows | in the 90% band | mean score | naive forecast's |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {r.held_out} | {r.rows} | {int(r.in_90)} | {r.score:,.2f} | {r.naive:,.2f} |"
            for r in overall.itertuples()
        ),
        "",
        "## Every row",
        "",
        "| held out | period | quantity | observed | median (chance for a relief) | 90% band | percentile | in band | score | naive |",
        "|---|---|---|---:|---:|---|---:|---|---:|---:|",
        *(
            f"| {r.held_out} | {r.period} | {r.quantity} | {r.observed:,.0f} | {r.median:,.2f} | {r.q05:,.0f} - {r.q95:,.0f} | "
            f"{r.percentile:.0%} | {'yes' if r.in_90 else '**no**'} | {r.score:,.2f} | {r.score_naive:,.2f} |"
            for r in table.itertuples()
        ),
        "",
        "## The shared behaviour each fit finds (weighted median, 90% interval)",
        "",
        "| held out | fitted on | parameter | median | 90% interval |",
        "|---|---|---|---:|---|",
        *(
            f"| {r.held_out} | {r.fitted_on} | {r.parameter} | {r.median:.4g} | {r.q05:.4g} - {r.q95:.4g} |"
            for r in parameters(fits).itertuples()
        ),
    ]
    if checks:
        lines += [
            "",
            "## The episodes under the fit on every case (in sample), per world at its own draw",
            "",
            "| case | what | share of worlds or number |",
            "|---|---|---:|",
            *(
                f"| {case} | {what} | {value:.0%} |"
                if value <= 1 and "median" not in what
                else f"| {case} | {what} | {value:,.0f} |"
                for case, found in checks.items()
                for what, value in found.items()
            ),
        ]
    return "\n".join(lines) + "\n"


def checks_under(posterior, names: list[str], worlds: int = 2000, seed: int = 0) -> dict[str, dict]:
    """episode_checks for each case but Belarus 2024-25, at `worlds` posterior draws."""
    out = {}
    for name in names:
        if name == "belarus_2024_25":
            continue
        setup = Setup(name)
        model = simulate(
            setup.config, draws(posterior, worlds, seed), first=10**7, rounds=setup.case.rounds, prior=SHARED
        )
        out[name] = episodes.episode_checks(name, model)
    return out


def write(
    names: list[str], held_out: list[str], out, command: str, behaviour=None, seed: int = 0, progress=None
) -> dict:
    """Run the leave-one-out fits and write table.csv, parameters.csv and leave_one_out.md into
    `out` (a run folder, done.json last); with `behaviour` (a path), also the fit on every case's
    draws there."""
    from pathlib import Path

    from quidproquo.runs import publish, storage

    result = leave_one_out(names, held_out, seed=seed, progress=progress)
    if "in sample" not in result["fits"]:
        result["fits"]["in sample"] = (names, fit(names, seed, progress=progress))
    everyone = result["fits"]["in sample"][1]
    checks = checks_under(everyone, names, seed=seed)
    out = Path(out)
    with publish.remade(out, WORLDS, result["seconds"]) as staged:
        storage.write_text(result["table"].to_csv(index=False), staged / "table.csv")
        storage.write_text(parameters(result["fits"]).to_csv(index=False), staged / "parameters.csv")
        storage.write_text(report(result, names, command, checks), staged / "leave_one_out.md")
    if behaviour is not None:
        storage.write_text(behaviour_yaml(everyone, names, command, seed), Path(behaviour))
    return {**result, "checks": checks}
