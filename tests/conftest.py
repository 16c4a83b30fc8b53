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
