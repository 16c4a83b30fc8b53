"""Fixtures shared by the tests (helpers to import live in tests_support.py)."""

from __future__ import annotations

import fcntl
import hashlib
import inspect
import pickle

import pytest


@pytest.fixture(autouse=True)
def no_trusted_modules(monkeypatch):
    """Every test starts trusting no module of its own: `--trust` in an in-process call sets
    QPQ_TRUST for the process, and must not leak into the next test."""
    monkeypatch.delenv("QPQ_TRUST", raising=False)


# ------------------------------------------------------------ one fit a session, shared
# Two fits are the input of many tests: the full ABC-SMC posterior (forecast.BUDGET, 8 x 10,000
# worlds, 6-10 s) of the forecast, the backtest, the record comparison, the in-sample checks and
# their README lines, about fifteen fits a run of two distinct inputs; and `qpq calibrate --budget
# small`'s fit (3-4 s) of the calibration tests and the README's calibrate lines. Each distinct
# fit is computed once per session, by the first test that needs it (in whichever xdist worker),
# and pickled into the session's shared temporary folder for the others, under a lock so that no
# two workers compute it. Both fits are deterministic in their inputs (the key is all of them), so
# a test gets the very result it would have computed; what the fit told its progress is recorded
# and replayed to the next caller's. Only the full posterior budget is shared: the tests of the
# sampler itself (the same seed, no row after an origin) fit a small budget, fresh each time.


@pytest.fixture(scope="session", autouse=True)
def shared_fits(tmp_path_factory, worker_id):
    from quidproquo.experiments import calibrate, forecast, posterior

    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's base folder sits in the session's own: share that one (never the
    # folder above a plain session's, which outlives it).
    folder = (base.parent if worker_id != "master" else base) / "fits"
    folder.mkdir(exist_ok=True)

    def full_budget(given: dict) -> bool:
        return all(given.get(k) == v for k, v in forecast.BUDGET.items())

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(posterior, "sample", _shared(posterior.sample, folder, "posterior", full_budget))
        patch.setattr(calibrate, "fit", _shared(calibrate.fit, folder, "calibration", lambda given: True))
        yield folder


def _shared(compute, folder, name: str, applies):
    """`compute`, its result taken from (or put into) the session's folder when `applies` to its
    arguments; its `progress` argument told what the computation told it."""
    signature = inspect.signature(compute)

    def shared(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        given = dict(bound.arguments)
        progress = given.pop("progress", None)
        if not applies(given):
            return compute(*args, **kwargs)
        try:
            key = hashlib.sha256(pickle.dumps(_canonical(given))).hexdigest()[:24]
        except Exception:  # what cannot be pickled cannot be shared: compute it here
            return compute(*args, **kwargs)
        path = folder / f"{name}-{key}.pickle"
        with open(path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if not path.exists():
                told = _Told(progress)
                result = compute(**{**given, "progress": told})
                path.with_suffix(".part").write_bytes(pickle.dumps((result, told.calls)))
                path.with_suffix(".part").rename(path)
                return result
        result, calls = pickle.loads(path.read_bytes())
        _retell(calls, progress)
        return result

    return shared


def _canonical(value):
    """`value` as plain data whose pickle is the same bytes whenever the value is the same (a
    DataFrame's own pickle carries caches of its internals, and differs once it has been read)."""
    import dataclasses

    import numpy as np
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return ("DataFrame", value.to_csv(), [str(t) for t in value.dtypes])
    if isinstance(value, pd.Series):
        return ("Series", value.to_csv(), str(value.dtype))
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, value.tobytes())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return (type(value).__qualname__, [(f.name, _canonical(getattr(value, f.name))) for f in fields])
    if isinstance(value, dict):
        return ("dict", [(_canonical(k), _canonical(v)) for k, v in value.items()])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_canonical(v) for v in value])
    if isinstance(value, set | frozenset):
        return (type(value).__name__, sorted(repr(v) for v in value))
    return value


class _Told:
    """A command's progress (or none) as a fit sees it: every call is passed on and kept."""

    def __init__(self, progress):
        self.progress, self.calls = progress, []

    def stage(self, *args, **kwargs):
        number = sum(1 for call in self.calls if call[1] == "stage")
        self.calls.append((number, "stage", args, kwargs))
        return _ToldStage(self.progress.stage(*args, **kwargs) if self.progress else None, number, self.calls)


class _ToldStage:
    def __init__(self, stage, number: int, calls: list):
        self.stage, self.number, self.calls = stage, number, calls

    def __enter__(self):
        self.calls.append((self.number, "__enter__", (), {}))
        if self.stage is not None:
            self.stage.__enter__()
        return self

    def __exit__(self, *exc):
        self.calls.append((self.number, "__exit__", (None, None, None), {}))
        if self.stage is not None:
            self.stage.__exit__(*exc)

    def __getattr__(self, method):  # update, set_total, note
        def call(*args, **kwargs):
            self.calls.append((self.number, method, args, kwargs))
            if self.stage is not None:
                getattr(self.stage, method)(*args, **kwargs)

        return call


def _retell(calls: list, progress) -> None:
    """Tell `progress` what the fit told its own, stage by stage."""
    if progress is None:
        return
    stages = {}
    for number, method, args, kwargs in calls:
        if method == "stage":
            stages[number] = progress.stage(*args, **kwargs)
        else:
            getattr(stages[number], method)(*args, **kwargs)


@pytest.fixture(scope="session")
def zygote():
    """The process that forks the commands a test kills (tests_support.Zygote), one a worker."""
    from tests_support import Zygote, command_env

    forks = Zygote(command_env())
    yield forks
    forks.close()


@pytest.fixture
def env():
    """The environment for `qpq` subprocesses (tests_support.command_env)."""
    from tests_support import command_env

    return command_env()


# The slow kinds of test, by file: `make test-fast` leaves them out (`-m "not slow"`), `make
# test` runs them all. A file's kind is its concern (a real browser, a Ray cluster, executed
# notebooks), not how long one run happened to take. Every other test is in the fast set.
KINDS = {
    "test_classroom_browser.py": "browser",
    "test_dashboard_browser.py": "browser",
    "test_play_fuzz.py": "browser",
    "test_ray.py": "ray",
    "test_notebooks.py": "notebook",
}


def pytest_configure(config):
    for kind, meaning in (
        ("browser", "drives a real Chromium through Playwright"),
        ("ray", "sweeps on the Ray launcher (a local Ray cluster, or Ray's client)"),
        ("notebook", "executes the seminar notebooks"),
        (
            "slow",
            "a test make test-fast leaves out (every browser, ray and notebook test, and no other)",
        ),
    ):
        config.addinivalue_line("markers", f"{kind}: {meaning}")


def pytest_collection_modifyitems(config, items):
    for item in items:
        kind = KINDS.get(item.path.name)
        if kind:
            item.add_marker(kind)
        # A test of another file of one of these kinds says so itself (@pytest.mark.browser; the
        # README's lines that sweep on Ray in test_readme.py and the Ray that cannot start in
        # test_launchers.py are marked ray).
        if any(item.get_closest_marker(k) for k in ("browser", "ray", "notebook")):
            item.add_marker("slow")
