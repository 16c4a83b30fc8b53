"""Fixtures shared by the tests (helpers to import live in tests_support.py)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def env():
    """The environment for `qpq` subprocesses (no Hydra full-error override from the caller)."""
    out = dict(os.environ)
    out.pop("HYDRA_FULL_ERROR", None)
    return out
