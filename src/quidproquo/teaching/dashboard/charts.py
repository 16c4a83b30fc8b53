"""The dashboard's two charts, lettered for a projector and cheap to redraw every month.

Every world is shown as a fan (median, 50% and 90% of worlds) with world 0 as a dashed line,
from month 0 -- the worlds before the first month -- to the months run so far, on an axis that
spans the whole horizon. Names and units come from `labels.py`, as in the report figures.

Reading at the back of a room: the PNG is `WIDTH` x `DPI` pixels and the page shows it at the
width of its column (`width: 100%`), about its natural size at 1024x768; the smallest text is
`FONT` points, `FONT * DPI / 72` = 18 pixels at natural size, so it stays above 16 CSS pixels
down to 89% of it (`tests/test_dashboard_browser.py` measures it in the page).

Speed: a chart's Figure, axes, ticks and legend are made once per model; a month only moves
the bands and lines (`set_data`), sets the y range, and encodes the PNG with light compression.
Building and laying out a new Figure every month cost most of a step's time (issue 13:
0.85-1.2 s at 100 worlds); `benchmarks/dashboard_step.py` measures both ways.
"""

from __future__ import annotations

import io
import threading

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, StrMethodFormatter
from PIL import Image

from quidproquo.labels import LABELS, label, text
from quidproquo.experiments.plots import COLOURS

DPI = 100
WIDTH = 7.2  # inches: 720 px, the width of the main column at 1024x768 with the sidebar open
FONT = 14  # points, the smallest text on a chart (ticks, legend); titles are larger
TITLE = 16
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


class Fan:
    """One axes' fan: 90% and 50% bands across worlds, the median, and world 0 (dashed)."""

    def __init__(self, ax, x0: float, world0: bool = True):
        tint = COLOURS["median"]
        self.ax = ax
        self.band90 = ax.fill_between([x0], [0.0], [0.0], color=tint, alpha=0.18, lw=0, label="90% of worlds")
        self.band50 = ax.fill_between([x0], [0.0], [0.0], color=tint, alpha=0.35, lw=0, label="50% of worlds")
        (self.median,) = ax.plot([x0], [0.0], color=tint, lw=3, label="median", marker="o", markersize=4)
        self.world0 = ax.plot([x0], [0.0], color=COLOURS["world0"], lw=2, ls="--", label="world 0")[0] if world0 else None

    def update(self, x: np.ndarray, values: np.ndarray, floor: float | None = None) -> None:
        """`values` (worlds, months) at dates `x` (months,)."""
        q05, q25, q50, q75, q95 = np.quantile(values, QUANTILES, axis=0)
        self.band90.set_data(x, q05, q95)
        self.band50.set_data(x, q25, q75)
        self.median.set_data(x, q50)
        if self.world0 is not None:
            self.world0.set_data(x, values[0])
        low, high = float(min(q05.min(), values[0].min())), float(max(q95.max(), values[0].max()))
        pad = max(0.08 * (high - low), 0.05 * max(abs(high), 1e-9), 1e-6)
        self.ax.set_ylim(low - pad if floor is None else max(low - pad, floor), high + pad)


def _style(ax, x: np.ndarray, model) -> None:
    """A shared date axis over the whole horizon, lettered at `FONT`."""
    ax.set_xlim(x[0], x[-1])
    months = model.rounds
    every = next(step for step in (1, 2, 3, 6, 12, 24, 60) if months / step <= 6)
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=range(1, 13, every) if every < 12 else [1],
                                                   bymonthday=1))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.tick_params(labelsize=FONT, length=5)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#dddddd", lw=0.8)


class Chart:
    """A Figure drawn once; `png()` moves its data to the months run and encodes it."""

    def __init__(self, figure: Figure, fans: list[tuple[Fan, callable, float | None]], x: np.ndarray):
        self.figure, self.fans, self.x = figure, fans, x
        self.canvas = FigureCanvasAgg(figure)

    def png(self, months: int) -> bytes:
        """The chart with month 0 and `months` months run, as PNG bytes."""
        x = self.x[: months + 1]
        for fan, series, floor in self.fans:
            fan.update(x, series(months), floor)
        self.canvas.draw()
        out = io.BytesIO()
        # Light compression: level 1 encodes several times faster than the default 6, and the
        # file stays small next to the page (a few tens of kB on a local network).
        Image.frombuffer("RGBA", self.canvas.get_width_height(), self.canvas.buffer_rgba()).save(out, format="png", compress_level=1)
        return out.getvalue()


