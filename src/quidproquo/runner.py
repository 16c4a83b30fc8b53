"""Running a scenario: simulate a composed config, then write its tables, figures and summary.

`simulate(cfg)` is the pure part (a config in, a Result out); `write(result, folder)` puts every
output in place atomically. `qpq run` is a thin Hydra wrapper around both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from quidproquo import plots, storage
from quidproquo.config import Config
from quidproquo.model import BargainingModel
from quidproquo.summary import summary_markdown


@dataclass
class Result:
    """A finished run: the model and its three tables."""

    config: Config
    model: BargainingModel
    rounds: pd.DataFrame
    worlds: pd.DataFrame
    events: pd.DataFrame


def simulate(cfg: Config) -> Result:
    model = BargainingModel(config=cfg).run()
    recorder = model.recorder
    return Result(cfg, model, recorder.rounds_table(model), recorder.worlds_table(model), recorder.events_table())


FIGURES = {
    "prisoners_held.png": "Political prisoners held",
    "instruments.png": "Sanctions relief: instruments lifted or suspended",
    "sanctions_cost.png": "Cost of the sanctions in force to Minsk",
}


def write(result: Result, folder: Path) -> list[Path]:
    """Write rounds.parquet, worlds.parquet, events.csv, figures/ and summary.md into `folder`."""
    folder = Path(folder)
    written = [
        storage.write_parquet(result.rounds, folder / "rounds.parquet"),
        storage.write_parquet(result.worlds, folder / "worlds.parquet"),
        storage.write_csv(result.events, folder / "events.csv"),
    ]
    if result.config.output.figures:
        name = result.config.name
        figures = {
            "prisoners_held.png": plots.prisoners_fan(result.rounds, f"{name}: {FIGURES['prisoners_held.png']}"),
            "instruments.png": plots.instrument_states(result.rounds, list(result.model.instruments.names), f"{name}: {FIGURES['instruments.png']}"),
            "sanctions_cost.png": plots.sanctions_cost(result.rounds, f"{name}: {FIGURES['sanctions_cost.png']}"),
        }
        for filename, fig in figures.items():
            written.append(storage.write_figure(fig, folder / "figures" / filename))
            plots.close(fig)
    written.append(storage.write_text(summary_markdown(result, FIGURES if result.config.output.figures else {}), folder / "summary.md"))
    return written


def run(cfg: Config, folder: Path) -> Result:
    result = simulate(cfg)
    write(result, folder)
    return result
