"""Thaw against freeze from the record's state, over the posterior:
`qpq compare thaw freeze --from-record 2025-12 [--months 36]`.

Both policies start where `qpq forecast` starts -- the record at the origin, each world at its own
draw from the posterior fitted up to it (experiments/forecast.py) -- and run the same worlds: the
same draws, world numbers and random streams, so world i's gap is a paired difference.
`thaw`: Washington engages as fitted (the posterior's engagement) and bargains. `freeze`: the
same worlds with no envoy, hence no talks (engagement 0). Nothing else differs.

What the intervals are: the gap's 90% band over worlds holds chance and parameter uncertainty
together (where one future may fall); the mean gap's 95% interval (BCa bootstrap over worlds) says
how well the simulated worlds pin down that mean, and is not a band for one future.

By mechanism: thaw's paired worlds are run again with each of the decomposition's mechanisms
(experiments/decompose.py CHANNELS) switched off, in every combination, and each world's gap is
split by Shapley value world by world -- so each mechanism's share has a band over worlds that
holds parameter uncertainty too -- over the first `decompose.decomposition_worlds` paired worlds.

Which parameters flip the sign: for each fitted parameter, the worlds whose draw lies in its lowest
and in its highest posterior third; where the mean gap at the last month, or in prisoner-months,
has opposite signs in the two thirds, the plausible range of that parameter flips the sign.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import pandas as pd

from quidproquo.config import ConfigError
from quidproquo.experiments import forecast as fc
from quidproquo.experiments import plots
from quidproquo.experiments import posterior as abc
from quidproquo.experiments.bands import BAND90, BAND_AND_MEDIAN
from quidproquo.experiments.compare import paired_difference
from quidproquo.experiments.decompose import CHANNELS, decomposition_worlds, shapley

POLICIES = {"thaw": {}, "freeze": {"actors.washington.engagement": 0.0}}


def check_policies(a: str, b: str) -> None:
    for name in (a, b):
        if name not in POLICIES:
            raise ConfigError(
                f"qpq compare --from-record: {name!r} is not a policy a record's start takes; allowed: {', '.join(POLICIES)}"
            )
    if a == b:
        raise ConfigError(f"qpq compare --from-record: {a} against itself; give two policies ({', '.join(POLICIES)})")


def gaps(
    origin: str, months: int, a: str = "thaw", b: str = "freeze", worlds: int = 2000, seed: int = 0, progress=None
):
    """(per-month gap table, sign-flip table, headline, the two forecasts)."""
    check_policies(a, b)
    at, months = fc.check_origin(origin, flag="--from-record"), fc.check_months(months)
    first = fc.run(at, months, worlds, seed, progress=progress, policy=POLICIES[a])
    second = fc.run(at, months, worlds, seed, posterior=first.posterior, policy=POLICIES[b])
    held_a = first.model.recorder.prisoners.sum(axis=2).astype(float)  # (rounds, worlds)
    held_b = second.model.recorder.prisoners.sum(axis=2).astype(float)
    gap = held_a - held_b
    rows = []
    for r in range(months):
        q05, q50, q95 = np.quantile(gap[r], BAND_AND_MEDIAN)
        rows.append({"month": str(first.model.start + r), "mean": gap[r].mean(), "median": q50, "q05": q05, "q95": q95,
                     "share_below_zero": float((gap[r] < 0).mean())})  # fmt: skip
    table = pd.DataFrame(rows)
    end, months_held = gap[-1], gap.sum(axis=0)
    headline = {"worlds": worlds, "months": months, "origin": str(at), "a": a, "b": b}
    for name, values in (("end", end), ("prisoner_months", months_held)):
        mean, low, high, _ = paired_difference(values, np.zeros_like(values), 2000, seed)
        q05, q95 = np.quantile(values, BAND90)
        headline |= {f"{name}_mean": mean, f"{name}_ci_low": low, f"{name}_ci_high": high,
                     f"{name}_q05": q05, f"{name}_q95": q95, f"{name}_below_zero": float((values < 0).mean())}  # fmt: skip
    parts = mechanisms(first, second, months, POLICIES[a], seed)
    draws = first.posterior.theta[first.picked]  # (worlds, parameters): each world's draw
    flips = []
    for j, p in enumerate(abc.PRIOR):
        low_cut, high_cut = np.quantile(draws[:, j], [1 / 3, 2 / 3])
        low, high = draws[:, j] <= low_cut, draws[:, j] >= high_cut
        row = {"parameter": p.name, "key": p.key, "low_third": f"<= {low_cut:.3g}", "high_third": f">= {high_cut:.3g}"}
        for name, values in (("end", end), ("prisoner_months", months_held)):
            lo, hi = float(values[low].mean()), float(values[high].mean())
            row |= {f"{name}_low": lo, f"{name}_high": hi, f"{name}_flips": bool(np.sign(lo) * np.sign(hi) < 0)}
        flips.append(row)
    headline["mechanisms"] = parts
    return table, pd.DataFrame(flips), headline, (first, second)


def mechanisms(first, second, months: int, policy: dict, seed: int) -> pd.DataFrame:
    """Per mechanism (and "other", "total") and measure (the gap at the end, prisoner-months): the
    mean Shapley share over worlds and its 90% band, from thaw's worlds re-run with every
    combination of mechanisms off."""
    names, n = list(CHANNELS), len(CHANNELS)
    worlds = decomposition_worlds(first.model.num_worlds)
    held_b = second.model.recorder.prisoners.sum(axis=2).astype(float)[:, :worlds]
    combinations = list(itertools.product((False, True), repeat=n))
    policies = []
    for on in combinations:
        switched = dict(policy)
        for name, flag in zip(names, on):
            if not flag:
                switched |= CHANNELS[name]
        policies.append(switched)
    # Every combination is a block of the same worlds in one model (fc.run's `policies`).
    run = fc.run(
        first.origin, months, posterior=first.posterior, seed=seed, picked=first.picked[:worlds], policies=policies
    )
    held = run.model.recorder.prisoners.sum(axis=2).astype(float)
    value = {}
    for k, on in enumerate(combinations):
        block = held[:, k * worlds : (k + 1) * worlds]
        active = frozenset(name for name, flag in zip(names, on) if flag)
        value[active] = {"end": block[-1] - held_b[-1], "prisoner_months": block.sum(axis=0) - held_b.sum(axis=0)}
    rows = []
    for measure in ("end", "prisoner_months"):
        parts = shapley({active: v[measure] for active, v in value.items()}, names)
        parts["other"], parts["total"] = value[frozenset()][measure], value[frozenset(names)][measure]
        for name, share in parts.items():
            q05, q95 = np.quantile(share, BAND90)
            rows.append(
                {"measure": measure, "mechanism": name, "mean": share.mean(), "q05": q05, "q95": q95, "worlds": worlds}
            )
    return pd.DataFrame(rows)


def figure(table: pd.DataFrame, headline: dict):
    fig, ax = plots.plt.subplots(figsize=(11, 6), layout="constrained")
    x = pd.PeriodIndex(table.month, freq="M").to_timestamp(how="end")
    ax.fill_between(
        x, table.q05, table.q95, color="#aec7e8", alpha=0.7, label="90% of worlds (chance and parameter uncertainty)"
    )
    ax.plot(x, table["median"], color="#1f4e79", lw=2, label="median world")
    ax.plot(x, table["mean"], color="black", lw=1, ls="--", label="mean over worlds")
    ax.axhline(0, color="grey", lw=1)
    ax.set(title=f"{headline['a']} minus {headline['b']} from the record at {headline['origin']}: prisoners held, paired worlds",
           ylabel="gap in prisoners held (below zero: fewer under " + headline["a"] + ")", xlabel="month")  # fmt: skip
    ax.legend(frameon=False, loc="lower left")
    return fig


def report(table: pd.DataFrame, flips: pd.DataFrame, headline: dict, seconds: float, command: str) -> str:
    a, b, h = headline["a"], headline["b"], headline
    every = max(1, len(table) // 12)
    rows = "\n".join(
        f"| {r.month} | {r.mean:+,.0f} | {r.median:+,.0f} | {r.q05:+,.0f} to {r.q95:+,.0f} | {r.share_below_zero:.0%} |"
        for r in table.iloc[every - 1 :: every].itertuples()
    )
    flipping = flips[flips.end_flips | flips.prisoner_months_flips]
    flip_rows = "\n".join(
        f"| {r.parameter} | {r.low_third} | {r.end_low:+,.0f} | {r.high_third} | {r.end_high:+,.0f} | "
        f"{r.prisoner_months_low:+,.0f} | {r.prisoner_months_high:+,.0f} | {'yes' if r.end_flips else 'no'} | "
        f"{'yes' if r.prisoner_months_flips else 'no'} |"
        for r in flips.itertuples()
    )
    names = ", ".join(flipping.parameter) or "none"
    m = h["mechanisms"].set_index(["mechanism", "measure"])
    mechanism_rows = "\n".join(
        f"| {name} | {m.loc[(name, 'end'), 'mean']:+,.0f} | {m.loc[(name, 'end'), 'q05']:+,.0f} to {m.loc[(name, 'end'), 'q95']:+,.0f} | "
        f"{m.loc[(name, 'prisoner_months'), 'mean']:+,.0f} | {m.loc[(name, 'prisoner_months'), 'q05']:+,.0f} to {m.loc[(name, 'prisoner_months'), 'q95']:+,.0f} |"
        for name in dict.fromkeys(h["mechanisms"].mechanism)
    )
    return f"""# {a} against {b} from the record at {h["origin"]}, over the posterior

