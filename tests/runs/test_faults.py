"""Faults in one sweep job: it is reported with its overrides and error, the others complete.

The sweeps run through `qpq`'s entry point in this process (tests_support.in_process); the run
killed at any moment is a real process, killed for real."""

import signal
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests_support import ROOT, in_process


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
)  # no figures (output.figures=false): they are files like the others, and most of a small run's time
MOVED = sorted(RESULTS, key=Path)  # the order publish moves them in: sorted, done.json last
WORLDS = 200


def test_a_run_killed_at_any_moment_leaves_a_complete_result_or_none(tmp_path, zygote):
    """A real process (forked, tests_support.Zygote) killed for real: just before each step of the
    final move, and at shares of the time a whole run takes. Without done.json the folder holds of
    the results exactly those the move had reached, in its order: never done.json over half a result."""
    argv = ["run", "scenario=thaw", f"engine.worlds={WORLDS}", "engine.rounds=12", "output.figures=false"]
    started = time.monotonic()
    assert zygote.wait(zygote.start([*argv, f"hydra.run.dir={tmp_path / 'whole'}"], tmp_path)) == 0
    whole = time.monotonic() - started
    assert (tmp_path / "whole" / "done.json").exists()
    kills = [{"at_step": step} for step in (0, 4, len(MOVED))] + [{"after": share * whole} for share in (0.3, 0.6, 0.9)]
    outcomes = set()
    for i, kill in enumerate(kills):
        out = tmp_path / f"run{i}"
        pid = zygote.start([*argv, f"hydra.run.dir={out}"], tmp_path, at_step=kill.get("at_step"))
        code = zygote.wait(pid, timeout=kill.get("after", 300))
        present = [name for name in MOVED if (out / name).exists()]
        if (out / "done.json").exists():
            assert code == 0 and present == MOVED
            assert len(pd.read_parquet(out / "worlds.parquet")) == WORLDS
            outcomes.add("complete")
        else:
            assert code == -signal.SIGKILL, kill
            assert present == MOVED[: len(present)], f"{kill}: not the move's order: {present}"
            if "at_step" in kill:
                assert len(present) == kill["at_step"], (kill, present)
            outcomes.add("none")
    assert "none" in outcomes  # the hook's kills land inside the move, every time
