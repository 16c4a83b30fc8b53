"""The debrief's chart for the projector: each pair's split of the gains against the built-in
strategies and the theory, drawn on the server as an inline SVG (no script, nothing fetched).

One row per pair. On a line from 0 (all the gains to Minsk) to 1 (all to Washington): a filled
dot for the split of the students' deals, an open diamond for the built-in strategies' on the same
world, and three vertical lines for the theory's predictions (Rubinstein without a deadline,
Rubinstein with the month's two offers, the Nash solution). At the right of each row, the
prisoners its deals freed against the built-in strategies'. Text is at least 16 px, for the back
of a room; with many pairs the rows get thinner and only some are labelled.
"""

from __future__ import annotations

import math
from html import escape

WIDTH = 660
LEFT, RIGHT = 150, 130  # px: the pairs' labels; the prisoners freed
TOP, ROW = 62, 26  # px: the theory's labels above the rows; a row's height, for a few pairs
MOST_HEIGHT = 400  # px: the chart's height at most, so the first screen holds it at 1024x768
FONT = 16
STUDENTS, BUILTIN = "#d94801", "#08519c"
THEORY = (("#444", "6 4"), ("#444", "2 3"), ("#238b45", ""))  # line colour and dash of each prediction


def esc(value) -> str:
    return escape(str(value), quote=True)


def svg(pairs, predictions: dict[str, float]) -> str:
    """The chart: `pairs` the debrief's pairs table, `predictions` the theory's shares (name -> share)."""
    n = max(len(pairs), 1)
    row = min(ROW, (MOST_HEIGHT - TOP - 40) / n)
    height = TOP + row * n + 48
    inner = WIDTH - LEFT - RIGHT
    x = lambda share: LEFT + inner * min(max(share, 0.0), 1.0)  # noqa: E731
    every = max(1, math.ceil(FONT * 1.1 / row))  # label every k-th row when rows are thinner than the text
    out = [
        f'<svg class="qpq-chart" role="img" viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="{FONT}">',
        "<title>Washington's share of the gains from trade, each pair against the built-in strategies and the theory</title>",
    ]
    # The theory's lines, labelled above the rows (staggered so that close values stay legible).
    for k, ((name, share), (colour, dash)) in enumerate(zip(predictions.items(), THEORY)):
        short = ["Rubinstein", "Rubinstein, 2 offers", "Nash"][k] if k < 3 else name
        at = x(share)
        out.append(
            f'<line x1="{at:.1f}" y1="{TOP - 8 - 18 * (k % 3):.0f}" x2="{at:.1f}" y2="{TOP + row * n:.1f}" stroke="{colour}" '
            f'stroke-width="2" stroke-dasharray="{dash}"/>'
        )
        anchor = "start" if share < 0.5 else "end"
        nudge = 4 if anchor == "start" else -4
        out.append(
            f'<text class="qpq-theory-label" x="{at + nudge:.1f}" y="{TOP - 12 - 18 * (k % 3):.0f}" text-anchor="{anchor}" '
            f'fill="{colour}">{esc(short)} {share:.2f}</text>'
        )
    # The column's heading on two lines, ending at the chart's edge (one line ran past it).
    out.append(
        f'<text x="{WIDTH - 2}" y="{TOP - 30}" fill="#222" text-anchor="end">freed:</text>'
        f'<text x="{WIDTH - 2}" y="{TOP - 12}" fill="#222" text-anchor="end">you / built-in</text>'
    )
    for i, r in enumerate(pairs.itertuples()):
        y = TOP + row * (i + 0.5)
        if i % 2 == 0:
            out.append(f'<rect x="{LEFT}" y="{TOP + row * i:.1f}" width="{inner}" height="{row:.1f}" fill="#f3f3f3"/>')
        if i % every == 0:
            out.append(f'<text x="{LEFT - 8}" y="{y + FONT * 0.35:.1f}" text-anchor="end">pair {r.pair}</text>')
            out.append(
                f'<text x="{WIDTH - RIGHT + 8}" y="{y + FONT * 0.35:.1f}">{r.released_deal} / {r.released_deal_builtin}</text>'
            )
        size = max(3.0, min(7.0, row / 3))
        if not math.isnan(r.share_washington_builtin):
            bx = x(r.share_washington_builtin)
            out.append(
                f'<path class="qpq-builtin" d="M{bx:.1f},{y - size - 1:.1f} l{size + 1:.1f},{size + 1:.1f} '
                f'l{-size - 1:.1f},{size + 1:.1f} l{-size - 1:.1f},{-size - 1:.1f} z" fill="white" stroke="{BUILTIN}" '
                'stroke-width="2"/>'
            )
        if not math.isnan(r.share_washington):
            out.append(
                f'<circle class="qpq-students" cx="{x(r.share_washington):.1f}" cy="{y:.1f}" r="{size:.1f}" fill="{STUDENTS}"/>'
            )
        elif i % every == 0:
            out.append(f'<text x="{LEFT + 6}" y="{y + FONT * 0.35:.1f}" fill="#666">no deal to split</text>')
    axis = TOP + row * n
    out.append(f'<line x1="{LEFT}" y1="{axis:.1f}" x2="{LEFT + inner}" y2="{axis:.1f}" stroke="#222"/>')
    for tick in (0, 0.25, 0.5, 0.75, 1):
        out.append(
            f'<line x1="{x(tick):.1f}" y1="{axis:.1f}" x2="{x(tick):.1f}" y2="{axis + 5:.1f}" stroke="#222"/>'
            f'<text x="{x(tick):.1f}" y="{axis + 21:.1f}" text-anchor="middle">{tick:g}</text>'
        )
    out.append(
        f'<text x="{LEFT + inner / 2:.1f}" y="{axis + 38:.1f}" text-anchor="middle">'
        "Washington's share of the gains (0: all to Minsk, 1: all to Washington)</text>"
    )
    out.append("</svg>")
    return "".join(out)


def legend() -> str:
    """The chart's key, as HTML beside it."""
    return (
        f'<p class="qpq-key"><svg width="16" height="16"><circle cx="8" cy="8" r="6" fill="{STUDENTS}"/></svg> '
        f'your deals &nbsp; <svg width="18" height="18"><path d="M9,2 l7,7 l-7,7 l-7,-7 z" fill="white" '
        f'stroke="{BUILTIN}" stroke-width="2"/></svg> the built-in strategies on the same world</p>'
    )
