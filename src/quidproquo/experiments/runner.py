"""Running a scenario: simulate a composed config, then write its tables, figures and summary.

`simulate(cfg)` is the pure part (a config in, a Result out); `write(result, folder)` puts every
output in place atomically. `qpq run` is a thin Hydra wrapper around both.
"""

from __future__ import annotations

import functools
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from quidproquo.config import Config
from quidproquo.engine.model import BargainingModel
from quidproquo.experiments import plots
from quidproquo.experiments.bands import series_quantiles
from quidproquo.experiments.summary import summary_markdown
from quidproquo.runs import provenance, publish, storage


@dataclass
class Result:
    """A finished run: the model, its per-world and event tables, and (on demand) its rounds."""

    config: Config
    model: BargainingModel
    worlds: pd.DataFrame
    events: pd.DataFrame
    seconds: float  # simulation time, for throughput reports
    overrides: tuple[str, ...] = ()  # the command-line overrides the run was made with

    @functools.cached_property
    def rounds(self) -> pd.DataFrame:
        """One row per (world, round); built when first asked for (sweep jobs never ask)."""
        return self.model.recorder.rounds_table(self.model)


def simulate(cfg: Config, overrides: tuple[str, ...] = (), progress: bool = False, on_month=None) -> Result:
    """Run a config's worlds; `progress` shows a bar of world-months (tqdm) while it runs;
    `on_month(world_months)` is told after every month (a caller's own progress)."""
    start = time.perf_counter()
    model = BargainingModel(config=cfg)
    if on_month is not None:
        while model.running:
            model.step()
            on_month(cfg.engine.worlds)
    elif progress:
        from tqdm import tqdm

        with tqdm(
            total=cfg.engine.rounds * cfg.engine.worlds,
            unit=" world-months",
            unit_scale=True,
            desc=cfg.name,
            file=sys.stderr,
        ) as bar:
            while model.running:
                model.step()
                bar.update(cfg.engine.worlds)
    else:
        model.run()
    seconds = time.perf_counter() - start
    recorder = model.recorder
    return Result(cfg, model, recorder.worlds_table(model), model.events.table(), seconds, tuple(overrides))


FIGURES = {
    "prisoners_held.png": "Political prisoners held",
    "instruments.png": "Sanctions relief in force: a step, lifted or suspended",
    "sanctions_cost.png": "Cost of the sanctions in force to Minsk",
}


def draw(rounds: pd.DataFrame, name: str, folder: Path) -> list[Path]:
    """Draw a run's figures from its rounds table into `folder` (what `qpq plot` redraws)."""
    instruments = [c.removeprefix("instrument_") for c in rounds.columns if c.startswith("instrument_")]
    makers = {
        "prisoners_held.png": lambda title: plots.prisoners_fan(rounds, title),
        "instruments.png": lambda title: plots.instrument_states(rounds, instruments, title),
        "sanctions_cost.png": lambda title: plots.sanctions_cost(rounds, title),
    }
    return _figures(makers, name, folder)


def draw_record(model: BargainingModel, name: str, folder: Path) -> list[Path]:
    """The figures `draw` makes from the rounds table, made from the model's record instead (the
    same numbers, so the same files), one (worlds x rounds) series at a time: a run never builds
    the whole rounds table for its figures."""
    import numpy as np

    from quidproquo.engine.instruments import relief_in_force

    recorder, n = model.recorder, model.recorder.recorded
    dates = pd.period_range(model.start, periods=n, freq="M").to_timestamp().values.astype("datetime64[s]")

    def strip(title):
        relieved = relief_in_force(recorder.instruments[:n], recorder.levels[:n])  # (round, world, instrument)
        share = np.array([100 * relieved[:, :, i].T.mean(axis=0) for i in range(relieved.shape[2])])
        return plots.instrument_strip(dates, share, list(model.instruments.names), title)

    makers = {
        "prisoners_held.png": lambda title: plots.series_fan(
            dates, recorder.prisoners[:n].sum(axis=2).T.astype(np.float64), "prisoners_held", title
        ),
        "instruments.png": strip,
        "sanctions_cost.png": lambda title: plots.series_fan(
            dates, recorder.sanctions_cost[:n].T, "sanctions_cost", title
        ),
    }
    return _figures(makers, name, folder)


def _figures(makers: dict, name: str, folder: Path) -> list[Path]:
    """Make, write and close each figure in turn (one in memory at a time)."""
    for filename, make in makers.items():
        fig = make(f"{name}: {FIGURES[filename]}")
        storage.write_figure(fig, Path(folder) / filename)
        plots.close(fig)
    return [Path(folder) / filename for filename in makers]


def write(result: Result, folder: Path, lean: bool = False) -> list[Path]:
    """Write rounds.parquet, worlds.parquet, events.csv, figures/, summary.md, and config.yaml
    with run.json (provenance) into `folder`, then `done.json` last.

    Everything is first written to `folder/.staging/` (`stage`) and moved into place only when
    all of it exists (`publish`), `done.json` last: a run killed at any moment leaves a folder
    with `done.json` and a complete result, or without `done.json` -- which every reader treats
    as holding no result. `lean` (sweep jobs) writes per-round quantiles instead of the full
    rounds table, and no figures: a sweep gathers what it needs from many jobs.
    """
    stage(result, folder, lean)
    return publish.publish(folder, result.config.engine.worlds, result.seconds)


def stage(result: Result, folder: Path, lean: bool = False) -> Path:
    """Write every output of a run into `folder/.staging/` (runs/publish.py)."""
    staged = publish.staging(folder)
    storage.write_parquet(result.worlds, staged / "worlds.parquet")
    storage.write_csv(result.events, staged / "events.csv")
    if lean:
        storage.write_parquet(series_quantiles(result.model), staged / "quantiles.parquet")
    elif "rounds" in result.__dict__:  # already built (a comparison reads it): written as it is
        storage.write_parquet(result.rounds, staged / "rounds.parquet")
    else:  # a part of the worlds at a time: the whole table is never in memory
        recorder = result.model.recorder
        storage.write_parquet_parts(recorder.rounds_parts(result.model), staged / "rounds.parquet")
    figures = result.config.output.figures and not lean
    if figures:
        draw_record(result.model, result.config.name, staged / "figures")
    storage.write_text(summary_markdown(result, FIGURES if figures else {}), staged / "summary.md")
    provenance.write(result.config, staged)
    return staged


def run(cfg: Config, folder: Path, lean: bool = False, overrides=(), progress: bool = False) -> Result:
    result = simulate(cfg, tuple(overrides), progress)
    write(result, folder, lean)
    return result
