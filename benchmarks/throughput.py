"""Throughput of the vectorised model against Mesa's batch_run, in one process on one core.

Prints worlds per second for `thaw` at 36 rounds with 1, 100, 10,000 and 100,000 worlds in one
model, then the same model run one world per `mesa.batch_run` run, and the ratio. Both are
measured here, in the same process, so the ratio holds on a noisy machine.

`--against REV` also measures the model as it was at git revision REV (checked out into a
temporary worktree and run in a child process, alternating with this one, best of `--repeats`),
and prints both and their ratio: how much a change to the model costs in worlds per second.

    python benchmarks/throughput.py [--largest 100000] [--batch-runs 40] [--against REV]
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")  # one core: no BLAS thread pools

import argparse  # noqa: E402
import logging  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import mesa  # noqa: E402

from quidproquo import BargainingModel  # noqa: E402


def vectorised(worlds: int, rounds: int) -> float:
    """Seconds to build and run one model of `worlds` worlds."""
    start = time.perf_counter()
    BargainingModel(scenario="thaw", worlds=worlds, rng=7, rounds=rounds).run()
    return time.perf_counter() - start


def batch_run(runs: int, rounds: int) -> float:
    """Seconds for `runs` one-world runs through mesa.batch_run."""
    start = time.perf_counter()
    mesa.batch_run(
        BargainingModel,
        {"scenario": "thaw", "worlds": 1, "rounds": rounds},
        rng=list(range(runs)),
        max_steps=rounds,
        display_progress=False,
    )
    return time.perf_counter() - start


ONE_RUN = """
import logging, time, sys
logging.getLogger("MESA").setLevel(logging.WARNING)
from quidproquo import BargainingModel
worlds, rounds = int(sys.argv[1]), int(sys.argv[2])
BargainingModel(scenario="thaw", worlds=10, rng=7, rounds=rounds).run()
start = time.perf_counter()
BargainingModel(scenario="thaw", worlds=worlds, rng=7, rounds=rounds).run()
print(time.perf_counter() - start)
"""


def timed(source: Path, worlds: int, rounds: int) -> float:
    """Seconds for one run of `worlds` worlds by the package in `source` (a checkout), in a child process."""
    env = {**os.environ, "PYTHONPATH": str(source / "src"), "QPQ_CONF": str(source / "conf")}
    done = subprocess.run(
        [sys.executable, "-c", ONE_RUN, str(worlds), str(rounds)], env=env, capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def against(revision: str, sizes: list[int], rounds: int, repeats: int) -> None:
    """This checkout against `revision`, each size measured alternately, best of `repeats`."""
    here = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as scratch:
        other = Path(scratch) / "other"
        subprocess.run(
            ["git", "-C", str(here), "worktree", "add", "--detach", str(other), revision],
            check=True,
            capture_output=True,
        )
        try:
            print(
                f"\nthaw, {rounds} rounds, one core: this checkout against {revision} (best of {repeats}, alternating)"
            )
            print(f"{'worlds':>10} {'now w/s':>10} {revision[:10]:>12} {'ratio':>7}")
            for worlds in sizes:
                now, then = [], []
                for _ in range(repeats):
                    now.append(timed(here, worlds, rounds))
                    then.append(timed(other, worlds, rounds))
                rate_now, rate_then = worlds / min(now), worlds / min(then)
                print(f"{worlds:>10,} {rate_now:>10,.0f} {rate_then:>12,.0f} {rate_now / rate_then:>7.2f}")
        finally:
            subprocess.run(["git", "-C", str(here), "worktree", "remove", "--force", str(other)], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--largest", type=int, default=100_000)
    parser.add_argument("--batch-runs", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=36)
    parser.add_argument("--against", metavar="REV", help="also measure the model at git revision REV, and the ratio")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    logging.getLogger("MESA").setLevel(logging.WARNING)
    sizes = sorted({1, 100, 10_000, args.largest})
    for worlds in sizes:  # warm-up: imports, and each size's config composed once (it is cached)
        BargainingModel(scenario="thaw", worlds=worlds, rng=7, rounds=args.rounds)
    vectorised(10, args.rounds)

    print(f"thaw, {args.rounds} rounds, one core")
    print(f"{'worlds':>10} {'seconds':>9} {'worlds/s':>10}")
    rates = {}
    for worlds in sizes:
        seconds = vectorised(worlds, args.rounds)
        rates[worlds] = worlds / seconds
        print(f"{worlds:>10,} {seconds:>9.3f} {rates[worlds]:>10,.0f}")

    seconds = batch_run(args.batch_runs, args.rounds)
    baseline = args.batch_runs / seconds
    print(f"\nmesa.batch_run, one world per run: {args.batch_runs} runs in {seconds:.2f} s = {baseline:,.1f} worlds/s")
    best = max(rates, key=rates.get)
    print(f"ratio, {best:,} worlds in one model vs batch_run: {rates[best] / baseline:,.0f}x")
    if args.against:
        against(args.against, [10_000, args.largest], args.rounds, args.repeats)


if __name__ == "__main__":
    main()
