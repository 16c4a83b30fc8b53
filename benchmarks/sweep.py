"""Sweep throughput and peak memory, measured with the real `qpq` command.

1. A 2 scenarios x 5 channel values x 10,000 worlds sweep (100,000 worlds), whole command,
   with the in-process launcher and with joblib (all cores); worlds per second and the ratio.
2. Peak memory (max RSS) of a 100,000-world `qpq run`.

Both commands run as child processes of this script, one after another, so the ratio compares
runs on the same machine in the same minute.

    python benchmarks/sweep.py [--worlds 10000]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QPQ = str(Path(sys.executable).with_name("qpq"))


def timed(args: list[str]) -> tuple[float, float]:
    """Wall-clock seconds and the peak RSS (GB) of the largest process it started."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak_kb, before) / 1024**2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=10_000)
    args = parser.parse_args()
    grid = ["scenario=thaw,freeze", "actors.washington.channel_value=10,20,40,80,160", f"engine.worlds={args.worlds}"]
    total = 10 * args.worlds
    work = Path(tempfile.mkdtemp(prefix="qpq-bench-"))
    try:
        print(
            f"sweep: 2 scenarios x 5 values x {args.worlds:,} worlds = {total:,} worlds, whole command, {os.cpu_count()} cores"
        )
        rates = {}
        for launcher in ("basic", "joblib"):
            seconds, _ = timed(
                [QPQ, "sweep", *grid, f"hydra/launcher={launcher}", f"hydra.sweep.dir={work / launcher}"]
            )
            rates[launcher] = total / seconds
            print(f"  {launcher:<8} {seconds:7.1f} s  {rates[launcher]:>8,.0f} worlds/s")
        print(f"  joblib / in-process: {rates['joblib'] / rates['basic']:.2f}x")

        seconds, peak = timed(
            [
                QPQ,
                "run",
                "scenario=thaw",
                "engine.worlds=100000",
                "output.figures=false",
                f"hydra.run.dir={work / 'big'}",
            ]
        )
        print(f"\n100,000-world qpq run (tables written, no figures): {seconds:.1f} s, peak memory {peak:.2f} GB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
