"""Sweeps through the real `qpq sweep` command: the gathered table, resuming, launchers.

The sweeps run through `qpq`'s entry point in this process (tests_support.in_process), but the
one killed mid-sweep: a real process group, killed for real."""

import os
import signal

import pandas as pd
import pytest

from tests_support import in_process

GRID = ["scenario=thaw,freeze", "actors.washington.channel_value=10,40", "engine.worlds=150", "engine.rounds=12"]


def sweep(folder, *extra, env=None):
    return in_process(["sweep", *GRID, f"hydra.sweep.dir={folder}", *extra], cwd=os.getcwd())


def read_sorted(path):
    table = pd.read_parquet(path)
    return table.sort_values(["scenario", "actors.washington.channel_value", "world"], ignore_index=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted in-process sweep of the 2 x 2 grid."""
    folder = tmp_path_factory.mktemp("reference")
    done = sweep(folder)
    assert done.returncode == 0, done.stderr
    return folder


def test_a_2x2_sweep_gathers_one_row_per_world_per_job_with_parameter_columns(reference):
    table = pd.read_parquet(reference / "sweep.parquet")
    assert len(table) == 4 * 150
    assert table.groupby(["scenario", "actors.washington.channel_value"]).size().eq(150).all()
    assert set(table["scenario"]) == {"thaw", "freeze"} and set(table["actors.washington.channel_value"]) == {10, 40}
    assert {"world", "total_released", "net_change", "deals", "utility_minsk"} <= set(table.columns)
    assert table.loc[table.scenario == "freeze", "deals"].eq(0).all()
    rounds = pd.read_parquet(reference / "sweep_rounds.parquet")
    assert len(rounds) == 4 * 12 * rounds["series"].nunique()
    assert (rounds["q05"] <= rounds["q50"]).all() and (rounds["q50"] <= rounds["q95"]).all()
    assert (reference / "figures" / "net_change_by_parameter.png").exists()


def test_a_sweep_without_figures_draws_none_and_its_summary_links_none(reference, tmp_path):
    bare = tmp_path / "bare"
    done = sweep(bare, "output.figures=false")
    assert done.returncode == 0, done.stderr
    assert not (bare / "figures").exists() and "](figures/" not in (bare / "summary.md").read_text()
    assert "](figures/" in (reference / "summary.md").read_text()
    # the numbers are the same either way: only the drawing is left out
    assert (bare / "sweep.parquet").read_bytes() == (reference / "sweep.parquet").read_bytes()


@pytest.fixture(scope="module")
def jobs(tmp_path_factory):
    """The same grid as one Hydra job a point (`--jobs`, the basic launcher)."""
    folder = tmp_path_factory.mktemp("jobs")
    done = sweep(folder, "--jobs")
    assert done.returncode == 0, done.stderr
    return folder


def test_rerunning_a_finished_sweep_skips_every_job(reference, env):
    before = {p: p.stat().st_mtime_ns for p in reference.glob("groups/*/worlds.parquet")}
    assert len(before) == 2  # a group a scenario; the channel values are points of its model
    done = sweep(reference, env=env)
    assert done.returncode == 0, done.stderr
    assert "4 of 4 points already finished" in done.stderr
    assert {p: p.stat().st_mtime_ns for p in reference.glob("groups/*/worlds.parquet")} == before


def test_one_job_a_point_gives_the_in_process_table_byte_for_byte(reference, jobs):
    assert (jobs / "sweep.parquet").read_bytes() == (reference / "sweep.parquet").read_bytes()
    assert (jobs / "sweep_rounds.parquet").read_bytes() == (reference / "sweep_rounds.parquet").read_bytes()
    assert len(list(jobs.glob("*/done.json"))) == 4


def test_a_killed_sweep_resumes_to_the_same_table(tmp_path, zygote):
    # Eight groups (a seed is a group: it shapes the whole run) of a tenth of a second or more
    # each, against the 5 ms in which the kill follows a group's done.json: the sweep is a real
    # process (forked, tests_support.Zygote) whose group is killed for real as soon as its first
    # group is done, with most still to run.
    grid = ["engine.seed=range(1,9)", "actors.washington.channel_value=10,40", "engine.worlds=100", "engine.rounds=24"]
    whole = tmp_path / "whole"
    assert in_process(["sweep", *grid, f"hydra.sweep.dir={whole}"], cwd=tmp_path).returncode == 0
    folder = tmp_path / "killed"
    pid = zygote.start(["sweep", *grid, f"hydra.sweep.dir={folder}"], tmp_path)
    assert zygote.wait(pid, timeout=300, until=folder / "groups" / "*" / "done.json") == -signal.SIGKILL
    finished = len(list(folder.glob("groups/*/done.json")))
    assert 1 <= finished < 8, "the kill should land part-way"
    assert not (folder / "sweep.parquet").exists()
    resumed = in_process(["sweep", *grid, f"hydra.sweep.dir={folder}"], cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{2 * finished} of 16 points already finished" in resumed.stderr
    assert (folder / "sweep.parquet").read_bytes() == (whole / "sweep.parquet").read_bytes()


@pytest.mark.parametrize("launcher", ["joblib", "submitit_local"])
def test_parallel_launchers_give_the_same_table(reference, jobs, tmp_path, env, launcher):
    folder = tmp_path / launcher
    done = sweep(folder, f"hydra/launcher={launcher}", env=env)
    assert done.returncode == 0, done.stderr
    assert (folder / "sweep.parquet").read_bytes() == (reference / "sweep.parquet").read_bytes()
    tables = sorted(jobs.glob("*/worlds.parquet"))
    assert len(tables) == 4
    for job in tables:  # every job's own table, byte for byte, whichever process ran it
        assert (folder / job.parent.name / "worlds.parquet").read_bytes() == job.read_bytes()


def test_a_sweep_needs_a_swept_key_and_valid_points(tmp_path, env):
    out = tmp_path / "bad"
    done = in_process(["sweep", "engine.worlds=10", f"hydra.sweep.dir={out}"], cwd=tmp_path)
    assert done.returncode == 2 and "several values" in done.stderr and not out.exists()
    done = in_process(["sweep", "engine.worlds=10,-3", f"hydra.sweep.dir={out}"], cwd=tmp_path)
    assert done.returncode == 2 and "engine.worlds=-3" in done.stderr and not out.exists()


def test_sweep_figures_by_hand():
    from quidproquo.experiments import plots

    table = pd.DataFrame(
        {
            "scenario": ["thaw"] * 8,
            "a": [0, 0, 1, 1] * 2,
            "b": [0.5, 2.0] * 4,
            "world": range(8),
            "net_change": [-10, -20, 30, 40, -12, -18, 32, 38],
        }
    )
    heat = plots.outcome_heatmap(table, "a", "b", "net_change", "t")
    cells = heat.axes[0].images[0].get_array()
    assert cells.tolist() == [[-11.0, 31.0], [-19.0, 39.0]]  # rows b = 0.5, 2.0; columns a = 0, 1
    line = plots.outcome_by_parameter(table, "a", "net_change", "scenario")
    assert "pooled over b" in line.axes[0].get_title()
    plots.close(heat), plots.close(line)


def test_a_sweep_without_a_folder_gets_a_dated_readable_one_resumes_it_and_summarises(tmp_path, env):
    import re

    args = ["sweep", "scenario=thaw,freeze", "engine.worlds=6", "engine.rounds=3"]
    first = in_process(args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    folders = list((tmp_path / "sweeps").iterdir())
    assert len(folders) == 1 and re.fullmatch(r"\d{4}-\d{2}-\d{2}_scenario_[0-9a-f]{6}", folders[0].name)
    summary = (folders[0] / "summary.md").read_text()
    assert "`scenario`: freeze, thaw" in summary and "| scenario | net_change" in summary
    again = in_process(args, cwd=tmp_path)
    assert again.returncode == 0 and list((tmp_path / "sweeps").iterdir()) == folders  # the same folder, resumed
