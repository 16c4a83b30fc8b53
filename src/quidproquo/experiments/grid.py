"""A paired grid: `qpq compare A B --grid KEY=V1,V2,... [--grid ...]`.

"Which values make thaw worse than freeze?" -- at every point of the grid (every combination of
the `--grid` values), the gap A - B over time and in prisoner-months, and its decomposition by
mechanism, paired world by world: the same numbers a plain `qpq compare A B KEY=V ...` gives at
that point, in one table (`grid.csv`, a column per grid key) and one figure (`grid.png`).

Nothing is composed or built a point at a time. A and B are composed once each (with the grid's
first values, so a dated event that sets a grid key yields to it, as an override would), and
every point runs as a block of worlds of one model (`batch.run_points`): point k's world i is
world i of a run of point k alone (`tests/engine/test_points.py`), so A's and B's worlds pair
exactly as in a plain comparison.

The decomposition needs A in each of the 32 combinations of `decompose.CHANNELS` switched on and
off, at every point. Those rows are full parameter rows (every switched key, every grid key),
so rows that set the same values are one row, run once: the all-on row of a point *is* A at
that point (read from A's run), and where a grid key is a switched key (`actors.minsk.goodwill`,
`actors.opposition.exile_effect`) the rows with its switch off are the same at every value it
takes. `run_grid` measures the CPU time of the paired runs and of the decomposition's own rows
and writes both (`grid.json`; `qpq compare` prints the ratio).
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from quidproquo.config import Config, ConfigError, load, value_of, with_changes
from quidproquo.config.points import can_vary
from quidproquo.config.points import points as checked_points
from quidproquo.experiments.decompose import CHANNELS, decomposition_worlds, gap_over_time, shares, switches
from quidproquo.runs import storage

MECHANISMS = [*CHANNELS, "other", "total"]


def parse_axes(texts: list[str]) -> dict[str, list]:
    """`["KEY=V1,V2", ...]` as {key: [values]}, each key one that may vary by world (a one-line
    ConfigError otherwise)."""
    axes: dict[str, list] = {}
    for text in texts:
        key, sep, values = text.partition("=")
        key = key.strip()
        if not sep or not key or not values.strip():
            raise ConfigError(f"--grid {text!r}: give KEY=V1,V2,..., e.g. --grid actors.minsk.goodwill=0,0.5,1")
        if key in axes:
            raise ConfigError(f"--grid {key}: given twice; give its values once, e.g. --grid {key}=0,0.5,1")
        if not can_vary(key):
            raise ConfigError(
                f"--grid {key}: cannot vary from world to world within one model (it shapes the run); "
                f"a grid takes the actors', members', tiers' and instruments' numbers and "
                f"bargaining.talks "
                f"(qpq sweep runs any key as separate jobs)"
            )
        parsed = []
        for word in values.split(","):
            try:
                value = yaml.safe_load(word.strip())
            except yaml.YAMLError:
                value = word
            if not isinstance(value, (bool, int, float)):
                raise ConfigError(f"--grid {key}={word.strip()!r}: must be a number (or true/false)")
            parsed.append(value)
        if len(set(parsed)) != len(parsed):
            raise ConfigError(f"--grid {key}: a value is given twice ({values})")
        axes[key] = parsed
    return axes


def grid_table(axes: dict[str, list]) -> pd.DataFrame:
    """Every combination of the axes' values, a row a point; the first axis varies slowest."""
    return pd.DataFrame(list(itertools.product(*axes.values())), columns=list(axes))


def prepare(
    spec_a: str, spec_b: str, overrides: list[str], axes: dict[str, list]
) -> tuple[Config, Config, pd.DataFrame]:
    """Both sides composed once and every point checked against each, before anything runs."""
    for spec in (spec_a, spec_b):
        if Path(spec).is_dir() or "/" in spec:
            raise ConfigError(f"--grid runs both sides here: give two scenarios, not a run folder ({spec})")
    given = {o.split("=", 1)[0] for o in overrides}
    both = sorted(given & set(axes))
    if both:
        raise ConfigError(f"{both[0]}: given both as an override and by --grid; give it once")
    first = [f"{key}={values[0]}" for key, values in axes.items()]
    cfg_a = load([f"scenario={spec_a}", *overrides, *first])
    cfg_b = load([f"scenario={spec_b}", *overrides, *first])
    if cfg_a.engine.worlds != cfg_b.engine.worlds or cfg_a.engine.rounds != cfg_b.engine.rounds:
        raise ConfigError(f"{spec_a} and {spec_b} run different worlds or months: set engine.worlds and engine.rounds")
    table = grid_table(axes)
    checked_points(cfg_a, table)
    checked_points(cfg_b, table)
    return cfg_a, cfg_b, table


def _held(cfg: Config, table: pd.DataFrame) -> list[np.ndarray]:
    """Prisoners held (rounds, worlds) at every row of `table`, each row a block of `cfg.engine.worlds` worlds."""
    from quidproquo.experiments.batch import run_points

    worlds = cfg.engine.worlds
    held: dict[int, np.ndarray] = {}

    def collect(model, first):
        prisoners = model.recorder.prisoners[: model.recorder.recorded].sum(axis=2).astype(np.float64)
        for k in range(len(model.points)):
            held[first + k] = prisoners[:, k * worlds : (k + 1) * worlds]

    run_points(cfg, table, on_model=collect)
    return [held[k] for k in range(len(table))]


