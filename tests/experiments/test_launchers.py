"""Distributed sweeps that cannot run here end in one line, exit 2, before any job or folder
(issue 24 item 5); a re-run of a sweep of jobs says what it reuses.

The sweeps run through `qpq`'s entry point in this process (tests_support.in_process), but the
one that tries Ray: Ray's client and its environment variables stay in a child of their own. That
one is a Ray test (it imports Ray and runs its client): `make test` runs it, `make test-fast` not."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests_support import in_process, qpq

SMALL = ["scenario=thaw,freeze", "engine.worlds=10", "engine.rounds=6"]


def without_slurm(env: dict) -> dict:
    """PATH with only the venv's bin and the system's, after checking neither holds Slurm."""
    path = os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"])
    for folder in path.split(os.pathsep):
        assert not any((Path(folder) / name).exists() for name in ("srun", "sbatch")), folder
    return {**env, "PATH": path}


def test_slurm_without_srun_or_sbatch_is_one_line_before_any_job(tmp_path, env):
    done = in_process(
        [
            "sweep",
            *SMALL,
            "hydra/launcher=submitit_slurm",
            "hydra.launcher.partition=short",
            f"hydra.sweep.dir={tmp_path / 'sweep'}",
        ],
        cwd=tmp_path,
        env={"PATH": without_slurm(env)["PATH"]},
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "sbatch and srun not found on PATH" in lines[0] and "hydra/launcher=joblib" in lines[0]
    assert not (tmp_path / "sweep").exists()


@pytest.mark.ray
def test_ray_that_cannot_start_is_one_line_before_any_job(tmp_path, env):
    # An address that can never answer (port 9, discard, is closed here), and Ray's client told to
    # give up after a second an attempt (it tries three times, 5 to 30 s each, by default).
    start = time.monotonic()
    done = subprocess.run(
        [
            qpq(),
            "sweep",
            *SMALL,
            "hydra/launcher=ray",
            "hydra.launcher.ray.init.address=ray://127.0.0.1:9",
            f"hydra.sweep.dir={tmp_path / 'sweep'}",
        ],
        capture_output=True,
        text=True,
        env={
            **env,
            "RAY_USAGE_STATS_ENABLED": "0",
            "RAY_CLIENT_INITIAL_CONNECTION_TIMEOUT_S": "1",
            "RAY_CLIENT_MAX_CONNECTION_TIMEOUT_S": "1",
        },
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("qpq: error: hydra/launcher=ray: Ray could not start (")
    assert "ray://127.0.0.1:9 cannot be reached" in lines[0] and "hydra/launcher=joblib" in lines[0]
    assert not (tmp_path / "sweep").exists()
    assert time.monotonic() - start < 40  # about 20 s under load, most of it importing Ray


def test_rerunning_a_sweep_of_jobs_says_it_reuses_them(tmp_path, env):
    argv = ["sweep", *SMALL, "--jobs", f"hydra.sweep.dir={tmp_path / 'sweep'}"]
    first = in_process(argv, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "already finished" not in first.stderr
    again = in_process(argv, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"2 of 2 points already finished in {tmp_path / 'sweep'}; running the other 0" in again.stderr
