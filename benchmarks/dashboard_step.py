"""What a Step costs on the dashboard: the model's month plus both charts redrawn, as the page does.

Measured here for the current page (`dashboard/charts.py`: each chart an SVG built from the
worlds' quantiles, drawn by the browser) and for a baseline measured in the same process,
alternating: the chart code at git revision `--against` (default `b4ac2fc`, the last with the
matplotlib charts: figures made once per model, data moved each month, both encoded to PNG),
loaded from `git show` as a module. Both run the same `DashboardModel` (thaw, 100 worlds) for
the same months. Prints ms per step (median and 90th percentile over the months) for the step
whole and for the model alone, the ratio, and the machine's load average, since a loaded
machine slows both. The budget is 60 ms median at 100 worlds (issue 23).

    python benchmarks/dashboard_step.py [--worlds 100] [--months 24] [--against REV]
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from quidproquo.teaching.dashboard.charts import Charts  # noqa: E402
from quidproquo.teaching.dashboard.controls import DashboardModel  # noqa: E402

HERE = Path(__file__).resolve().parents[1]
BEFORE = "b4ac2fc"  # the last page with matplotlib charts drawn to PNG
BUDGET = 60.0  # ms, median at 100 worlds


def old_charts(revision: str):
    """The chart module (`dashboard/charts.py`) as it was at `revision`, loaded under another name."""
    source = subprocess.run(
        ["git", "-C", str(HERE), "show", f"{revision}:src/quidproquo/teaching/dashboard/charts.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as file:
        file.write(source)
    spec = importlib.util.spec_from_file_location("quidproquo_old_dashboard_charts", file.name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    os.unlink(file.name)
    return module


def old_step(charts, model) -> None:
    """A month, then both charts as the old page drew them (matplotlib, to PNG)."""
    model.step()
    for name in Charts.NAMES:
        charts.png(name)


def new_step(charts: Charts, model) -> float:
    """A month, then both charts as the page draws them now; returns the model's share in ms."""
    start = time.perf_counter()
    model.step()
    modelled = 1000 * (time.perf_counter() - start)
    for name in Charts.NAMES:
        charts.svg(name)
    return modelled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=100)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--against", default=BEFORE, metavar="REV", help="the revision whose page is the baseline")
    args = parser.parse_args()
    before = old_charts(args.against)

    def model():
        return DashboardModel(scenario_name="thaw", worlds=args.worlds, seed=0)

    old_model, new_model = model(), model()
    old, charts = before.Charts(old_model), Charts(new_model)
    warm = model()  # warm-up: imports, font caches, the first draw of each figure
    old_step(before.Charts(warm), warm)
    new_step(Charts(warm), warm)
    old_ms, new_ms, model_ms = [], [], []
    for _ in range(args.months):  # alternate, so that load on the machine falls on both alike
        start = time.perf_counter()
        old_step(old, old_model)
        old_ms.append(1000 * (time.perf_counter() - start))
        start = time.perf_counter()
        model_ms.append(new_step(charts, new_model))
        new_ms.append(1000 * (time.perf_counter() - start))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"dashboard step: thaw, {args.worlds} worlds, {args.months} months; model step + both charts; "
        f"load average {load} ({os.cpu_count()} cores)"
    )
    print(f"{'':<34}{'median ms':>10}{'p90 ms':>9}")
    for name, ms in (
        (f"before ({args.against}, PNG)", old_ms),
        ("now (SVG)", new_ms),
        ("  of which the model", model_ms),
    ):
        print(f"{name:<34}{np.median(ms):>10.1f}{np.percentile(ms, 90):>9.1f}")
    print(
        f"ratio before/now (median): {np.median(old_ms) / np.median(new_ms):.1f}x; "
        f"now {'within' if np.median(new_ms) <= BUDGET else 'ABOVE'} the {BUDGET:.0f} ms budget"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