def _series(initial: np.ndarray, recorded):
    """(worlds, months + 1): the worlds before the first month, then each month recorded."""
    return lambda months: np.column_stack([initial, recorded(months).T.astype(float)]) if months else initial[:, None]


class Charts:
    """The page's charts for one model. `png(name)` is cached per month, so that the page's
    re-renders between steps (a choice in the play form, say) cost nothing; a lock keeps the
    play button's stepping thread and a render from drawing one figure at once."""

    NAMES = ("prisoners", "indicators")

    def __init__(self, model):
        self.model = model
        dates = pd.period_range(model.start, periods=model.rounds + 1, freq="M").to_timestamp()
        self.x = mdates.date2num(dates.to_pydatetime())  # month 0 = the start; month k = the end of the k-th
        self.charts = {"prisoners": self._prisoners(), "indicators": self._indicators()}
        self._cache: dict[str, tuple[int, bytes]] = {}
        self._lock = threading.Lock()

    def png(self, name: str) -> bytes:
        months = self.model.recorder.recorded
        with self._lock:
            cached = self._cache.get(name)
            if cached is None or cached[0] != months:
                self._cache[name] = (months, self.charts[name].png(months))
            return self._cache[name][1]

    def _prisoners(self) -> Chart:
        model, rec = self.model, self.model.recorder
        fig = Figure(figsize=(WIDTH, 3.6), dpi=DPI)
        ax = fig.add_axes((0.135, 0.13, 0.81, 0.62))
        fan = Fan(ax, self.x[0])
        _style(ax, self.x, model)
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        ax.set_ylabel(LABELS["prisoners_held"].unit, fontsize=FONT)
        fig.text(0.012, 0.975, f"{text('prisoners_held').capitalize()}, {model.num_worlds} worlds", fontsize=TITLE,
                 fontweight="bold", va="top")
        fig.legend(loc="upper left", bbox_to_anchor=(0.0, 0.9), ncols=4, frameon=False, fontsize=FONT,
                   handlelength=1.2, handletextpad=0.4, columnspacing=0.9)
        series = _series(model.initial.prisoners, lambda n: rec.prisoners[:n].sum(axis=2))
        return Chart(fig, [(fan, series, 0.0)], self.x)

    def _indicators(self) -> Chart:
        model, rec = self.model, self.model.recorder
        fig = Figure(figsize=(WIDTH, 5.6), dpi=DPI)
        panels = [("instruments_relieved", model.initial.instruments_relieved,
                   lambda n: model.relieved[:n], "{x:,.0f}"),
                  ("sanctions_cost", model.initial.sanctions_cost, lambda n: rec.sanctions_cost[:n], "{x:,.0f}"),
                  ("moscow_pressure", model.initial.moscow_pressure, lambda n: rec.moscow_pressure[:n], "{x:.2f}")]
        fans = []
        height, gap, bottom = 0.2, 0.115, 0.07
        for k, (key, initial, recorded, number) in enumerate(panels):
            ax = fig.add_axes((0.1, bottom + (2 - k) * (height + gap), 0.845, height))
            fan = Fan(ax, self.x[0], world0=model.num_worlds > 1)
            _style(ax, self.x, model)
            ax.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=key == "instruments_relieved"))
            ax.yaxis.set_major_formatter(StrMethodFormatter(number))
            if k < 2:
                ax.tick_params(labelbottom=False)
            ax.set_title(label(key), fontsize=TITLE, loc="left", pad=6)
            fans.append((fan, _series(initial, recorded), 0.0))
        return Chart(fig, fans, self.x)


def smallest_text(figure: Figure) -> float:
    """The smallest font size, in points, of the text a drawn figure shows (tick labels,
    titles, axis labels, legends): what the projector test multiplies into CSS pixels."""
    from matplotlib.text import Text

    sizes = [t.get_fontsize() for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()
             and t.get_figure(root=True) is figure and _inside(t)]
    return min(sizes)


def _inside(text) -> bool:
    """A tick label outside its axis' view (matplotlib keeps spare ones) is not drawn."""
    renderer = text.get_figure(root=True).canvas.get_renderer()
    box = text.get_window_extent(renderer)
    width, height = text.get_figure(root=True).canvas.get_width_height()
    return box.x1 > 0 and box.y1 > 0 and box.x0 < width and box.y0 < height
