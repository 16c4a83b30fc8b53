"""Where the fast tests' time goes (issue 19: `make test-fast` under 2 minutes on 2 cores).

Runs the fast tier (`pytest -n auto -m "not slow"`, as `make test-fast` does) with this file as a
pytest plugin in every worker, which measures, test by test: the CPU of the test's own process and
of the child processes it waited for (a subprocess `qpq`, a launcher's workers; a command forked
from the zygote counts in the zygote's, when the session ends), and the time in Hydra's
compositions (`ConfigLoaderImpl.load_configuration`, ours and Hydra's own), figures saved
(`Figure.savefig`), model runs (`BargainingModel.run`) and full posterior fits
(`posterior.sample`). It prints the suite's wall and CPU time, how busy the cores were, the total
of each kind, and the tests that spend most on each and overall.

    python benchmarks/suite.py [--top 15] [PYTEST ARGS...]     # e.g. tests/experiments
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parents[1]
KINDS = (
    "CPU in the test's process",
    "CPU in its child processes",
    "composition",
    "figure",
    "model run",
    "posterior fit",
)

# ------------------------------------------------------------------ the plugin, in each worker
_SPENT: dict[str, dict[str, list]] = {}
_NOW = ["(outside a test)"]


def _timed(owner, name: str, kind: str) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent = _SPENT.setdefault(_NOW[0], {}).setdefault(kind, [0, 0.0])
            spent[0] += 1
            spent[1] += time.perf_counter() - started

    setattr(owner, name, timed)


def pytest_configure(config):
    if not os.environ.get("QPQ_SUITE_COSTS"):
        return
    import matplotlib.figure
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    from quidproquo.engine.model import BargainingModel
    from quidproquo.experiments import posterior

    _timed(ConfigLoaderImpl, "load_configuration", "composition")
    _timed(matplotlib.figure.Figure, "savefig", "figure")
    _timed(BargainingModel, "run", "model run")
    _timed(posterior, "sample", "posterior fit")


def _cpu(who) -> float:
    used = resource.getrusage(who)
    return used.ru_utime + used.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """The test's own CPU (this worker's) and its children's (the processes it started and waited
    for: a subprocess `qpq`, a launcher's workers), setup to teardown."""
    _NOW[0] = item.nodeid
    own, children = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    yield
    spent = _SPENT.setdefault(item.nodeid, {})
    spent["CPU in the test's process"] = [1, _cpu(resource.RUSAGE_SELF) - own]
    spent["CPU in its child processes"] = [1, _cpu(resource.RUSAGE_CHILDREN) - children]


def pytest_unconfigure(config):
    folder = os.environ.get("QPQ_SUITE_COSTS")
    if folder:
        Path(folder, f"spent-{os.getpid()}.json").write_text(json.dumps(_SPENT))


# ------------------------------------------------------------------------------ the report
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15, help="tests to list for each kind (default 15)")
    args, pytest_args = parser.parse_known_args()
    with tempfile.TemporaryDirectory() as folder:
        junit = Path(folder) / "junit.xml"
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-n",
            "auto",
            "-m",
            "not slow",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "suite",
            f"--junitxml={junit}",
            *pytest_args,
        ]
        env = {
            **os.environ,
            "QPQ_SUITE_COSTS": folder,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE / "benchmarks"), os.environ.get("PYTHONPATH")])),
        }
        load = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, cwd=HERE, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-2000:])
        spent: dict[str, dict[str, list]] = {}
        for part in Path(folder).glob("spent-*.json"):
            for test, kinds in json.loads(part.read_text()).items():
                spent.setdefault(test, {}).update(kinds)
        tests = {
            f"{case.get('classname').replace('.', '/')}.py::{case.get('name')}": float(case.get("time"))
            for case in ET.parse(junit).iter("testcase")
        }
    cores = os.cpu_count() or 1
    print(
        f"wall {wall:.0f} s, CPU {cpu:.0f} s (the cores {100 * cpu / (wall * cores):.0f}% busy, {cores} cores), "
        f"sum of the tests' times {sum(tests.values()):.0f} s; load average {load:.1f} at the start"
    )
    for kind in KINDS:
        rows = sorted(((v[kind][1], v[kind][0], t) for t, v in spent.items() if kind in v), reverse=True)
        print(f"\n{kind}: {sum(r[0] for r in rows):.1f} s in {sum(r[1] for r in rows)} calls, {len(rows)} tests")
        for seconds, calls, test in rows[: args.top]:
            print(f"  {seconds:6.1f} s {calls:5d}  {test}")
    print(f"\nthe slowest tests (setup, call and teardown): {len(tests)} tests")
    for test, seconds in sorted(tests.items(), key=lambda item: -item[1])[: args.top]:
        print(f"  {seconds:6.1f} s  {test}")
    raise SystemExit(done.returncode)


if __name__ == "__main__":
    main()
