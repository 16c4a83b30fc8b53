"""The dashboard's two charts, lettered for a projector and cheap to redraw every month.

Every world is shown as a fan (median, 50% and 90% of worlds) with world 0 as a dashed line,
from month 0 -- the worlds before the first month -- to the months run so far, on an axis that
spans the whole horizon. Names and units come from `labels.py`, as in the report figures, and the
colours from the report figures' own (`experiments.plots.COLOURS`).

Drawn as SVG on the server: a month's chart is a few polygons and polylines and a few dozen
labels, built from the worlds' quantiles as text -- a few milliseconds for both charts -- and
the browser draws it; nothing is fetched, so the page works without the internet. (Matplotlib,
drawing and encoding two PNGs, took 94% of a step: 160 ms of 170 at 100 worlds, issue 23;
`benchmarks/dashboard_step.py` measures both ways in one process.)

Reading at the back of a room: the SVG is `WIDTH` units wide and the page shows it at the width
of its column, 652 CSS pixels at 1024x768 with the sidebar open; its smallest text is `FONT`
units, so 18 x 652 / 720 = 16.3 CSS pixels there, and it grows when the folded sidebar leaves
the chart more room (`tests/teaching/test_dashboard_browser.py` measures it in the page).
"""

from __future__ import annotations

import math
import threading
from html import escape

import numpy as np
import pandas as pd

from quidproquo.experiments.bands import QUANTILES
from quidproquo.experiments.plots import COLOURS
from quidproquo.labels import LABELS, label, text

WIDTH = 720  # SVG units across; the page scales the chart to its column
FONT = 18  # the smallest text (ticks, legend), in SVG units; titles are larger
TITLE = 21
LEFT, RIGHT = 86, 18  # room for the y tick labels; a margin
TINT = COLOURS["median"]


def esc(value) -> str:
    return escape(str(value), quote=True)


def nice_ticks(low: float, high: float, most: int = 4, integer: bool = False) -> np.ndarray:
    """At most `most` + 1 round tick values covering [low, high] (steps of 1, 2, 2.5 or 5 x 10^k)."""
    span = max(high - low, 1e-9)
    raw = span / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if integer:
        step = max(1.0, round(step))
    start = math.floor(low / step) * step
    return np.arange(start, high + step * 0.5, step)


class Fan:
    """One panel's fan: where it sits in the SVG, and its y formatting."""

    def __init__(self, top: float, height: float, number: str, integer: bool = False, floor: float | None = 0.0):
        self.top, self.height, self.number, self.integer, self.floor = top, height, number, integer, floor

    def draw(self, x: np.ndarray, values: np.ndarray, world0: bool) -> list[str]:
        """SVG elements of the fan of `values` (worlds, months + 1) at x positions (months + 1,)."""
        q05, q25, q50, q75, q95 = np.quantile(values, list(QUANTILES.values()), axis=0)
        low, high = float(min(q05.min(), values[0].min())), float(max(q95.max(), values[0].max()))
        pad = max(0.08 * (high - low), 0.05 * max(abs(high), 1e-9), 1e-6)
        low, high = (low - pad if self.floor is None else max(low - pad, self.floor)), high + pad
        ticks = nice_ticks(low, high, integer=self.integer)
        low, high = min(low, ticks[0]), max(high, ticks[-1])
        y = lambda v: self.top + self.height * (1 - (np.asarray(v, dtype=float) - low) / (high - low))  # noqa: E731
        out = []
        for tick in ticks:
            at = float(y(tick))
            out.append(
                f'<line x1="{LEFT}" y1="{at:.1f}" x2="{WIDTH - RIGHT}" y2="{at:.1f}" stroke="#dddddd"/>'
                f'<text x="{LEFT - 8}" y="{at + FONT * 0.35:.1f}" text-anchor="end">{self.number.format(tick)}</text>'
            )
        out.append(band(x, y(q05), y(q95), 0.18))
        out.append(band(x, y(q25), y(q75), 0.35))
        out.append(line(x, y(q50), TINT, 3, markers=True))
        if world0:
            out.append(line(x, y(values[0]), COLOURS["world0"], 2, dash="7 5"))
        return out


def band(x: np.ndarray, lower: np.ndarray, upper: np.ndarray, opacity: float) -> str:
    points = " ".join(
        f"{a:.1f},{b:.1f}" for a, b in zip(np.concatenate([x, x[::-1]]), np.concatenate([upper, lower[::-1]]))
    )
    return f'<polygon points="{points}" fill="{TINT}" fill-opacity="{opacity}" stroke="none"/>'


