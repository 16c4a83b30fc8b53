"""Fixtures shared by the tests (helpers to import live in tests_support.py)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def no_trusted_modules(monkeypatch):
    """Every test starts trusting no module of its own: `--trust` in an in-process call sets
    QPQ_TRUST for the process, and must not leak into the next test."""
    monkeypatch.delenv("QPQ_TRUST", raising=False)


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
