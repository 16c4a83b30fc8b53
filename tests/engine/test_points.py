"""A world is the same whatever runs beside it (issue 20): world 17 run alone equals world 17
among 1,000, and world i of point k among many points equals world i of a run of point k alone --
every column of every table, byte for byte (floats compared by their bits, not within a tolerance)."""

import numpy as np
import pandas as pd

from quidproquo.config import load, with_changes
from quidproquo.config.points import points
from quidproquo.engine.model import BargainingModel


def tables(m) -> dict[str, pd.DataFrame]:
    return {
        "rounds": m.recorder.rounds_table(m),
        "worlds": m.recorder.worlds_table(m),
        "events": m.events.table(),
        "offers": m.recorder.offers_table(),
    }


def same_bytes(a: pd.DataFrame, b: pd.DataFrame, name: str) -> None:
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    assert list(a.columns) == list(b.columns) and len(a) == len(b) > 0, name
    for column in a.columns:
        x, y = a[column].to_numpy(), b[column].to_numpy()
        if x.dtype.kind == "f":
            assert x.tobytes() == y.tobytes(), f"{name}.{column}"
        else:
            assert pd.Series(x).equals(pd.Series(y)), f"{name}.{column}"


def test_world_17_alone_is_world_17_among_1000_in_every_column():
    among = BargainingModel(config=load(["scenario=thaw", "engine.worlds=1000", "engine.seed=42"])).run()
    alone = BargainingModel(
        config=load(["scenario=thaw", "engine.worlds=1", "engine.seed=42", "output.event_log_worlds=100"]),
        world_ids=np.array([17]),
    ).run()
    big, small = tables(among), tables(alone)
    for name in big:
        same_bytes(big[name][big[name].world == 17], small[name], name)
    assert len(small["offers"]) > 0 and len(small["events"]) > 0, "world 17 must have had talks and a log"


def test_world_i_of_point_k_is_world_i_of_a_run_of_point_k_alone():
    base = load(["scenario=thaw", "engine.worlds=40", "engine.rounds=24", "engine.seed=3", "output.event_log_worlds=0"])
    grid = pd.DataFrame(
        {
            "actors.minsk.goodwill": [0.0, 0.6, 1.0],
            "actors.opposition.exile_effect": [1.0, 0.0, 0.5],
            "bargaining.talks": [True, True, False],
        }
    )
    many = BargainingModel(config=base, points=points(base, grid)).run()
    rounds, worlds = many.recorder.rounds_table(many), many.recorder.worlds_table(many)
    per_world = len(rounds) // len(worlds)
    for k, point in grid.iterrows():
        alone = BargainingModel(
            config=with_changes(base, {key: v.item() if hasattr(v, "item") else v for key, v in point.items()})
        ).run()
        block = slice(k * 40, (k + 1) * 40)
        same_bytes(worlds.iloc[block], alone.recorder.worlds_table(alone), f"point {k} worlds")
        same_bytes(
            rounds.iloc[k * 40 * per_world : (k + 1) * 40 * per_world],
            alone.recorder.rounds_table(alone),
            f"point {k} rounds",
        )