def combinations(cfg_a: Config, table: pd.DataFrame) -> pd.DataFrame:
    """The decomposition's rows: for each point (in order) its 32 `switches` rows over A with the
    point's values set, with every grid key and every switched key a column."""
    frames = []
    for _, point in table.iterrows():
        at = with_changes(cfg_a, {k: _plain(v) for k, v in point.items()}, check=False)
        rows = switches(at)
        for key in table.columns:
            if key not in rows:
                rows[key] = value_of(at, key)
        frames.append(rows)
    return pd.concat(frames, ignore_index=True)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def run_grid(spec_a: str, spec_b: str, overrides: list[str], axes: dict[str, list], folder: Path) -> dict:
    """Run the grid and write grid.csv, grid.png, grid.json and report.md into `folder`, as a
    comparison does (held while it writes, staged, then put in place whole, done.json last);
    returns what grid.json holds (the points, the worlds, the CPU seconds)."""
    from quidproquo.runs import publish
    from quidproquo.runs.lock import hold, release

    folder = Path(folder)
    cfg_a, cfg_b, table = prepare(spec_a, spec_b, overrides, axes)  # every point checked before anything is written
    hold(folder)
    try:
        staged = publish.staging(folder, unmark=False)
        wall = time.perf_counter()
        about = _grid(spec_a, spec_b, overrides, axes, cfg_a, cfg_b, table, staged)
        publish.replace(folder, about["worlds"] * about["points"], time.perf_counter() - wall)
    finally:
        release(folder)
    return about


def _grid(spec_a, spec_b, overrides, axes, cfg_a: Config, cfg_b: Config, table: pd.DataFrame, folder: Path) -> dict:
    """Every output of a grid, written into `folder` (the staging folder); what grid.json holds."""
    worlds = cfg_a.engine.worlds
    few = decomposition_worlds(worlds)
    n = len(switches(cfg_a))

    start = time.process_time()
    held_a = _held(cfg_a, table)
    held_b = _held(cfg_b, table)
    paired_seconds = time.process_time() - start

    start = time.process_time()
    rows = combinations(cfg_a, table)
    keys = [tuple(_plain(v) for v in row) for row in rows.itertuples(index=False)]
    known: dict[tuple, np.ndarray] = {}
    for k in range(len(table)):  # the all-on row of point k is A at point k
        known.setdefault(keys[k * n + n - 1], held_a[k][:, :few])
    missing = list(dict.fromkeys(key for key in keys if key not in known))
    if missing:
        cfg_few = with_changes(cfg_a, {"engine.worlds": few}, check=False)
        extra = pd.DataFrame(missing, columns=rows.columns).astype(rows.dtypes.to_dict())
        known.update(zip(missing, _held(cfg_few, extra), strict=True))
    frames, gaps = [], []
    for k in range(len(table)):
        gap = gap_over_time(held_a[k], held_b[k])
        parts = shares([known[keys[k * n + c]] for c in range(n)], held_b[k][:, :few])
        wide = parts.pivot(index="measure", columns="mechanism", values="gap").reindex(columns=MECHANISMS)
        gap = gap.join(wide, on="measure")
        gap["decomposition_worlds"] = few
        for key in reversed(table.columns):
            gap.insert(0, key, table[key].iloc[k])
        gap.insert(0, "point", k)
        frames.append(gap)
        gaps.append((held_a[k] - held_b[k]).mean(axis=1))
    decomposition_seconds = time.process_time() - start

    out = pd.concat(frames, ignore_index=True)
    storage.write_csv(out, folder / "grid.csv")
    fig = figure(out, np.array(gaps), list(table.columns), (spec_a, spec_b), cfg_a)
    storage.write_figure(fig, folder / "grid.png")
    from quidproquo.experiments import plots

    plots.close(fig)
    about = {
        "a": spec_a,
        "b": spec_b,
        "overrides": overrides,
        "grid": {k: list(v) for k, v in axes.items()},
        "points": len(table),
        "worlds": worlds,
        "decomposition_worlds": few,
        "decomposition_rows": {"combinations": len(rows), "from_a": len(set(keys)) - len(missing), "run": len(missing)},
        "cpu_seconds": {"paired_runs": round(paired_seconds, 3), "decomposition": round(decomposition_seconds, 3)},
        "decomposition_over_paired": round(decomposition_seconds / paired_seconds, 3) if paired_seconds else None,
    }
    storage.write_text(json.dumps(about, indent=1) + "\n", folder / "grid.json")
    storage.write_text(report(out, list(table.columns), (spec_a, spec_b), about), folder / "report.md")
    return about


def label(point: pd.Series, keys: list[str]) -> str:
    """'goodwill=1, exile_effect=0.5': the last part of each grid key and its value."""
    return ", ".join(f"{k.rsplit('.', 1)[-1]}={_plain(point[k]):g}" for k in keys)