`{command}` ({h["worlds"]:,} paired worlds, {h["months"]} months, {seconds:.0f} s). Both policies start from
the record's state at {h["origin"]}, each world at its own draw from the posterior fitted to the record up
to then; world i runs the same draw and random streams under both. {a}: Washington engages as fitted
and bargains; {b}: no envoy, no talks. Nothing else differs.

**What the intervals are.** The 90% band is over worlds: it holds chance and parameter uncertainty
together, where one future may fall. The 95% interval of a mean (bootstrap over worlds) says only
how well these worlds pin down the mean.

- Held at the end ({table.month.iloc[-1]}), {a} minus {b}: mean **{h["end_mean"]:+,.0f}** (95% interval of the
  mean {h["end_ci_low"]:+,.0f} to {h["end_ci_high"]:+,.0f}); 90% of worlds between {h["end_q05"]:+,.0f} and
  {h["end_q95"]:+,.0f}; {a} holds fewer in {h["end_below_zero"]:.0%} of worlds.
- Prisoner-months over the {h["months"]} months: mean **{h["prisoner_months_mean"]:+,.0f}** (95% interval of the
  mean {h["prisoner_months_ci_low"]:+,.0f} to {h["prisoner_months_ci_high"]:+,.0f}); 90% of worlds between
  {h["prisoner_months_q05"]:+,.0f} and {h["prisoner_months_q95"]:+,.0f}; fewer under {a} in {h["prisoner_months_below_zero"]:.0%} of worlds.
