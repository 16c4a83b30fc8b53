"""Figures of a run, sized and lettered to be read when projected in a seminar room."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm

from quidproquo.engine.instruments import relief_in_force
from quidproquo.experiments.bands import QUANTILES
from quidproquo.labels import colour, label

plt.rcParams.update(
    {
        "font.size": 14,
        "axes.titlesize": 17,
        "axes.labelsize": 15,
        "legend.fontsize": 12,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.dpi": 110,
    }
)
COLOURS = {"band90": "#c6dbef", "band50": "#6baed6", "median": "#08519c", "world0": "#d94801"}


def by_round(rounds: pd.DataFrame, column: str) -> np.ndarray:
    """A (worlds x rounds) matrix of one series; the rounds table is world-major."""
    n_rounds = rounds["round"].nunique()
    return rounds[column].to_numpy(dtype=np.float64).reshape(-1, n_rounds)


def fan(
    ax, dates, values: np.ndarray, name: str, tint: str = COLOURS["median"], world0: bool = True, counts: bool = False
) -> None:
    """Median, 50% and 90% bands across worlds, and world 0 as a line; `name` (e.g. " thaw")
    labels every one of them, so a legend tells two runs' bands apart. `counts` (a whole number a
    world, e.g. instruments relieved) takes each quantile as a value some world has and draws
    month by month as steps: interpolating between worlds and between months would cut a
    triangle out of a band wherever the share of worlds at a count crosses 5% for one month."""
    method = "inverted_cdf" if counts else "linear"
    q05, q25, q50, q75, q95 = np.quantile(values, list(QUANTILES.values()), axis=0, method=method)
    step = {"step": "post"} if counts else {}
    if counts:  # the range of all worlds beneath: where 95% of worlds hold some count, the band's floor is no hole
        ax.fill_between(
            dates,
            values.min(axis=0),
            values.max(axis=0),
            color=tint,
            alpha=0.07,
            lw=0,
            label=f"all worlds{name}",
            **step,
        )
    ax.fill_between(dates, q05, q95, color=tint, alpha=0.18, lw=0, label=f"90% of worlds{name}", **step)
    ax.fill_between(dates, q25, q75, color=tint, alpha=0.35, lw=0, label=f"50% of worlds{name}", **step)
    ax.plot(dates, q50, color=tint, lw=2.5, label=f"median{name}", drawstyle="steps-post" if counts else "default")
    if world0:
        ax.plot(dates, values[0], color=COLOURS["world0"], lw=1.5, ls="--", label=f"world 0{name}")


def wrapped(text: str, width: int = 34) -> str:
    """An axis label on as many lines as it needs, so a long one is never cut at the figure's edge."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def _dates(rounds: pd.DataFrame):
    return pd.to_datetime(rounds.loc[rounds["world"] == rounds["world"].iloc[0], "date"]).to_numpy()


def prisoners_fan(rounds: pd.DataFrame, title: str):
    return series_fan(_dates(rounds), by_round(rounds, "prisoners_held"), "prisoners_held", title)


def series_fan(dates, values: np.ndarray, series: str, title: str):
    """The fan chart of one series, (worlds x rounds), across worlds: what `prisoners_fan` and
    `sanctions_cost` draw from a rounds table, here from the matrix (a run draws it from its record)."""
    fig, ax = plt.subplots(figsize=(11, 6), layout="constrained")
    fan(ax, dates, values, "")
    ax.set(title=title, ylabel=wrapped(label(series)), xlabel="month")
    if series == "sanctions_cost":
        ax.set_ylim(bottom=0)
    ax.legend(loc="best", frameon=False)
    return fig


def _relieved(rounds: pd.DataFrame, name: str) -> np.ndarray:
    """Rows of a rounds table in which instrument `name` has relief in force (the model's rule);
    a table without the instrument's relief column counts its state alone."""
    level = rounds[f"relief_{name}"].to_numpy() if f"relief_{name}" in rounds else 0
    return relief_in_force(
        rounds[f"instrument_{name}"].astype(str).to_numpy(dtype=object), np.broadcast_to(level, len(rounds))
    )


def instrument_states(rounds: pd.DataFrame, instruments: list[str], title: str):
    """Share of worlds in which each instrument has relief in force (a step, lifted or suspended), month by month.

    A heat strip rather than lines: instruments relieved together would hide each other.
    """
    dates = pd.DatetimeIndex(_dates(rounds))
    share = np.array([100 * _relieved(rounds, name).reshape(-1, dates.size).mean(axis=0) for name in instruments])
    return instrument_strip(dates, share, instruments, title)


