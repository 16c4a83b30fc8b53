"""Throughput of the vectorised model against Mesa's batch_run, in one process on one core.

Prints worlds per second for `thaw` at 36 rounds with 1, 100, 10,000 and 100,000 worlds in one
model, then the same model run one world per `mesa.batch_run` run, and the ratio. Both are
measured here, in the same process, so the ratio holds on a noisy machine.

    python benchmarks/throughput.py [--largest 100000] [--batch-runs 40]
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")  # one core: no BLAS thread pools

import argparse  # noqa: E402
import logging  # noqa: E402
import time  # noqa: E402

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
    mesa.batch_run(BargainingModel, {"scenario": "thaw", "worlds": 1, "rounds": rounds}, rng=list(range(runs)),
                   max_steps=rounds, display_progress=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--largest", type=int, default=100_000)
    parser.add_argument("--batch-runs", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=36)
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


if __name__ == "__main__":
    main()