- Parameters whose plausible range flips the sign of the gap at the end or of prisoner-months: **{names}**.

| month | mean gap | median gap | 90% of worlds | worlds where {a} holds fewer |
|---|---:|---:|---:|---:|
{rows}

## Which parameters flip the sign

Worlds split by each parameter's posterior thirds; the mean gap in each.

| parameter | low third | gap at the end | high third | gap at the end | prisoner-months, low | prisoner-months, high | end flips | prisoner-months flip |
|---|---|---:|---|---:|---:|---:|---|---|
{flip_rows}

## By mechanism

Each mechanism's Shapley share of each world's gap ({h["mechanisms"].worlds.iloc[0]:,} paired worlds): its
mean, and the 90% of worlds (chance and parameter uncertainty). "Other" is what no mechanism
covers; shares and other add up to the total in every world.

| mechanism | gap at the end: mean | 90% of worlds | prisoner-months: mean | 90% of worlds |
|---|---:|---:|---:|---:|
{mechanism_rows}

![gap](gap.png)
"""


def write(
    origin: str, months: int, a: str, b: str, out, worlds: int = 2000, seed: int = 0, progress=None, command: str = ""
) -> dict:
    from quidproquo.runs import publish, storage

    begun = time.perf_counter()
    table, flips, headline, _ = gaps(origin, months, a, b, worlds, seed, progress)
    seconds = time.perf_counter() - begun
    with publish.remade(out, worlds, seconds) as staged:
        storage.write_text(table.to_csv(index=False), staged / "gap.csv")
        storage.write_text(flips.to_csv(index=False), staged / "flips.csv")
        storage.write_text(headline["mechanisms"].to_csv(index=False), staged / "mechanisms.csv")
        fig = figure(table, headline)
        storage.write_figure(fig, staged / "gap.png")
        plots.close(fig)
        text = report(
            table, flips, headline, seconds, command or f"qpq compare {a} {b} --from-record {origin} --months {months}"
        )
        storage.write_text(text, staged / "report.md")
    return {"gap": table, "flips": flips, "headline": headline}