def instrument_strip(dates, share: np.ndarray, instruments: list[str], title: str):
    """The strip of `instrument_states` from its numbers: `share` (instruments x rounds), the % of
    worlds with relief in force."""
    dates = pd.DatetimeIndex(dates)
    fig, ax = plt.subplots(figsize=(12, 1.6 + 0.55 * len(instruments)), layout="constrained")
    image = ax.imshow(share, aspect="auto", cmap="Blues", vmin=0, vmax=100, interpolation="nearest")
    ax.set_yticks(range(len(instruments)), [label(name) for name in instruments])
    ticks = list(range(0, dates.size, max(1, dates.size // 9)))
    ax.set_xticks(ticks, [dates[i].strftime("%Y-%m") for i in ticks])
    ax.set(title=title, xlabel="month")
    ax.spines[:].set_visible(False)
    fig.colorbar(image, ax=ax, label="% of worlds lifted or suspended", pad=0.01)
    return fig


def sanctions_cost(rounds: pd.DataFrame, title: str):
    return series_fan(_dates(rounds), by_round(rounds, "sanctions_cost"), "sanctions_cost", title)


def close(fig) -> None:
    plt.close(fig)


# ------------------------------------------------------------------------ comparisons
PAIR = (colour("thaw"), colour("freeze"))  # the two colours of a thaw-against-freeze figure


def _tints(names: tuple[str, str]) -> tuple[str, str]:
    """One colour per scenario everywhere (thaw blue, freeze red); two runs never share one."""
    first, second = colour(names[0].split(" (")[0], 0), colour(names[1].split(" (")[0], 1)
    return (first, second) if first != second else (first, colour("", 1 if first != colour("", 1) else 2))


def fan_pair(rounds_a: pd.DataFrame, rounds_b: pd.DataFrame, names: tuple[str, str]):
    """Both runs' fan charts of prisoners held on one axis; the legend names every band."""
    fig, ax = plt.subplots(figsize=(11, 6), layout="constrained")
    for rounds, name, tint in zip((rounds_a, rounds_b), names, _tints(names)):
        fan(ax, _dates(rounds), by_round(rounds, "prisoners_held"), f" {name}", tint, world0=False)
    ax.legend(frameon=False, loc="best", ncols=2)
    ax.set(title="Political prisoners held", ylabel=label("prisoners_held"), xlabel="month")
    return fig


def distributions(worlds_a: pd.DataFrame, worlds_b: pd.DataFrame, names: tuple[str, str], outcomes: dict[str, str]):
    """Each outcome's distribution across worlds, the two runs side by side, medians in black."""
    fig, axes = plt.subplots(1, len(outcomes), figsize=(5 * len(outcomes), 5), layout="constrained")
    for ax, (column, title) in zip(np.atleast_1d(axes), outcomes.items()):
        data = [w[column].dropna().to_numpy(dtype=float) for w in (worlds_a, worlds_b)]
        parts = ax.violinplot(data, showmedians=True)
        for body, tint in zip(parts["bodies"], _tints(names)):
            body.set_facecolor(tint)
            body.set_alpha(0.5)
        for line in ("cmedians", "cmins", "cmaxes", "cbars"):
            parts[line].set_color("black")
        ax.set_xticks([1, 2], names)
        ax.set_title(title)
        ax.set_ylabel("people per world")
        if column == "net_change":
            ax.axhline(0, color="grey", lw=0.8)
    return fig


def survival(worlds_a: pd.DataFrame, worlds_b: pd.DataFrame, names: tuple[str, str], rounds: int):
    """Share of worlds still without a deal, month by month (worlds never dealing stay in)."""
    fig, ax = plt.subplots(figsize=(11, 6), layout="constrained")
    months = np.arange(rounds + 1)
    for worlds, name, tint in zip((worlds_a, worlds_b), names, _tints(names)):
        first = worlds["first_deal_round"].astype("Float64").fillna(np.inf).to_numpy(dtype=float)
        still = [(first >= m).mean() * 100 for m in months]  # a deal in month m ends that month
        ax.step(months, still, where="post", lw=2.5, color=tint, label=name)
    ax.set(
        title="Time to the first deal",
        xlabel="months from the start",
        ylabel="% of worlds without a deal yet",
        ylim=(-2, 102),
    )
    ax.legend(frameon=False)
    return fig


def instruments_relieved(rounds_a: pd.DataFrame, rounds_b: pd.DataFrame, names: tuple[str, str]):
    """How many instruments have relief in force, month by month: median and bands."""
    fig, ax = plt.subplots(figsize=(11, 6), layout="constrained")
    for rounds, name, tint in zip((rounds_a, rounds_b), names, _tints(names)):
        columns = [c for c in rounds.columns if c.startswith("instrument_")]
        relieved = sum(_relieved(rounds, c.removeprefix("instrument_")).astype(float) for c in columns)
        n_rounds = rounds["round"].nunique()
        fan(ax, _dates(rounds), relieved.reshape(-1, n_rounds), f" {name}", tint, world0=False, counts=True)
    ax.legend(frameon=False, loc="upper left", ncols=2, fontsize=10)
    ax.set_ylim(top=ax.get_ylim()[1] * 1.3)  # room for the legend above the bands
    ax.set(
        title="Sanctions instruments with relief in force",
        ylabel="instruments (any step, lifted or suspended)",
        xlabel="month",
    )
    return fig


def decomposition_over_time(parts: pd.DataFrame, names: tuple[str, str]):
    """The gap A - B in prisoners held, month by month, and what each mechanism contributes to it
    (Shapley shares; `parts`: round, date, mechanism, gap, with "total" the gap itself)."""
    fig, ax = plt.subplots(figsize=(11, 6), layout="constrained")
    dates = pd.to_datetime(parts.loc[parts.mechanism == "total", "date"]).to_numpy()
    palette = plt.get_cmap("tab10")
    for k, (mechanism, part) in enumerate((m, p) for m, p in parts.groupby("mechanism", sort=False) if m != "total"):
        ax.plot(
            dates,
            part["gap"].to_numpy(),
            lw=2,
            color="grey" if mechanism == "other" else palette(k),
            ls=":" if mechanism == "other" else "-",
            label=mechanism,
        )
    ax.plot(dates, parts.loc[parts.mechanism == "total", "gap"].to_numpy(), color="black", lw=3.5, label="total gap")
    ax.axhline(0, color="grey", lw=0.8)
    a, b = names
    ax.set(
        title=f"Where the gap comes from, month by month: {a} minus {b}",
        ylabel=wrapped(f"prisoners held, {a} minus {b} (mean over paired worlds)"),
        xlabel="month",
    )
    ax.legend(frameon=False, loc="best", ncols=2)
    return fig


# ------------------------------------------------------------------------------ sweeps
def outcome_by_parameter(sweep: pd.DataFrame, parameter: str, outcome: str, by: str | None):
    """An outcome's median and 50%/90% bands across worlds against one swept parameter."""
    fig, ax = plt.subplots(figsize=(11, 6), layout="constrained")
    groups = sweep.groupby(by, sort=True) if by else [(None, sweep)]
    for i, (name, frame) in enumerate(groups):
        tint = colour(str(name) if by else "", i)
        stats = frame.groupby(parameter)[outcome].quantile(list(QUANTILES.values())).unstack()
        x = stats.index.to_numpy(dtype=float)
        who = f" {name}" if by else ""
        q = {key: stats[level] for key, level in QUANTILES.items()}
        ax.fill_between(x, q["q05"], q["q95"], color=tint, alpha=0.15, lw=0, label=f"90% of worlds{who}")
        ax.fill_between(x, q["q25"], q["q75"], color=tint, alpha=0.3, lw=0, label=f"50% of worlds{who}")
        ax.plot(x, q["q50"], "o-", color=tint, lw=2.5, label=f"median{who}")
    others = [c for c in sweep.columns[: sweep.columns.get_loc("world")] if c not in (parameter, by)]
    pooled = f"; pooled over {', '.join(label(o) for o in others)}" if others else ""
    ax.set(
        title=f"{label(outcome).split(' (')[0]} against {label(parameter).split(' (')[0]}\n(median, 50% and 90% of worlds{pooled})",
        xlabel=label(parameter),
        ylabel=label(outcome),
    )
    ax.axhline(0, color="grey", lw=0.8)
    ax.legend(frameon=False, ncols=2)
    return fig


def outcome_heatmap(sweep: pd.DataFrame, x: str, y: str, outcome: str, title: str):
    """The median of an outcome over two swept parameters.

    The diverging colours are always centred on zero, so that white means "no change" and blue
    and red read as fewer and more (of prisoners, for `net_change`), whatever the range.
    """
    table = sweep.groupby([y, x])[outcome].median().unstack(x)
    values = table.to_numpy(dtype=float)
    reach = max(float(np.nanmax(np.abs(values))), 1e-9)
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-reach, vmax=reach)
    fig, ax = plt.subplots(figsize=(10, 7), layout="constrained")
    image = ax.imshow(values, origin="lower", aspect="auto", cmap="RdBu_r", norm=norm)
    ax.set_xticks(range(table.shape[1]), [f"{v:g}" if isinstance(v, float) else str(v) for v in table.columns])
    ax.set_yticks(range(table.shape[0]), [f"{v:g}" if isinstance(v, float) else str(v) for v in table.index])
    for (i, j), value in np.ndenumerate(values):
        dark = abs(float(image.norm(value)) - 0.5) > 0.3  # white figures on the saturated ends of the scale
        ax.text(j, i, f"{value:,.0f}", ha="center", va="center", fontsize=13, color="white" if dark else "black")
    ax.set(title=title, xlabel=label(x), ylabel=label(y))
    fig.colorbar(image, ax=ax, label=f"median {label(outcome)}")
    return fig
