"""A sweep run in this process: its numeric axes as points of one model, its other axes as a
few compositions.

`qpq sweep` splits the swept keys in two. Keys a decision reads world by world
(`config.points.can_vary`: the actors', members', tiers' and instruments' numbers, the talks'
switch) become points of one model (`batch.run_points`); the others -- a scenario, the run's
length, the number of offers -- are *groups*, each composed once. The table is the one the Hydra
multirun path gathers from one job a point (`sweep.gather`): the same rows in the same order,
the same columns and types, so `sweep.parquet` is the same file either way
(tests/experiments/test_sweep.py). Hydra's launchers stay for sweeps that must be separate jobs
on other machines: `hydra/launcher=ray`, `submitit_slurm`, ... (or `--jobs`, one job a point here).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from quidproquo.config.points import can_vary
from quidproquo.experiments.batch import run_points


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


def run_in_process(swept: list[str], points: list[list[str]], value: Callable, compose: Callable,
                   progress: Callable[[int], None] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sweep's worlds table and per-round quantiles, as `sweep.gather` would stack them.

    `compose(overrides)` gives the checked config of one group (its fixed and group overrides);
    `value(text)` reads an override's value as the gather does."""
    inside, _ = split_axes(swept, points, value)
    groups: dict[tuple[str, ...], list[list[str]]] = {}
    for point in points:
        fixed = tuple(o for o in point if o.split("=", 1)[0] not in inside)
        groups.setdefault(fixed, []).append(point)
    worlds, rounds, done = [], [], 0
    for fixed, members in groups.items():
        cfg = compose(list(fixed))
        table = pd.DataFrame([{k: value(t) for k, t in (o.split("=", 1) for o in point) if k in inside}
                              for point in members])
        result = run_points(cfg, table, quantiles=True,
                            progress=(lambda n, done=done: progress(done + n)) if progress else None)
        done += len(members)
        labels = {k: value(t) for k, t in (o.split("=", 1) for o in fixed) if k in swept}
        for frame, out in ((result.worlds, worlds), (result.quantiles, rounds)):
            frame = frame.drop(columns="point")
            for key in labels:
                frame.insert(0, key, labels[key])
            out.append(frame[[*swept, *[c for c in frame.columns if c not in swept]]])
    order = [*swept, "world"]
    # Stacked and sorted as the gather of one job a point stacks them.
    table = _stacked(worlds).sort_values(order, kind="stable", ignore_index=True)
    bands = _stacked(rounds).sort_values([*swept, "series", "round"], kind="stable", ignore_index=True)
    return table, bands


def _stacked(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The groups' frames stacked, as the gather concatenates one table a job: a swept column's
    type is what its values give (ints stay ints unless one of them is a float)."""
    return pd.concat(frames, ignore_index=True)
