"""Fixtures shared by the tests (helpers to import live in tests_support.py)."""

from __future__ import annotations

import fcntl
import hashlib
import inspect
import os
import pickle

import pytest


@pytest.fixture(autouse=True)
def no_trusted_modules(monkeypatch):
    """Every test starts trusting no module of its own: `--trust` in an in-process call sets
    QPQ_TRUST for the process, and must not leak into the next test."""
    monkeypatch.delenv("QPQ_TRUST", raising=False)


# ---------------------------------------------------------------- one posterior fit a session
# The full ABC-SMC fit (forecast.BUDGET: 8 generations x 10,000 worlds, 6-10 s) is the input of
# the forecast, the backtest, the record comparison, the in-sample checks and their README lines:
# about fifteen fits a run, of two distinct inputs. Each distinct fit is computed once per
# session, by the first test that needs it (in whichever xdist worker), and pickled into the
# session's shared temporary folder for the others, under a lock so two workers never both
# compute it. The fit is deterministic in its inputs (test_forecast.py checks it), so a test
# gets the very posterior it would have computed. Only the full budget is shared: the tests of
# the sampler itself (the same seed, the rows after an origin) fit a small budget, fresh each
# time; and a test that asks for `fresh_posterior` fits in full, as if no other test had.
_FRESH = {"now": False}


@pytest.fixture(scope="session", autouse=True)
def shared_posteriors(tmp_path_factory, worker_id):
    from quidproquo.experiments import forecast, posterior

    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's base folder sits in the session's own: share that one (never the
    # folder above a plain session's, which outlives it).
    folder = (base.parent if worker_id != "master" else base) / "posteriors"
    folder.mkdir(exist_ok=True)
    sample = posterior.sample
    signature = inspect.signature(sample)

    def shared(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        given = dict(bound.arguments)
        progress = given.pop("progress", None)
        if _FRESH["now"] or any(given.get(k) != v for k, v in forecast.BUDGET.items()):
            return sample(*args, **kwargs)
        try:
            key = hashlib.sha256(pickle.dumps(given)).hexdigest()[:24]
        except Exception:  # what cannot be pickled cannot be shared: fit it here
            return sample(*args, **kwargs)
        path = folder / f"{key}.pickle"
        with open(folder / f"{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if not path.exists():
                fitted = sample(*args, **kwargs)
                path.with_suffix(".part").write_bytes(pickle.dumps(fitted))
                path.with_suffix(".part").rename(path)
                return fitted
        fitted = pickle.loads(path.read_bytes())
        _replay_progress(fitted, progress, given["proposals"], given["generations"])
        return fitted

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(posterior, "sample", shared)
        yield folder


def _replay_progress(fitted, progress, proposals: int, generations: int) -> None:
    """What the sampler reports while it fits (posterior.sample's stage, a step and a note a
    generation), for a posterior taken from the session's cache: the command's progress reads as
    it would."""
    if progress is None:
        return
    with progress.stage(
        "generations", generations, "generation", f"ABC-SMC {generations} x {proposals:,} worlds"
    ) as stage:
        for row in fitted.generations.itertuples():
            stage.update()
            stage.note(f"distance {row.median_distance:.2f}, ESS {row.ess:.0f}")


@pytest.fixture
def fresh_posterior():
    """The full posterior fit computed in this test, not taken from the session's cache."""
    _FRESH["now"] = True
    yield
    _FRESH["now"] = False


@pytest.fixture
def env():
    """The environment for `qpq` subprocesses (no Hydra full-error override, no trusted modules)."""
    out = dict(os.environ)
    out.pop("HYDRA_FULL_ERROR", None)
    out.pop("QPQ_TRUST", None)
    return out


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
        ("ray", "starts a local Ray cluster"),
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
        # README's lines that sweep on Ray are marked ray in test_readme.py).
        if any(item.get_closest_marker(k) for k in ("browser", "ray", "notebook")):
            item.add_marker("slow")