def line(x: np.ndarray, y: np.ndarray, colour: str, width: float, dash: str = "", markers: bool = False) -> str:
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y))
    out = (
        f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{width}" '
        f'stroke-linejoin="round"{" stroke-dasharray=" + chr(34) + dash + chr(34) if dash else ""}/>'
    )
    if markers:
        out += "".join(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3.5" fill="{colour}"/>' for a, b in zip(x, y))
    return out


def legend(top: float, world0: bool) -> str:
    """The fan's key on one line: 90% and 50% of worlds, the median, world 0."""
    items, at = [], float(LEFT)
    for words, mark in (
        ("90% of worlds", f'<rect width="22" height="14" fill="{TINT}" fill-opacity="0.18"/>'),
        ("50% of worlds", f'<rect width="22" height="14" fill="{TINT}" fill-opacity="0.35"/>'),
        ("median", f'<line x1="0" y1="7" x2="22" y2="7" stroke="{TINT}" stroke-width="3"/>'),
        *(
            (
                (
                    "world 0",
                    f'<line x1="0" y1="7" x2="22" y2="7" stroke="{COLOURS["world0"]}" stroke-width="2" '
                    'stroke-dasharray="7 5"/>',
                ),
            )
            if world0
            else ()
        ),
    ):
        items.append(f'<g transform="translate({at:.0f},{top - 12:.0f})">{mark}<text x="28" y="13">{words}</text></g>')
        at += 28 + 0.56 * FONT * len(words) + 22
    return "".join(items)


class Charts:
    """The page's charts for one model. `svg(name)` is cached per month, so that the page's
    re-renders between steps (a choice in the play form, say) cost nothing; a lock keeps the
    play button's stepping thread and a render from building one chart at once."""

    NAMES = ("prisoners", "indicators")

    def __init__(self, model):
        self.model = model
        months = model.rounds
        self.x = LEFT + (WIDTH - LEFT - RIGHT) * np.arange(months + 1) / max(months, 1)  # month 0 = the start
        dates = pd.period_range(model.start, periods=months + 1, freq="M")
        every = next(step for step in (1, 2, 3, 6, 12, 24, 60) if months / step <= 6)
        self.date_ticks = [(k, str(d)) for k, d in enumerate(dates) if d.month % every == 1 % every or every == 1][:8]
        self._cache: dict[str, tuple[int, str]] = {}
        self._lock = threading.Lock()

    def svg(self, name: str) -> str:
        months = self.model.recorder.recorded
        with self._lock:
            cached = self._cache.get(name)
            if cached is None or cached[0] != months:
                self._cache[name] = (months, getattr(self, f"_{name}")(months))
            return self._cache[name][1]

    def _axis(self, bottom: float, labels: bool) -> str:
        out = [f'<line x1="{LEFT}" y1="{bottom:.1f}" x2="{WIDTH - RIGHT}" y2="{bottom:.1f}" stroke="#444"/>']
        right = -math.inf  # where the last label drawn ends
        for k, words in self.date_ticks:
            at = self.x[k]
            out.append(f'<line x1="{at:.1f}" y1="{bottom:.1f}" x2="{at:.1f}" y2="{bottom + 5:.1f}" stroke="#444"/>')
            if (
                labels
            ):  # a label that would run past the right edge ends at it; one that would touch the last is left out
                half = 0.3 * FONT * len(words)
                x, anchor, left = (
                    (at, "middle", at - half) if at + half <= WIDTH - 2 else (WIDTH - 2, "end", WIDTH - 2 - 2 * half)
                )
                if left < right + 0.5 * FONT:
                    continue
                right = left + 2 * half
                out.append(f'<text x="{x:.1f}" y="{bottom + 22:.1f}" text-anchor="{anchor}">{esc(words)}</text>')
        return "".join(out)

    def _frame(self, height: float, body: list[str], title: str) -> str:
        return (
            f'<svg class="qpq-svg" viewBox="0 0 {WIDTH} {height:.0f}" width="100%" role="img" aria-label="{esc(title)}" '
            f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, -apple-system, sans-serif" font-size="{FONT}" '
            f'fill="#222" data-months="{self.model.recorder.recorded}">{"".join(body)}</svg>'
        )

    def _prisoners(self, months: int) -> str:
        model, rec = self.model, self.model.recorder
        values = series(model.initial.prisoners, rec.prisoners[:months].sum(axis=2) if months else None)
        title = f"{text('prisoners_held').capitalize()}, {model.num_worlds} worlds"
        fan = Fan(top=78, height=200, number="{:,.0f}")
        body = [
            f'<text x="8" y="24" font-size="{TITLE}" font-weight="bold">{esc(title)}</text>',
            legend(64, True),
            *fan.draw(self.x[: months + 1], values, True),
            self._axis(278, True),
            f'<text x="16" y="178" font-size="{FONT}" transform="rotate(-90 16 178)" text-anchor="middle">'
            f"{esc(LABELS['prisoners_held'].unit)}</text>",
        ]
        return self._frame(318, body, title)

    def _indicators(self, months: int) -> str:
        model, rec = self.model, self.model.recorder
        world0 = model.num_worlds > 1
        panels = [
            ("instruments_relieved", model.initial.instruments_relieved, model.relieved, "{:,.0f}", True),
            ("sanctions_cost", model.initial.sanctions_cost, rec.sanctions_cost, "{:,.0f}", False),
            ("moscow_pressure", model.initial.moscow_pressure, rec.moscow_pressure, "{:.2f}", False),
        ]
        body, top, height, gap = [], 34, 108, 62
        for k, (key, initial, recorded, number, integer) in enumerate(panels):
            values = series(initial, recorded[:months] if months else None)
            body.append(f'<text x="8" y="{top - 12:.0f}" font-size="{TITLE}">{esc(label(key))}</text>')
            body += Fan(top, height, number, integer).draw(self.x[: months + 1], values, world0)
            body.append(self._axis(top + height, k == len(panels) - 1))
            top += height + gap
        return self._frame(top - gap + 34, body, "indicators")


def series(initial: np.ndarray, recorded: np.ndarray | None) -> np.ndarray:
    """(worlds, months + 1): the worlds before the first month, then each month recorded (months, worlds)."""
    start = np.asarray(initial, dtype=float)[:, None]
    return start if recorded is None else np.column_stack([start, np.asarray(recorded, dtype=float).T])


def smallest_text(svg: str, scale: float = 1.0) -> float:
    """The smallest font size in a chart's SVG (its own size, and every font-size in it), times
    `scale` (shown width / `WIDTH`): what the projector test compares with 16 CSS pixels."""
    import re

    return scale * min(float(size) for size in re.findall(r'font-size="([\d.]+)"', svg))
