"""Figures of a run, sized and lettered to be read when projected in a seminar room."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

plt.rcParams.update({"font.size": 14, "axes.titlesize": 17, "axes.labelsize": 15, "legend.fontsize": 12,
                     "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": 110})
COLOURS = {"band90": "#c6dbef", "band50": "#6baed6", "median": "#08519c", "world0": "#d94801"}


def by_round(rounds: pd.DataFrame, column: str) -> np.ndarray:
    """A (worlds x rounds) matrix of one series; the rounds table is world-major."""
    n_rounds = rounds["round"].nunique()
    return rounds[column].to_numpy(dtype=np.float64).reshape(-1, n_rounds)


def fan(ax, dates, values: np.ndarray, label: str, colour: str = COLOURS["median"], world0: bool = True) -> None:
    """Median, 50% and 90% bands across worlds, and world 0 as a line."""
    q05, q25, q50, q75, q95 = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    ax.fill_between(dates, q05, q95, color=colour, alpha=0.18, lw=0, label="90% of worlds")
    ax.fill_between(dates, q25, q75, color=colour, alpha=0.35, lw=0, label="50% of worlds")
    ax.plot(dates, q50, color=colour, lw=2.5, label=f"median{label}")
    if world0:
        ax.plot(dates, values[0], color=COLOURS["world0"], lw=1.5, ls="--", label="world 0")


def _dates(rounds: pd.DataFrame):
    return pd.to_datetime(rounds.loc[rounds["world"] == rounds["world"].iloc[0], "date"]).to_numpy()


def prisoners_fan(rounds: pd.DataFrame, title: str):
    fig, ax = plt.subplots(figsize=(11, 6), layout="constrained")
    fan(ax, _dates(rounds), by_round(rounds, "prisoners_held"), "")
    ax.set(title=title, ylabel="political prisoners held", xlabel="month")
    ax.legend(loc="best", frameon=False)
    return fig


def instrument_states(rounds: pd.DataFrame, instruments: list[str], title: str):
    """Share of worlds in which each instrument is lifted or suspended, month by month.

    A heat strip rather than lines: instruments relieved together would hide each other.
    """
    dates = pd.DatetimeIndex(_dates(rounds))
    share = np.array([100 * (rounds[f"instrument_{name}"] != "imposed").to_numpy().reshape(-1, dates.size).mean(axis=0)
                      for name in instruments])
    fig, ax = plt.subplots(figsize=(12, 1.6 + 0.55 * len(instruments)), layout="constrained")
    image = ax.imshow(share, aspect="auto", cmap="Blues", vmin=0, vmax=100, interpolation="nearest")
    ax.set_yticks(range(len(instruments)), instruments)
    ticks = list(range(0, dates.size, max(1, dates.size // 9)))
    ax.set_xticks(ticks, [dates[i].strftime("%Y-%m") for i in ticks])
    ax.set(title=title, xlabel="month")
    ax.spines[:].set_visible(False)
    fig.colorbar(image, ax=ax, label="% of worlds lifted or suspended", pad=0.01)
    return fig


def sanctions_cost(rounds: pd.DataFrame, title: str):
    fig, ax = plt.subplots(figsize=(11, 6), layout="constrained")
    fan(ax, _dates(rounds), by_round(rounds, "sanctions_cost"), "")
    ax.set(title=title, ylabel="sanctions cost to Minsk (USD m a month)", xlabel="month")
    ax.set_ylim(bottom=0)
    ax.legend(loc="best", frameon=False)
    return fig


def close(fig) -> None:
    plt.close(fig)
