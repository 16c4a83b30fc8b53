"""A 1,000-point x 100-world one-parameter sweep three ways, CPU seconds, in one run (issue 20).

1. In one process, every point a block of worlds of one model (`batch.run_points`, what `qpq
   sweep`, sensitivity, the decomposition and the grid use): all 1,000 points, measured.
2. One model a point, the config composed once and each point set on a copy
   (`with_changes` + `BargainingModel(...).run()` + its worlds table): `--per-model` points
   (50) measured, scaled to 1,000 -- one model costs the same at every point.
3. One Hydra job a point (`qpq sweep --jobs`, basic launcher, as a child process, its CPU read
   from RUSAGE_CHILDREN): `--jobs` points (20) and half as many measured; the 1,000-job figure
   is the 20-job sweep plus 980 times the marginal job ((t20 - t10) / 10), so the sweep's fixed
   start is counted once.

The in-process and one-model-a-point tables are checked equal on the measured points. All three
run on one core (BLAS threads pinned to 1) in the same minute, and the ratios are against (1)
measured here; the load average is printed. `--profile` adds a cProfile of (1): where its time goes.

    python benchmarks/points.py [--points 1000] [--worlds 100] [--per-model 50] [--jobs 20] [--profile]
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import logging  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from quidproquo.config import load, with_changes  # noqa: E402
from quidproquo.engine.model import BargainingModel  # noqa: E402
from quidproquo.experiments.batch import run_points  # noqa: E402

KEY = "actors.minsk.goodwill"
QPQ = str(Path(sys.executable).with_name("qpq"))


def cpu(work) -> tuple[float, object]:
    start = time.process_time()
    out = work()
    return time.process_time() - start, out


def one_model_a_point(base, values) -> pd.DataFrame:
    frames = []
    for k, value in enumerate(values):
        cfg = with_changes(base, {KEY: float(value)})
        model = BargainingModel(config=cfg).run()
        frame = model.recorder.worlds_table(model).reset_index(drop=True)
        frame.insert(0, KEY, float(value))
        frame.insert(0, "point", k)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def hydra_jobs(values, worlds: int) -> float:
    """CPU seconds of `qpq sweep --jobs` over `values` (child process)."""
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [
                QPQ,
                "sweep",
                "--jobs",
                "scenario=thaw",
                f"engine.worlds={worlds}",
                f"{KEY}=" + ",".join(f"{v:.6f}" for v in values),
                f"hydra.sweep.dir={tmp}/s",
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "QPQ_NO_PROGRESS": "1"},
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--worlds", type=int, default=100)
    parser.add_argument("--per-model", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    base = load(["scenario=thaw", f"engine.worlds={args.worlds}", "output.event_log_worlds=0"])
    values = np.linspace(0, 1, args.points)
    table = pd.DataFrame({KEY: values})
    run_points(base, table.iloc[:10])  # warm: imports and first-call costs out of the measurement

    inside, result = cpu(lambda: run_points(base, table))
    each, separate = cpu(lambda: one_model_a_point(base, values[: args.per_model]))
    measured = result.worlds[result.worlds.point < args.per_model].reset_index(drop=True)
    pd.testing.assert_frame_equal(measured, separate, check_exact=True, check_dtype=False)
    per_model = each / args.per_model * args.points

    half = max(1, args.jobs // 2)
    jobs_full = hydra_jobs(values[: args.jobs], args.worlds)
    jobs_half = hydra_jobs(values[:half], args.worlds)
    marginal = (jobs_full - jobs_half) / (args.jobs - half)
    per_job = jobs_full + (args.points - args.jobs) * marginal

    world_months = args.points * args.worlds * base.engine.rounds
    print(
        f"load average {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores; {args.points:,} points x "
        f"{args.worlds} worlds x {base.engine.rounds} months of thaw, {KEY} from 0 to 1; CPU seconds"
    )
    print(
        f"  in one process (run_points):   {inside:8.2f} s  ({inside / world_months * 1e6:.2f} us a world-month, "
        f"{inside / args.points * 1e3:.1f} ms a point)"
    )
    print(
        f"  one model a point:             {per_model:8.2f} s  (measured {each:.2f} s for {args.per_model} points, "
        f"{each / args.per_model * 1e3:.0f} ms a point, x{args.points / args.per_model:g})  ratio {per_model / inside:6.1f}x"
    )
    print(
        f"  one Hydra job a point:         {per_job:8.2f} s  (measured {jobs_full:.1f} s for {args.jobs} jobs, "
        f"{jobs_half:.1f} s for {half}; marginal job {marginal:.2f} s)  ratio {per_job / inside:6.1f}x"
    )
    print(
        f"  targets: >= 300x and >= 1,000x; the floor of (1) is its world-months: at {args.worlds} worlds a point the "
        f"simulation alone is {world_months:,} world-months"
    )
    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        run_points(base, table)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(18)


if __name__ == "__main__":
    main()
