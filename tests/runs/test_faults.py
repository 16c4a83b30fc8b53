"""Faults in one sweep job: it is reported with its overrides and error, the others complete.

The sweeps run through `qpq`'s entry point in this process (tests_support.in_process); the run
killed at any moment is a real process, killed for real."""

import os
import subprocess

import numpy as np
import pandas as pd
import pytest

from tests_support import ROOT, in_process, qpq


def explode(components, weights):
    """A user's utility that raises."""
    raise RuntimeError("the user's model of Minsk gave up")


def nan_utility(components, weights):
    """A user's utility that returns NaN."""
    return np.full(np.broadcast_shapes(*(np.shape(v) for v in components.values())), np.nan)


@pytest.mark.parametrize(
    "faulty,message",
    [
        ("explode", "RuntimeError: the user's model of Minsk gave up"),
        ("nan_utility", "actors.minsk.utility returned NaN"),
    ],
)
def test_one_failing_job_is_reported_and_the_others_complete(tmp_path, monkeypatch, faulty, message):
    monkeypatch.syspath_prepend(str(ROOT / "tests"))
    monkeypatch.syspath_prepend(str(ROOT / "tests" / "runs"))  # this file, as the module test_faults
    folder = tmp_path / "sweep"
    targets = f"actors.minsk.utility._target_=quidproquo.utility.linear,test_faults.{faulty}"
    args = [
        "sweep",
        "scenario=thaw,freeze",
        targets,
        "engine.worlds=30",
        "engine.rounds=6",
        f"hydra.sweep.dir={folder}",
        "--trust",
        "test_faults",
    ]
    done = in_process(args, cwd=tmp_path)
    # Under thaw the faulty utility is called (flows and offers); under freeze too (flows): both fail.
    assert done.returncode == 1, done.stderr
    failed_lines = [line for line in done.stderr.splitlines() if line.startswith("qpq: job failed:")]
    assert len(failed_lines) == 2 and all(message in line and f"test_faults.{faulty}" in line for line in failed_lines)
    assert "2 of 4 jobs failed" in done.stderr and "Traceback" not in done.stderr
    table = pd.read_parquet(folder / "sweep.parquet")
    assert set(table["actors.minsk.utility._target_"]) == {"quidproquo.utility.linear"}
    assert len(table) == 2 * 30
    # Re-running retries only the failed jobs, and they fail again the same way.
    again = in_process(args, cwd=tmp_path)
    assert again.returncode == 1 and "2 of 4 jobs failed" in again.stderr


RESULTS = (
    "rounds.parquet",
    "worlds.parquet",
    "events.csv",
    "summary.md",
    "config.yaml",
    "run.json",
    "figures/prisoners_held.png",
    "figures/instruments.png",
    "figures/sanctions_cost.png",
)


def test_a_run_killed_at_any_moment_leaves_a_complete_result_or_none(tmp_path, env):
    import signal

    outcomes = set()
    for i, delay in enumerate([0.5, 1.5, 2.5, 3.0, 3.5, 4.0, 5.0, 30.0]):
        out = tmp_path / f"run{i}"
        process = subprocess.Popen(
            [qpq(), "run", "scenario=thaw", "engine.worlds=3000", f"hydra.run.dir={out}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        present = [name for name in RESULTS if (out / name).exists()]
        if (out / "done.json").exists():
            assert present == list(RESULTS)
            assert len(pd.read_parquet(out / "worlds.parquet")) == 3000
            outcomes.add("complete")
        else:
            assert present == [], f"killed after {delay} s, half a result: {present}"
            outcomes.add("none")
    assert outcomes == {"complete", "none"}  # the kills landed both before and after the end
