"""A sweep run in this process: its numeric axes as points of one model, its other axes as a
few compositions, each a *group* finished and kept on its own.

`qpq sweep` splits the swept keys in two. Keys a decision reads world by world
(`config.points.can_vary`: the actors', members', tiers' and instruments' numbers, the talks'
switch) become points of one model (`batch.run_points`); the others -- a scenario, the run's
length, a utility's target -- are *groups*, each composed once. Every group is checked before
any runs, so a mistake in the last point stops the sweep before the first is simulated.

A group writes its worlds and per-round quantiles to `groups/<hash>/` and `done.json` last, so a
killed sweep re-run skips the groups already finished, and a group that fails (the user's
utility raising, say) writes `failed.json` naming its points: the others complete, and a re-run
retries only it. The stacked table is the one the Hydra multirun path gathers from one job a
point (`sweep.gather`): the same rows in the same order, the same columns and types, so
`sweep.parquet` is the same file either way (tests/experiments/test_sweep.py). Hydra's launchers
stay for sweeps that must be separate jobs on other machines (`hydra/launcher=ray`, ... or `--jobs`).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from quidproquo.config.points import can_vary
from quidproquo.config.points import points as checked_points
from quidproquo.experiments.batch import run_points
from quidproquo.runs import storage
from quidproquo.runs.markers import DONE, FAILED, is_done, mark_done, mark_failed, unmark

GROUPS = "groups"  # the sweep folder's sub-folder of finished (or failed) groups


def split_axes(swept: list[str], points: list[list[str]], value: Callable) -> tuple[list[str], list[str]]:
    """(in-model keys, group keys): a swept key runs inside one model if it may vary by world and
    every value it takes is a number or a truth value."""
    values: dict[str, list] = {key: [] for key in swept}
    for point in points:
        for override in point:
            key, text = override.split("=", 1)
            if key in values:
                values[key].append(value(text))
    inside = [k for k in swept if can_vary(k) and all(isinstance(v, (int, float, bool)) for v in values[k])]
    return inside, [k for k in swept if k not in inside]


@dataclass
class Group:
    """Points that share every override but the in-model keys: one composition, one model run."""

    fixed: list[str]  # the overrides all its points share
    members: list[list[str]]  # its points, in the sweep's order
    table: pd.DataFrame  # the in-model keys' values, a row a point (no columns: one plain point)
    cfg: object = None

    @property
    def name(self) -> str:
        return hashlib.sha1(json.dumps(self.members).encode()).hexdigest()[:16]


def groups(swept: list[str], points: list[list[str]], value: Callable, compose: Callable) -> list[Group]:
    """Every group of the sweep, composed and checked: `compose(overrides)` gives a group's checked
    config (raising or exiting on a mistake), and the in-model values are checked against it."""
    inside, _ = split_axes(swept, points, value)
    grouped: dict[tuple[str, ...], list[list[str]]] = {}
    for point in points:
        grouped.setdefault(tuple(o for o in point if o.split("=", 1)[0] not in inside), []).append(point)
    out = []
    for fixed, members in grouped.items():
        table = pd.DataFrame(
            [{k: value(t) for k, t in (o.split("=", 1) for o in point) if k in inside} for point in members],
            index=range(len(members)),
        )
        # Composed with its first point's in-model values too, so Hydra names a mistyped key (with
        # the keys allowed) as it would for a single run; the other points are checked below.
        first = [o for o in members[0] if o.split("=", 1)[0] in inside]
        group = Group(list(fixed), members, table, compose([*fixed, *first]))
        if inside:
            checked_points(group.cfg, table)
        out.append(group)
    return out


def run_in_process(
    folder: Path, swept: list[str], every: list[Group], value: Callable, progress: Callable[[int], None] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, list]:
    """The sweep's worlds table, per-round quantiles and failures `[(overrides, error)]`, as
    `sweep.gather` and `sweep.failures` give them for one job a point. Finished groups in
    `folder` are read, not re-run."""
    worlds, rounds, failed, done = [], [], [], 0
    for group in every:
        place = Path(folder) / GROUPS / group.name
        if not is_done(place):
            _run(group, place, swept, value)
        done += len(group.members)
        if progress is not None:
            progress(done)
        if is_done(place):
            worlds.append(pd.read_parquet(place / "worlds.parquet"))
            rounds.append(pd.read_parquet(place / "quantiles.parquet"))
        else:
            error = json.loads((place / FAILED).read_text())["error"]
            failed.extend((point, error) for point in group.members)
    if not worlds:
        return pd.DataFrame(), pd.DataFrame(), failed
    order = [*swept, "world"]
    # Stacked and sorted as the gather of one job a point stacks them.
    table = pd.concat(worlds, ignore_index=True).sort_values(order, kind="stable", ignore_index=True)
    bands = pd.concat(rounds, ignore_index=True).sort_values(
        [*swept, "series", "round"], kind="stable", ignore_index=True
    )
    return table, bands, failed


def reused(folder: Path, every: list[Group]) -> int:
    """How many of the sweep's points a re-run finds finished in `folder`."""
    return sum(len(g.members) for g in every if is_done(Path(folder) / GROUPS / g.name))


def _run(group: Group, place: Path, swept: list[str], value: Callable) -> None:
    """Simulate one group into `place`: its tables, then done.json; or failed.json on an error in
    the user's code or numbers (the sweep goes on)."""
    start = time.perf_counter()
    unmark(place)
    try:
        if len(group.table.columns):
            result = run_points(group.cfg, group.table, quantiles=True)
            frames = (result.worlds.drop(columns="point"), result.quantiles.drop(columns="point"))
        else:
            frames = _plain(group.cfg)
    except Exception as err:  # the user's utility or strategy, or numbers that overflow
        mark_failed(place, group.members[0] if len(group.members) == 1 else group.fixed, err)
        return
    labels = {k: value(t) for k, t in (o.split("=", 1) for o in group.fixed) if k in swept}
    for frame, name in zip(frames, ("worlds.parquet", "quantiles.parquet"), strict=True):
        for key in labels:
            frame.insert(0, key, labels[key])
        storage.write_parquet(frame[[*swept, *[c for c in frame.columns if c not in swept]]], place / name)
    storage.write_text(json.dumps(group.members), place / "points.json")
    mark_done(place, group.cfg.engine.worlds * len(group.members), time.perf_counter() - start)


def _plain(cfg) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One point with nothing varying by world: a model of the config as composed."""
    from quidproquo.config import with_changes
    from quidproquo.engine.model import BargainingModel
    from quidproquo.experiments.bands import series_quantiles

    model = BargainingModel(config=with_changes(cfg, {"output.event_log_worlds": 0}, check=False)).run()
    return model.recorder.worlds_table(model).reset_index(drop=True), series_quantiles(model, slice(None))


__all__ = ["DONE", "GROUPS", "Group", "groups", "reused", "run_in_process", "split_axes"]
