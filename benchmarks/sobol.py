"""A Sobol analysis at scale: N = 1,024 over 6 parameters with second-order indices, i.e.
1,024 x (2 x 6 + 2) = 14,336 points x 100 worlds x 36 months of thaw, on 2 cores (issue 20: under
5 minutes).

The design is SALib's (`SALib.sample.sobol.sample`); the model output is the mean net change in
prisoners held at every point, from `quidproquo.experiments.sensitivity.outcome_means` (every
point a block of worlds of one model, `batch.run_points`; `--jobs 2` splits the points over two
worker processes); the indices are `SALib.analyze.sobol.analyze`'s. Prints wall and CPU seconds
(this process and its workers) and the load average before and after. `--fraction F` runs the
first F of the points and scales the time by 1/F (said in the output) -- for a machine where the
whole design would take too long; the indices need the whole design and are printed only then.

    python benchmarks/sobol.py [--n 1024] [--worlds 100] [--jobs 2] [--fraction 1]
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import logging  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402

PROBLEM = {
    "names": [
        "actors.washington.engagement",
        "actors.washington.channel_value",
        "actors.minsk.hostage_elasticity",
        "actors.minsk.goodwill",
        "actors.opposition.exile_effect",
        "actors.moscow.responsiveness",
    ],
    "bounds": [[0.0, 1.0], [0.0, 160.0], [0.0, 2.0], [0.0, 3.0], [0.0, 1.0], [0.0, 2.0]],
}
PROBLEM["num_vars"] = len(PROBLEM["names"])


def cpu_seconds() -> float:
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1024)
    parser.add_argument("--worlds", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--fraction", type=float, default=1.0)
    args = parser.parse_args()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    from SALib.analyze import sobol
    from SALib.sample import sobol as sobol_sample

    from quidproquo.config import load
    from quidproquo.experiments import sensitivity

    base = load(["scenario=thaw", f"engine.worlds={args.worlds}"])
    samples = sobol_sample.sample(PROBLEM, args.n, calc_second_order=True, seed=1)
    run = samples[: max(1, round(len(samples) * args.fraction))]
    load_before = os.getloadavg()[0]
    start, cpu = time.perf_counter(), cpu_seconds()
    y = sensitivity.outcome_means(base, run, outcome="net_change", keys=PROBLEM["names"], jobs=args.jobs)
    wall, used = time.perf_counter() - start, cpu_seconds() - cpu
    scale = len(samples) / len(run)
    print(
        f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after (1 min), {os.cpu_count()} cores, "
        f"{args.jobs} worker processes"
    )
    print(
        f"Sobol N={args.n}, {PROBLEM['num_vars']} parameters, second order: {len(samples):,} points x {args.worlds} "
        f"worlds x {base.engine.rounds} months ({len(samples) * args.worlds * base.engine.rounds:,} world-months)"
    )
    if scale == 1:
        print(f"  whole design: {wall:.1f} s wall, {used:.1f} s CPU ({used / len(samples) * 1e3:.1f} ms CPU a point)")
        start = time.perf_counter()
        indices = sobol.analyze(PROBLEM, y, calc_second_order=True, seed=1)
        total, first, _ = indices.to_df()
        print(f"  SALib analysis {time.perf_counter() - start:.1f} s; S1 and ST of the mean net change:")
        print(first.join(total).round(3).to_string())
    else:
        print(
            f"  {len(run):,} of the points ({args.fraction:g}) in {wall:.1f} s wall, {used:.1f} s CPU; scaled by "
            f"{scale:.2f} to the whole design: {wall * scale:.0f} s wall, {used * scale:.0f} s CPU (extrapolated)"
        )
    print(f"  under 5 minutes: {'yes' if wall * scale < 300 else 'NO'}")


if __name__ == "__main__":
    main()
