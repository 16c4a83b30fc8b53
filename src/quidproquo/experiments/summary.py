"""summary.md: a run's scenario, key outcomes, figures and the start of world 0's story."""

from __future__ import annotations

import numpy as np
import pandas as pd

from quidproquo.experiments.bands import BAND_AND_MEDIAN

OUTCOMES = {
    "total_released": "prisoners released (deal, pardon, sentence end)",
    "released_deal": "released in deals",
    "total_arrested": "new political arrests",
    "net_change": "net change in prisoners held",
    "deals": "deals",
}


def _row(label: str, values: pd.Series) -> str:
    v = values.dropna().to_numpy(dtype=np.float64)
    if v.size == 0:
        return f"| {label} | – | – | – |"
    q05, q50, q95 = np.quantile(v, BAND_AND_MEDIAN)
    return f"| {label} | {v.mean():,.1f} | {q50:,.0f} | {q05:,.0f} – {q95:,.0f} |"


def summary_markdown(result, figures: dict[str, str]) -> str:
    cfg, worlds, events = result.config, result.worlds, result.events
    model = result.model
    last = str(model.start + (model.rounds - 1))
    lines = [
        f"# {cfg.name}: {model.rounds} months from {cfg.engine.start} to {last}",
        "",
        cfg.description,
        "",
        f"{cfg.engine.worlds:,} worlds, seed {cfg.engine.seed}. "
        f"Starting with {model.prisoners.initial_total:,} political prisoners held.",
        "",
        "Overrides: "
        + (" ".join(f"`{o}`" for o in result.overrides) if result.overrides else "none (the scenario as written)."),
        "",
        "## Outcomes across worlds",
        "",
        "| outcome | mean | median | 90% of worlds |",
        "|---|---:|---:|---:|",
    ]
    lines += [_row(label, worlds[column]) for column, label in OUTCOMES.items()]
    deal_12 = (worlds["first_deal_round"].fillna(10**9) < 12).mean()
    lines += [
        "",
        f"- Worlds with at least one deal within 12 months: **{100 * deal_12:.0f}%**; "
        f"with any deal: **{100 * (worlds['deals'] > 0).mean():.0f}%**.",
        f"- Worlds where prisoners held fell over the run: **{100 * (worlds['net_change'] < 0).mean():.0f}%**.",
        "",
        "| instrument | sender | worlds with relief by the end | median round of first relief (0 = first month) |",
        "|---|---|---:|---:|",
    ]
    for name in model.instruments.names:
        column = worlds[f"lifted_{name}"]
        share = column.notna().mean()
        median = f"{column.dropna().median():.0f}" if share else "–"
        lines.append(f"| {name} | {cfg.goods.instruments[name].sender} | {100 * share:.0f}% | {median} |")
    if figures:
        lines += ["", "## Figures", ""]
        lines += [f"![{title}](figures/{filename})\n" for filename, title in figures.items()]
    first = model.world_ids.min()
    story = events[(events["world"] == first) & (events["round"] < 12)]
    lines += ["", f"## World {first}, first 12 months", ""]
    lines += [f"- {row.date} · {row.actor}: {row.text}" for row in story.itertuples()] or ["- (no events logged)"]
    return "\n".join(lines) + "\n"
