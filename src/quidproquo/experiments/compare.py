"""Paired comparison of two runs with common random numbers (e.g. thaw against freeze).

Both runs use the same seed and world indices, so world i of A and world i of B share every
random number that their histories let them share; the difference per world is a paired
difference. Per outcome: means and medians of A and B, the mean paired difference with a 95%
bootstrap confidence interval (`scipy.stats.bootstrap`, BCa), and an effect size (Cohen's d_z:
mean difference over the standard deviation of differences).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from quidproquo.config import ACTORS, ConfigError, load
from quidproquo.experiments import plots
from quidproquo.experiments.runner import simulate, write
from quidproquo.labels import label as human
from quidproquo.runs import storage
from quidproquo.runs.markers import DONE

# The counts every run writes for a world (a comparison or plot refuses tables without them),
# then the actors' utilities: the outcomes a comparison reports.
WORLD_COUNTS = (
    "total_released",
    "total_arrested",
    "net_change",
    "prisoners_held_final",
    "deals",
    "first_deal_round",
)
OUTCOMES = [*WORLD_COUNTS, *(f"utility_{actor}" for actor in ACTORS)]
COLUMNS = ["outcome", "n", "mean_a", "mean_b", "median_a", "median_b", "difference", "ci_low", "ci_high", "effect_size"]


def paired_difference(a: np.ndarray, b: np.ndarray, resamples: int, seed: int) -> tuple[float, float, float, float]:
    """Mean of a - b, its 95% bootstrap CI, and Cohen's d_z."""
    diff = a - b
    mean = float(diff.mean())
    spread = float(diff.std(ddof=1)) if diff.size > 1 else 0.0
    if diff.size < 2 or np.ptp(diff) == 0:
        # Every pair differs by the same amount: the interval is that amount (BCa is undefined).
        return mean, mean, mean, 0.0 if mean == 0 else float(np.sign(mean) * np.inf)
    ci = stats.bootstrap(
        (diff,),
        np.mean,
        confidence_level=0.95,
        n_resamples=resamples,
        method="BCa",
        random_state=np.random.default_rng(seed),
        vectorized=True,
    ).confidence_interval
    return mean, float(ci.low), float(ci.high), mean / spread


def compare(a: pd.DataFrame, b: pd.DataFrame, resamples: int = 2000, seed: int = 0, on_outcome=None) -> pd.DataFrame:
    """One row per outcome over the worlds both `worlds` tables share.

    `first_deal_round` is compared over the worlds with a deal in both runs (`n` says how many);
    the survival figure shows the rest. `on_outcome()` is called as each outcome is done (progress).
    """
    paired = a.merge(b, on="world", suffixes=("_a", "_b"))
    rows = []
    for outcome in OUTCOMES:
        if f"{outcome}_a" not in paired:
            continue
        both = paired[[f"{outcome}_a", f"{outcome}_b"]].dropna().to_numpy(dtype=np.float64)
        if both.size == 0:
            rows.append([outcome, 0, *[np.nan] * 8])
            continue
        x, y = both[:, 0], both[:, 1]
        difference, low, high, effect = paired_difference(x, y, resamples, seed)
        rows.append([outcome, len(x), x.mean(), y.mean(), np.median(x), np.median(y), difference, low, high, effect])
        if on_outcome is not None:
            on_outcome()
    return pd.DataFrame(rows, columns=COLUMNS)


def sentences(table: pd.DataFrame, name_a: str, name_b: str) -> list[str]:
    """Two or three plain sentences generated from the comparison's numbers."""
    row = table.set_index("outcome")

    def ci(r) -> str:
        return f"95% CI {r.ci_low:,.0f} to {r.ci_high:,.0f}"

    freed, arrested, held = row.loc["total_released"], row.loc["total_arrested"], row.loc["prisoners_held_final"]
    out = [
        f"{name_a} frees {abs(freed.difference):,.0f} {'more' if freed.difference >= 0 else 'fewer'} prisoners per world "
        f"than {name_b} ({ci(freed)}), while new arrests {'rise' if arrested.difference >= 0 else 'fall'} by "
        f"{abs(arrested.difference):,.0f} ({ci(arrested)})."
    ]
    bears_out = not (held.ci_low <= 0 <= held.ci_high)
    out.append(
        f"At the end {name_a} holds {abs(held.difference):,.0f} {'fewer' if held.difference < 0 else 'more'} "
        f"political prisoners than {name_b} ({ci(held)}): "
        f"{'a mean difference these worlds pin down' if bears_out else 'not distinguishable from no difference'}."
    )
    deals = row.loc["deals"]
    out.append(f"{name_a} averages {deals.mean_a:.1f} deals per world, {name_b} {deals.mean_b:.1f}.")
    return out


# --------------------------------------------------------------------------- a comparison
LABELS = {
    "total_released": "prisoners released",
    "total_arrested": "new arrests",
    "net_change": "net change in prisoners held",
    "prisoners_held_final": "prisoners held at the end",
    "deals": "deals",
    "first_deal_round": "month of the first deal",
}


def prepare_side(spec: str, overrides: list[str]):
    """Check one side before anything runs: a finished run folder (a Path) or a scenario (a Config)."""
    path = Path(spec)
    if path.is_dir() or "/" in spec:
        missing = [n for n in ("worlds.parquet", "rounds.parquet", DONE) if not (path / n).exists()]
        if missing:
            raise ConfigError(f"{spec}: not a finished run folder (missing {', '.join(missing)})")
        return path
    return load([f"scenario={spec}", *overrides])


def load_side(side, folder: Path, on_month=None) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """The name, worlds and rounds of a prepared side: read from its folder, or simulated and written."""
    if isinstance(side, Path):
        saved = side / "config.yaml"
        try:
            name = (yaml.safe_load(saved.read_text()) or {}).get("name", side.name) if saved.exists() else side.name
        except yaml.YAMLError:
            raise ConfigError(f"{saved}: not a readable config (corrupt YAML)") from None
        return str(name), read_table(side / "worlds.parquet"), read_table(side / "rounds.parquet")
    result = simulate(side, on_month=on_month)
    write(result, folder)
    return side.name, result.worlds, result.rounds


def read_table(path: Path) -> pd.DataFrame:
    """A run's Parquet table, or one line saying it cannot be read (truncated, corrupt, not Parquet)."""
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as err:  # pyarrow raises ArrowInvalid (a ValueError) or OSError
        reason = " ".join(str(err).split())[:120]
        raise ConfigError(f"{path}: not a readable Parquet table ({reason})") from None


def report_markdown(
    table: pd.DataFrame,
    names: tuple[str, str],
    figures: dict[str, str],
    about: str,
    captions: dict[str, str] | None = None,
) -> str:
    """The report: the sentences, the table (an outcome no pair of worlds has is left out and
    said why), and each figure with a sentence on how to read it (`captions`)."""
    a, b = names
    captions = captions or {}
    omitted = []
    lines = [
        f"# {a} against {b}",
        "",
        about,
        "",
        *sentences(table, a, b),
        "",
        f"| outcome | n | mean {a} | mean {b} | median {a} | median {b} | paired difference | 95% CI | effect size d_z |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in table.itertuples():
        label = LABELS.get(r.outcome) or human(r.outcome)
        if r.n == 0:
            omitted.append(label)
            continue
        lines.append(
            f"| {label} | {r.n:,} | {r.mean_a:,.1f} | {r.mean_b:,.1f} | {r.median_a:,.1f} | {r.median_b:,.1f} | "
            f"{r.difference:,.1f} | {r.ci_low:,.1f} to {r.ci_high:,.1f} | {r.effect_size:.2f} |"
        )
    lines += [
        "",
        "Differences are paired: world i of each run shares its seed and random streams (common random "
        "numbers). The month of the first deal is compared over worlds with a deal in both runs. "
        "Every interval here is chance at these scenarios' parameter values: a 95% interval says how well "
        "the worlds pin down a mean, not where one future may fall, and carries no parameter "
        "uncertainty (`qpq compare thaw freeze --from-record 2025-12` carries it, over the posterior).",
    ]
    if "month of the first deal" in omitted:
        lines[-1] += (
            " No world has a deal in both runs here (at least one side never makes one), so that row is left "
            "out; the time-to-first-deal figure shows each side's worlds without a deal, month by month."
        )
    rest = [o for o in omitted if o != "month of the first deal"]
    if rest:
        lines[-1] += f" Left out, with no paired worlds: {', '.join(rest)}."
    if figures:
        lines += ["", "## Figures", ""]
    for filename, title in figures.items():
        lines.append(f"![{title}](figures/{filename})\n")
        if filename in captions:
            lines.append(f"*How to read it:* {captions[filename]}\n")
    return "\n".join(lines) + "\n"


def captions(
    names: tuple[str, str],
    worlds_a: pd.DataFrame,
    worlds_b: pd.DataFrame,
    rounds_a: pd.DataFrame,
    rounds_b: pd.DataFrame,
) -> dict[str, str]:
    """A sentence or two under each figure of the report: what it shows and how to read it, with
    the arrests' split by Moscow's pressure where the data show one."""
    a, b = names
    out = {
        "prisoners_held.png": (
            f"each line is the median month-by-month count of political prisoners across worlds, one "
            f"colour a run; the dark band holds the middle 50% of worlds and the light band 90%. World i "
            f"of {a} and of {b} share their random numbers, so the gap between the lines is the policy's "
            f"effect, not chance."
        ),
        "outcomes.png": (
            f"each violin is the distribution across worlds of one outcome over the whole run, {a} beside {b}; "
            f"its width is how many worlds end there and the black bar is the median. Net change below the "
            f"grey line means fewer held at the end than at the start."
        ),
        "first_deal.png": (
            "the share of worlds that have made no deal yet, month by month; a line that stays at 100% is a "
            "run that never makes a deal, and the month a line falls through 50% is the median month of "
            "the first deal."
        ),
        "instruments.png": (
            "how many sanctions instruments have relief in force (any step, lifted or suspended) in each "
            "month: the median and the 50% and 90% bands across worlds, and in the palest tint the range of "
            "all worlds, drawn as steps because each world has a whole number of them. Where the 90% "
            "band's floor lifts off zero, at least 95% of worlds have relief on that many instruments "
            "that month; the few with none lie in the palest tint below."
        ),
        "decomposition.png": (
            f"the black line is the mean gap in prisoners held, {a} minus {b}, month by month (below zero: "
            f"{a} holds fewer); each coloured line is one mechanism's Shapley share of it (that mechanism "
            f"switched off in {a}'s paired worlds, averaged over the orders of switching), and the "
            f'shares and "other" add up to the black line in every month.'
        ),
    }
    regimes = [
        sentence
        for sentence in (arrest_regimes(n, w, r) for n, w, r in ((a, worlds_a, rounds_a), (b, worlds_b, rounds_b)))
        if sentence
    ]
    if regimes:
        out["outcomes.png"] += " " + " ".join(regimes)
    return out


def arrest_regimes(name: str, worlds: pd.DataFrame, rounds: pd.DataFrame, low: float = 0.3) -> str:
    """Why a run's arrests violin has two bulges, when it has: Moscow's pressure regimes. Worlds
    whose mean pressure over the run stays below `low` (Moscow never escalates) against the rest;
    said only when each regime holds at least 5% of worlds and their medians differ by a tenth."""
    if "moscow_pressure" not in rounds or "total_arrested" not in worlds:
        return ""
    pressure = rounds.groupby("world")["moscow_pressure"].mean()
    arrests = worlds.set_index("world")["total_arrested"].reindex(pressure.index)
    calm = pressure < low
    if not 0.05 <= calm.mean() <= 0.95:
        return ""
    quiet, pressed = float(arrests[calm].median()), float(arrests[~calm].median())
    if pressed < 1.1 * quiet:
        return ""
    return (
        f"{name}'s arrests violin has a second, lower bulge (or a long lower tail), and Moscow's pressure regimes are "
        f"why: in {calm.mean():.0%} of worlds Moscow's mean pressure on Minsk stays below {low} (it never escalates) and "
        f"their arrests have a median of {quiet:,.0f}; in the rest Moscow answers Minsk's drift to the West with "
        f"pressure, Minsk represses, and the median is {pressed:,.0f}."
    )


WORLDS_COLUMNS = ("world", *WORLD_COUNTS)
ROUNDS_COLUMNS = ("world", "round", "prisoners_held")


def check_tables(where: Path, worlds: pd.DataFrame, rounds: pd.DataFrame, months: int | None = None) -> tuple[int, int]:
    """A run folder's tables as a comparison or a plot reads them: the columns a run writes,
    some rows, the same worlds in both and every month its config asks for. Returns (worlds,
    months); a table that is not a run's is one line naming the file and what it lacks."""
    for name, table, columns in (
        ("worlds.parquet", worlds, WORLDS_COLUMNS),
        ("rounds.parquet", rounds, ROUNDS_COLUMNS),
    ):
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise ConfigError(
                f"{where / name}: not a run's table (no column {', '.join(missing)}); "
                f"a run writes {', '.join(columns)}, ..."
            )
        if table.empty:
            raise ConfigError(
                f"{where / name}: has no rows; a finished run has one row a world"
                + (" and month" if name == "rounds.parquet" else "")
            )
    ids = set(worlds["world"])
    if set(rounds["world"]) != ids:
        raise ConfigError(
            f"{where}: rounds.parquet and worlds.parquet hold different worlds; the folder is not one run's"
        )
    counted = int(rounds["round"].nunique())
    if months is not None and counted < months:
        raise ConfigError(
            f"{where / 'rounds.parquet'}: holds {counted} months and its config.yaml asks for {months} "
            f"(engine.rounds); the table is not the run's whole"
        )
    return len(ids), counted


def side_shape(side, tables) -> tuple[int, int]:
    """(worlds, months) of a prepared side: a folder's tables, checked, or a scenario's config."""
    if isinstance(side, Path):
        months = None
        if (side / "config.yaml").exists():
            months = _config_of(side).engine.rounds
        return check_tables(side, tables[1], tables[2], months)
    return side.engine.worlds, side.engine.rounds


def check_pair(specs: tuple[str, str], sides, tables) -> None:
    """Refuse, before anything is run or written, sides that cannot be paired world by world."""
    (worlds_a, months_a), (worlds_b, months_b) = (side_shape(s, t) for s, t in zip(sides, tables))
    a, b = specs
    if worlds_a != worlds_b:
        raise ConfigError(
            f"{a} has {worlds_a:,} worlds and {b} {worlds_b:,}; a comparison pairs world i of each, "
            f"so both sides need the same engine.worlds"
        )
    if months_a != months_b:
        raise ConfigError(
            f"{a} runs {months_a} months and {b} {months_b}; a comparison pairs them month by month, "
            f"so both sides need the same engine.rounds"
        )


def run_comparison(
    spec_a: str, spec_b: str, overrides: list[str], folder: Path, resamples: int = 2000, progress=None
) -> Path:
    """Simulate or load both sides, compare them, and write comparison.parquet, figures/, report.md.
    `progress` (experiments/progress.py) shows the paired runs, the bootstrap and the decomposition.

    Both sides are checked before anything runs or is written (tables a run writes, the same
    worlds and months). The folder is held like a run's (runs/lock.py); everything is written
    into its `.staging/` and put in place of what it held before, done.json last
    (runs/publish.replace): a re-made comparison replaces the old one whole.
    """
    from quidproquo.experiments.progress import Silent
    from quidproquo.runs import publish
    from quidproquo.runs.lock import hold, release

    progress = progress or Silent()
    folder = Path(folder)
    label_a, label_b = (
        ("a_" + Path(spec_a).name, "b_" + Path(spec_b).name)
        if spec_a == spec_b
        else (Path(spec_a).name, Path(spec_b).name)
    )
    side_a, side_b = prepare_side(spec_a, overrides), prepare_side(spec_b, overrides)  # both, before any run
    tables = [load_side(s, None) if isinstance(s, Path) else None for s in (side_a, side_b)]
    check_pair((spec_a, spec_b), (side_a, side_b), tables)
    hold(folder)
    try:
        staged = publish.staging(folder, unmark=False)
        start = time.perf_counter()
        report, worlds = _comparison(side_a, side_b, tables, (label_a, label_b), overrides, staged, resamples, progress)
        publish.replace(folder, worlds, time.perf_counter() - start)
    finally:
        release(folder)
    return folder / report.name


def _comparison(side_a, side_b, tables, labels, overrides, folder: Path, resamples, progress) -> tuple[Path, int]:
    """Every output of a comparison, written into `folder` (the staging folder): the report's path and the paired worlds."""
    from quidproquo.experiments.decompose import decomposition_worlds, switches

    label_a, label_b = labels
    simulated = [s for s in (side_a, side_b) if not isinstance(s, Path)]
    with progress.stage(
        "paired runs",
        sum(s.engine.worlds * s.engine.rounds for s in simulated),
        "world-months",
        f"{len(simulated)} runs x {simulated[0].engine.worlds:,} worlds" if simulated else "runs read",
    ) as stage:
        name_a, worlds_a, rounds_a = tables[0] or load_side(side_a, folder / label_a, stage.update)
        name_b, worlds_b, rounds_b = tables[1] or load_side(side_b, folder / label_b, stage.update)
    names = (name_a, name_b) if name_a != name_b else (f"{name_a} (A)", f"{name_b} (B)")
    present = [o for o in OUTCOMES if o in worlds_a and o in worlds_b]
    with progress.stage(
        "bootstrap", len(present), "outcome", f"bootstrap {len(present)} outcomes x {resamples:,}"
    ) as stage:
        table = compare(worlds_a, worlds_b, resamples=resamples, on_outcome=stage.update)
    storage.write_parquet(table, folder / "comparison.parquet")
    # The figures are drawn where both sides draw theirs (output.figures, on by default):
    # `output.figures=false` on the command line leaves them out, and the report links none --
    # for a run folder's side too, whose own config says only whether that run drew its own.
    drawing = load(list(overrides)).output.figures and all(_config_of(side).output.figures for side in (side_a, side_b))
    figures = (
        {
            "prisoners_held.png": "Political prisoners held, both runs",
            "outcomes.png": "Outcomes across worlds",
            "first_deal.png": "Time to the first deal",
            "instruments.png": "Instruments with relief in force",
        }
        if drawing
        else {}
    )
    makers = {
        "prisoners_held.png": lambda: plots.fan_pair(rounds_a, rounds_b, names),
        "outcomes.png": lambda: plots.distributions(
            worlds_a, worlds_b, names, {k: LABELS[k] for k in ("total_released", "total_arrested", "net_change")}
        ),
        "first_deal.png": lambda: plots.survival(worlds_a, worlds_b, names, int(rounds_a["round"].max()) + 1),
        "instruments.png": lambda: plots.instruments_relieved(rounds_a, rounds_b, names),
    }
    for filename in figures:
        fig = makers[filename]()
        storage.write_figure(fig, folder / "figures" / filename)
        plots.close(fig)
    about = (
        f"{worlds_a['world'].nunique():,} paired worlds; overrides: {' '.join(overrides) or 'none'}; "
        f"runs in `{label_a}/` and `{label_b}/` where simulated here."
    )
    cfg_a = _config_of(side_a)
    worlds = decomposition_worlds(cfg_a.engine.worlds)
    combinations = len(switches(cfg_a))
    with progress.stage(
        "decomposition",
        combinations * worlds * cfg_a.engine.rounds,
        "world-months",
        f"decomposition {combinations} combinations x {worlds:,} worlds",
    ) as stage:
        monthly: list = []
        gap, parts = gap_and_parts(side_a, rounds_a, rounds_b, on_month=stage.update, by_month=monthly)
    storage.write_csv(gap, folder / "gap.csv")
    storage.write_csv(parts, folder / "decomposition.csv")
    by_month = monthly[0].merge(
        pd.DataFrame({"round": range(rounds_a["round"].nunique()), "date": plots._dates(rounds_a)}), on="round"
    )
    storage.write_csv(by_month, folder / "decomposition_by_month.csv")
    if drawing:
        fig = plots.decomposition_over_time(by_month, names)
        storage.write_figure(fig, folder / "figures" / "decomposition.png")
        plots.close(fig)
        figures["decomposition.png"] = "Where the gap comes from, month by month"
    text = report_markdown(
        table, names, figures, about, captions(names, worlds_a, worlds_b, rounds_a, rounds_b)
    ) + gap_markdown(gap, parts, names)
    return storage.write_text(text, folder / "report.md"), int(worlds_a["world"].nunique())


def held_matrix(rounds: pd.DataFrame) -> np.ndarray:
    """Prisoners held, (rounds, worlds), from a rounds table (world-major)."""
    return plots.by_round(rounds, "prisoners_held").T


def _config_of(side):
    """A side's config: the scenario's, or a run folder's config.yaml."""
    from quidproquo.runs.provenance import load_config

    return load_config(side) if isinstance(side, Path) else side


def gap_and_parts(
    side_a, rounds_a: pd.DataFrame, rounds_b: pd.DataFrame, on_month=None, by_month: list | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The A - B gap over time and in prisoner-months, and its decomposition by mechanism (A's
    config from the scenario, or from a run folder's config.yaml)."""
    from quidproquo.experiments.decompose import decompose, gap_over_time

    held_b = held_matrix(rounds_b)
    return gap_over_time(held_matrix(rounds_a), held_b), decompose(
        _config_of(side_a), held_b, on_month=on_month, by_month=by_month
    )


def gap_text(folder: Path, names: tuple[str, str]) -> str:
    """The gap and its decomposition of a comparison folder, as `qpq compare` prints them."""
    folder = Path(folder)
    return gap_markdown(pd.read_csv(folder / "gap.csv"), pd.read_csv(folder / "decomposition.csv"), names).strip()


def gap_markdown(gap: pd.DataFrame, parts: pd.DataFrame, names: tuple[str, str]) -> str:
    """The gap and its decomposition as report text (also what `qpq compare` prints)."""
    a, b = names
    lines = [
        "",
        f"## The gap over time: {a} minus {b}",
        "",
        "| measure | mean " + a + " | mean " + b + " | gap (paired mean) | 90% of worlds |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.measure} | {r.mean_a:,.0f} | {r.mean_b:,.0f} | {r.gap:+,.0f} | {r.gap_q05:+,.0f} to {r.gap_q95:+,.0f} |"
        for r in gap.itertuples()
    ]
    table = parts.pivot(index="mechanism", columns="measure", values="gap")
    order = list(parts.mechanism.unique())
    table = table.loc[order, list(dict.fromkeys(parts.measure))]
    lines += [
        "",
        f"## Where the gap comes from (Shapley shares, each mechanism switched off in {a}'s paired worlds)",
        "",
        "| mechanism | " + " | ".join(table.columns) + " |",
        "|---|" + "---:|" * len(table.columns),
    ]
    lines += [f"| {name} | " + " | ".join(f"{v:+,.1f}" for v in row) + " |" for name, row in table.iterrows()]
    if "worlds" in parts and "worlds" in gap and parts["worlds"].iloc[0] < gap["worlds"].iloc[0]:
        lines += [
            "",
            f"The shares are over the first {parts['worlds'].iloc[0]:,} paired worlds of "
            f"{gap['worlds'].iloc[0]:,}, so their total differs from the gap above by sampling.",
        ]
    return "\n".join(lines) + "\n"
