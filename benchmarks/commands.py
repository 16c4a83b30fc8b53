"""What a small command costs around its simulation: composing the config, checking it, Hydra's
job, writing the folder (issue 19: most of the fast tests' time is this, not the model).

Measures, each in a child process of its own (so imports and caches start cold as a user's do):

- `qpq run` of 5 worlds x 3 rounds without figures, the whole command from a fresh interpreter;
- the same run repeated in one process (after one warm-up): what a sweep's jobs, a test and the
  classroom pay a run once everything is imported;
- `qpq sweep --jobs` of `--runs` seeds (one Hydra job a point, the basic launcher), a job's
  share: what each job of a sweep in jobs pays;
- `load()` of one scenario with a different value each call (engine.worlds=N): what a caller
  composing many configs of one scenario pays each.

`--against REV` measures git revision REV the same way (checked out into a temporary worktree),
alternating with this checkout, best of `--repeats`, and prints the ratio: ratios hold on a noisy
machine where seconds do not. The load average is printed with the figures.

    python benchmarks/commands.py [--against REV] [--repeats 3] [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
RUN = ["run", "scenario=freeze", "engine.worlds=5", "engine.rounds=3", "output.figures=false"]

IN_PROCESS = """
import contextlib, io, sys, tempfile, time
from quidproquo import cli
runs = int(sys.argv[1])
run = sys.argv[2:]
with tempfile.TemporaryDirectory() as scratch, contextlib.redirect_stdout(io.StringIO()):
    cli.main([*run, f"hydra.run.dir={scratch}/warm"])
    start = time.perf_counter()
    for i in range(runs):
        cli.main([*run, f"hydra.run.dir={scratch}/{i}"])
print((time.perf_counter() - start) / runs)
"""

JOBS = """
import contextlib, io, sys, tempfile, time
from quidproquo import cli
runs = int(sys.argv[1])
point = sys.argv[2:]
with tempfile.TemporaryDirectory() as scratch, contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    cli.main(["sweep", "--jobs", *point, "engine.seed=0,1", f"hydra.sweep.dir={scratch}/warm"])
    start = time.perf_counter()
    cli.main(["sweep", "--jobs", *point, f"engine.seed=range(0,{runs})", f"hydra.sweep.dir={scratch}/sweep"])
print((time.perf_counter() - start) / runs)
"""

LOADS = """
import sys, time
from quidproquo.config import load
loads = int(sys.argv[1])
load(["scenario=thaw", "engine.worlds=1"])
start = time.perf_counter()
for i in range(loads):
    load(["scenario=thaw", f"engine.worlds={i + 2}"])
print((time.perf_counter() - start) / loads)
"""


def _env(source: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(source / "src"), "QPQ_CONF": str(source / "conf")}


def fresh_run(source: Path) -> float:
    """Seconds for the whole `qpq run` from a new interpreter, the package in `source`."""
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "quidproquo.cli", *RUN, f"hydra.run.dir={scratch}/run"],
            env=_env(source),
            cwd=scratch,
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - start


def child(source: Path, script: str, *args: str) -> float:
    """What `script` prints (seconds), run by the package in `source` in a child process."""
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(
            [sys.executable, "-c", script, *args],
            env=_env(source),
            cwd=scratch,
            check=True,
            capture_output=True,
            text=True,
        )
    return float(done.stdout.strip().splitlines()[-1])


def measures(source: Path, runs: int) -> dict[str, float]:
    return {
        "qpq run, fresh interpreter": fresh_run(source),
        "qpq run, in one process": child(source, IN_PROCESS, str(runs), *RUN),
        "qpq sweep --jobs, a job": child(source, JOBS, str(runs), *RUN[1:]),
        "load(), a new value each": child(source, LOADS, str(runs)),
    }


def table(sources: dict[str, Path], repeats: int, runs: int) -> None:
    best: dict[str, dict[str, float]] = {name: {} for name in sources}
    for _ in range(repeats):
        for name, source in sources.items():  # alternating: the machine's mood falls on both alike
            for what, seconds in measures(source, runs).items():
                best[name][what] = min(best[name].get(what, float("inf")), seconds)
    names = list(sources)
    print(f"load average {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores; best of {repeats}, seconds")
    print(f"{'':30}" + "".join(f"{n[:12]:>14}" for n in names) + ("   ratio" if len(names) == 2 else ""))
    for what in best[names[0]]:
        row = [best[n][what] for n in names]
        ratio = f"{row[1] / row[0]:>7.2f}x" if len(row) == 2 else ""
        print(f"{what:30}" + "".join(f"{s:>14.3f}" for s in row) + ("  " + ratio if ratio else ""))
    if len(names) == 2:
        print(f"ratio: {names[1]}'s seconds over this checkout's (above 1: this checkout is faster)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="REV", help="also measure git revision REV, and the ratio")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--runs", type=int, default=10, help="runs (and loads) a child times, after a warm-up")
    args = parser.parse_args()
    if not args.against:
        table({"this checkout": HERE}, args.repeats, args.runs)
        return
    with tempfile.TemporaryDirectory() as scratch:
        other = Path(scratch) / "other"
        subprocess.run(
            ["git", "-C", str(HERE), "worktree", "add", "--detach", str(other), args.against],
            check=True,
            capture_output=True,
        )
        try:
            table({"this checkout": HERE, args.against: other}, args.repeats, args.runs)
        finally:
            subprocess.run(["git", "-C", str(HERE), "worktree", "remove", "--force", str(other)], capture_output=True)


if __name__ == "__main__":
    main()