def report(out: pd.DataFrame, keys: list[str], names: tuple[str, str], about: dict) -> str:
    a, b = names
    months = out[out.measure == "prisoner-months"]
    last = [m for m in out.measure.unique() if m.startswith("held after")]
    end = out[out.measure == last[-1]].set_index("point") if last else None
    lines = [
        f"# {a} against {b} over a grid",
        "",
        f"{about['points']} points x {about['worlds']:,} paired worlds (the decomposition over the first "
        f"{about['decomposition_worlds']:,}); overrides: {' '.join(about['overrides']) or 'none'}. "
        f"Every number is the one `qpq compare {a} {b}` gives with the point's values set.",
        "",
        f"| point | gap in prisoner-months | 90% of worlds | {last[-1] if last else ''} | "
        + " | ".join(CHANNELS)
        + " | other |",
        "|---|---:|---:|---:|" + "---:|" * (len(CHANNELS) + 1),
    ]
    for _, r in months.iterrows():
        row = r
        held = f"{end.loc[r.point, 'gap']:+,.0f}" if end is not None else ""
        parts = " | ".join(f"{row[m]:+,.0f}" for m in [*CHANNELS, "other"])
        spread = f"{r.gap_q05:+,.0f} to {r.gap_q95:+,.0f}"
        lines.append(f"| {label(row, keys)} | {r.gap:+,.0f} | {spread} | {held} | {parts} |")
    seconds = about["cpu_seconds"]
    lines += [
        "",
        f"The table is `grid.csv` (a row per point and measure), the figure `grid.png`. CPU: paired runs "
        f"{seconds['paired_runs']:.2f} s, decomposition {seconds['decomposition']:.2f} s "
        f"({about['decomposition_over_paired']}x).",
        "",
        "![the grid](grid.png)",
        "",
    ]
    return "\n".join(lines)


def text(about: dict, folder: Path) -> str:
    """What `qpq compare --grid` prints: a line a point, and the cost."""
    out = pd.read_csv(Path(folder) / "grid.csv")
    keys = list(about["grid"])
    months = out[out.measure == "prisoner-months"]
    lines = [f"{about['a']} minus {about['b']}, {about['points']} points x {about['worlds']:,} paired worlds:"]
    for _, r in months.iterrows():
        row = r
        top = max(CHANNELS, key=lambda m: abs(row[m]))
        lines.append(
            f"  {label(row, keys)}: prisoner-months {r.gap:+,.0f} (90% of worlds {r.gap_q05:+,.0f} to "
            f"{r.gap_q95:+,.0f}); largest share {top} {row[top]:+,.0f}"
        )
    seconds = about["cpu_seconds"]
    lines.append(
        f"qpq: decomposition {seconds['decomposition']:.2f} s CPU = {about['decomposition_over_paired']}x "
        f"the paired runs ({seconds['paired_runs']:.2f} s)"
    )
    return "\n".join(lines)


def figure(out: pd.DataFrame, gaps: np.ndarray, keys: list[str], names: tuple[str, str], cfg: Config):
    """Left: the mean gap in prisoners held, month by month, a line a point. Right: each point's
    gap in prisoner-months split by mechanism (the bars) and in total (the dot)."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    a, b = names
    months = out[out.measure == "prisoner-months"].reset_index(drop=True)
    labels = [label(row, keys) for _, row in months.iterrows()]
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(13, 0.9 + max(4.0, 0.42 * len(labels))), gridspec_kw={"width_ratios": [1.1, 1]}
    )
    dates = pd.period_range(cfg.engine.start, periods=gaps.shape[1], freq="M").to_timestamp()
    tints = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(labels)))
    for gap, name, tint in zip(gaps, labels, tints, strict=True):
        left.plot(dates, gap, color=tint, lw=1.8, label=name)
    left.axhline(0, color="0.4", lw=0.8)
    left.set_title(f"Prisoners held, {a} minus {b} (paired mean)", fontsize=11)
    locator = mdates.AutoDateLocator()
    left.xaxis.set_major_locator(locator)
    left.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    left.set_ylabel("prisoners")
    left.legend(fontsize=7, loc="best", ncol=1 if len(labels) <= 12 else 2)
    colours = plt.get_cmap("tab10")(np.arange(len(CHANNELS) + 1))
    y = np.arange(len(labels))
    low, high = np.zeros(len(labels)), np.zeros(len(labels))
    for mechanism, colour in zip([*CHANNELS, "other"], colours, strict=True):
        value = months[mechanism].to_numpy(dtype=np.float64)
        base = np.where(value >= 0, high, low)
        right.barh(y, value, left=base, color=colour, height=0.7, label=mechanism)
        high = np.where(value >= 0, high + value, high)
        low = np.where(value < 0, low + value, low)
    right.scatter(months["total"], y, color="black", zorder=3, s=18, label="total")
    right.axvline(0, color="0.4", lw=0.8)
    right.set_yticks(y, labels, fontsize=8)
    right.invert_yaxis()
    right.set_title("Gap in prisoner-months by mechanism (Shapley)", fontsize=11)
    right.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig
