"""`qpq compare A B --grid KEY=V1,V2 ...`: the gap and its decomposition at every grid point,
each point's numbers those of a plain `qpq compare` with the point's values set."""

import json
import os

import pandas as pd
import pytest

from quidproquo.config import ConfigError
from quidproquo.experiments.decompose import CHANNELS
from quidproquo.experiments.grid import parse_axes
from tests_support import in_process

SMALL = ["engine.worlds=30", "engine.rounds=24"]
GRID = ["--grid", "actors.minsk.goodwill=0,1", "--grid", "actors.opposition.exile_effect=0,0.5,1"]


def test_a_grid_writes_the_gap_per_point_and_each_point_is_a_plain_comparison(tmp_path, env):
    done = in_process(["compare", "thaw", "freeze", *GRID, *SMALL, "--out", str(tmp_path / "grid")], cwd=os.getcwd())
    assert done.returncode == 0, done.stderr
    grid = pd.read_csv(tmp_path / "grid" / "grid.csv")
    assert list(grid.columns[:3]) == ["point", "actors.minsk.goodwill", "actors.opposition.exile_effect"]
    assert set(grid.columns) >= {
        "measure",
        "mean_a",
        "mean_b",
        "gap",
        "gap_q05",
        "gap_q95",
        *CHANNELS,
        "other",
        "total",
    }
    assert grid.point.nunique() == 6 and len(grid) == 6 * 3  # held after 12 and 24 months, prisoner-months
    assert (tmp_path / "grid" / "grid.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    about = json.loads((tmp_path / "grid" / "grid.json").read_text())
    assert about["cpu_seconds"]["decomposition"] > 0 and "x the paired runs" in done.stdout
    # Rows that set the same values run once: goodwill's and exile_effect's switches off are the
    # same rows at every value; each point's all-on row is A itself.
    assert about["decomposition_rows"]["from_a"] == 6 and about["decomposition_rows"]["run"] == 48 - 6

    plain = tmp_path / "plain"
    done = in_process(
        [
            "compare",
            "thaw",
            "freeze",
            *SMALL,
            "output.figures=false",  # only its numbers are compared
            "actors.minsk.goodwill=1",
            "actors.opposition.exile_effect=0.5",
            "--out",
            str(plain),
        ],
        cwd=os.getcwd(),
    )
    assert done.returncode == 0, done.stderr
    point = grid[(grid["actors.minsk.goodwill"] == 1) & (grid["actors.opposition.exile_effect"] == 0.5)]
    gap = pd.read_csv(plain / "gap.csv")
    pd.testing.assert_frame_equal(point[list(gap.columns)].reset_index(drop=True), gap, check_exact=True)
    parts = pd.read_csv(plain / "decomposition.csv").pivot(index="measure", columns="mechanism", values="gap")
    shares = point.set_index("measure")[list(parts.columns)].loc[parts.index]
    pd.testing.assert_frame_equal(shares, parts, check_exact=True, check_names=False)
    assert (point.decomposition_worlds == 30).all()


@pytest.mark.parametrize(
    "args,says",
    [
        (["--grid", "engine.rounds=3,4"], "--grid engine.rounds: cannot vary from world to world"),
        (["--grid", "actors.minsk.goodwill=0,x"], "must be a number"),
        (["--grid", "actors.minsk.discount=0.9,1.5"], "actors.minsk.discount=1.5"),
        (["--grid", "actors.minsk.nonsense=0,1"], "actors.minsk.nonsense"),
        (
            ["--grid", "actors.minsk.goodwill=0,1", "actors.minsk.goodwill=0.5"],
            "given both as an override and by --grid",
        ),
    ],
)
def test_a_grid_mistake_is_one_line_exit_2(args, says, tmp_path, env):
    done = in_process(["compare", "thaw", "freeze", *args, *SMALL, "--out", str(tmp_path / "g")], cwd=os.getcwd())
    assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "g").exists()


def test_axes_are_parsed_in_order_and_refused_twice():
    assert parse_axes(["actors.minsk.goodwill=0,0.5", "bargaining.talks=true,false"]) == {
        "actors.minsk.goodwill": [0, 0.5],
        "bargaining.talks": [True, False],
    }
    with pytest.raises(ConfigError, match="given twice"):
        parse_axes(["actors.minsk.goodwill=0", "actors.minsk.goodwill=1"])
