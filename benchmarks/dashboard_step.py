"""What a Step costs on the dashboard: the model's month plus both charts redrawn to PNG, as the page does.

Measured here for the current page (`dashboard/charts.py`: figures made once per model, data
moved each month) and for a baseline measured in the same process, alternating: the page's
chart code at git revision `--against` (default: the last commit before issue 13's charts,
`00d82c7`), loaded from `git show` as a module, which builds two new Figures every step and
saves them with `savefig(dpi=90)` -- exactly what its `FigureMatplotlib` did. Both run the same
`DashboardModel` (thaw, 100 worlds) for the same months. Prints ms per step (median and 90th
percentile over the months), the ratio, and the machine's load average, since a loaded machine
slows both.

    python benchmarks/dashboard_step.py [--worlds 100] [--months 24] [--against REV]
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import io  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from quidproquo.teaching.dashboard.charts import Charts  # noqa: E402
from quidproquo.teaching.dashboard.controls import DashboardModel  # noqa: E402

HERE = Path(__file__).resolve().parents[1]
BEFORE = "00d82c7"  # the page before issue 13: a new Figure per chart per step


def old_page(revision: str):
    """The page module (`dashboard/app.py`) as it was at `revision`, loaded under another name."""
    source = subprocess.run(["git", "-C", str(HERE), "show", f"{revision}:src/quidproquo/teaching/dashboard/app.py"],
                            capture_output=True, text=True, check=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as file:
        file.write(source)
    spec = importlib.util.spec_from_file_location("quidproquo_old_dashboard_app", file.name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    os.unlink(file.name)
    return module


def old_step(page, model) -> None:
    """A month, then both charts as the old page drew them (solara.FigureMatplotlib(fig, format="png", dpi=90))."""
    model.step()
    for make in (page.prisoners_figure, page.indicators_figure):
        figure = make(model)
        figure.savefig(io.BytesIO(), format="png", dpi=90)


def new_step(charts: Charts, model) -> None:
    """A month, then both charts as the page draws them now."""
    model.step()
    for name in Charts.NAMES:
        charts.png(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=100)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--against", default=BEFORE, metavar="REV", help="the revision whose page is the baseline")
    args = parser.parse_args()
    page = old_page(args.against)

    def model():
        return DashboardModel(scenario_name="thaw", worlds=args.worlds, seed=0)

    old_model, new_model = model(), model()
    charts = Charts(new_model)
    old_step(page, model())  # warm-up: imports, font caches, the first draw of each figure
    charts.png("prisoners"), charts.png("indicators")
    old_ms, new_ms = [], []
    for _ in range(args.months):  # alternate, so that load on the machine falls on both alike
        start = time.perf_counter()
        old_step(page, old_model)
        old_ms.append(1000 * (time.perf_counter() - start))
        start = time.perf_counter()
        new_step(charts, new_model)
        new_ms.append(1000 * (time.perf_counter() - start))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"dashboard step: thaw, {args.worlds} worlds, {args.months} months; model step + both charts to PNG; "
          f"load average {load} ({os.cpu_count()} cores)")
    print(f"{'':<28}{'median ms':>10}{'p90 ms':>9}")
    for name, ms in ((f"before ({args.against})", old_ms), ("now", new_ms)):
        print(f"{name:<28}{np.median(ms):>10.0f}{np.percentile(ms, 90):>9.0f}")
    print(f"ratio before/now (median): {np.median(old_ms) / np.median(new_ms):.1f}x; "
          f"now {'within' if np.median(new_ms) <= 300 else 'ABOVE'} the 300 ms budget")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
