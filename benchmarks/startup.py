"""How long `qpq --help` takes, and what importing the cli costs (issue 20: under 1 s).

Runs the real console script several times as a child process and prints the median and worst
wall-clock seconds, beside `python -c pass` measured in the same loop (the interpreter's own start)
and the load average, so the figure can be read on a busy machine.

    python benchmarks/startup.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

QPQ = str(Path(sys.executable).with_name("qpq"))


def seconds(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    repeat = parser.parse_args().repeat
    cases = {
        "qpq --help": [QPQ, "--help"],
        "qpq run --help": [QPQ, "run", "--help"],
        "python -c pass": [sys.executable, "-c", "pass"],
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, args in cases.items():
            times[name].append(seconds(args))
    print(f"load average {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores, {repeat} runs each")
    for name, t in times.items():
        print(f"{name:<16} median {statistics.median(t):.3f} s, worst {max(t):.3f} s")
    worst = max(times["qpq --help"])
    print(f"qpq --help under 1 s: {'yes' if worst < 1 else 'NO'} (worst of {repeat}: {worst:.3f} s)")


if __name__ == "__main__":
    main()
