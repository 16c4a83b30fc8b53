"""Peak memory of a large `qpq run` (issue 20: 100,000 worlds x 36 months within 1.0 GB; it was 1.9).

The real console script runs as a child process, alone; its peak resident set is read from
`resource.getrusage(RUSAGE_CHILDREN).ru_maxrss` after it ends (the largest child's peak, the one
child here). Beside it: the size of the run's record arrays (what the tables are made from, computed
from the same shapes), the peak of a `qpq run --help` (the interpreter and the cli, for reference),
the wall and CPU time, and the load average.

    python benchmarks/memory.py [--worlds 100000] [--rounds 36]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QPQ = str(Path(sys.executable).with_name("qpq"))


def child(args: list[str]) -> tuple[float, float, float]:
    """(peak RSS in MB, wall seconds, CPU seconds) of one child process run alone."""
    start, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
    return after.ru_maxrss / 1000, time.perf_counter() - start, cpu_seconds


def record_mib(worlds: int, rounds: int, tiers: int = 3, instruments: int = 7, actors: int = 5) -> float:
    """The record's arrays (engine/record.py Recorder): 5 int32 (round, world, tier) arrays, 4 float64
    and 2 bool (round, world) ones, 2 int8 (round, world, instrument) and the float64 utilities."""
    cells = rounds * worlds
    return (5 * 4 * tiers + 4 * 8 + 2 + 2 * instruments + 8 * actors) * cells / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=36)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base, _, _ = child([QPQ, "run", "--help"])  # first: ru_maxrss is the largest child so far
        peak, wall, cpu = child(
            [
                QPQ,
                "run",
                "scenario=thaw",
                f"engine.worlds={args.worlds}",
                f"engine.rounds={args.rounds}",
                f"hydra.run.dir={Path(tmp) / 'run'}",
            ]
        )
        sizes = {p.name: p.stat().st_size / 1e6 for p in (Path(tmp) / "run").glob("*.parquet")}
    print(f"load average {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    print(
        f"qpq run scenario=thaw engine.worlds={args.worlds:,} engine.rounds={args.rounds}: peak RSS {peak:,.0f} MB "
        f"({peak / 1000:.2f} GB), {wall:.1f} s wall, {cpu:.1f} s CPU"
    )
    print(
        f"record arrays {record_mib(args.worlds, args.rounds):,.0f} MiB; peak / record = "
        f"{peak * 1e6 / 2**20 / record_mib(args.worlds, args.rounds):.2f}; qpq run --help peaks at {base:,.0f} MB"
    )
    print("tables written: " + ", ".join(f"{k} {v:,.0f} MB" for k, v in sorted(sizes.items())))
    print(f"within 1.0 GB: {'yes' if peak <= 1000 else 'NO'}")


if __name__ == "__main__":
    main()
