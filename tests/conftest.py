"""Shared helpers: compose configs with the real Hydra tree and build small models."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from quidproquo.config import load
from quidproquo.model import BargainingModel

ROOT = Path(__file__).resolve().parents[1]


def model(scenario: str = "thaw", worlds: int = 3, seed: int = 0, **changes) -> BargainingModel:
    """A model built from a composed scenario; `changes` are Hydra overrides ("a.b" = value)."""
    cfg = load([f"scenario={scenario}", f"engine.worlds={worlds}", f"engine.seed={seed}",
                *(f"{k}={v}" for k, v in changes.items())])
    return BargainingModel(config=cfg)


def qpq() -> str:
    """The real `qpq` console script installed beside this interpreter."""
    return str(Path(sys.executable).with_name("qpq"))


@pytest.fixture
def env():
    """The environment for `qpq` subprocesses (no Hydra full-error override from the caller)."""
    out = dict(os.environ)
    out.pop("HYDRA_FULL_ERROR", None)
    return out


def annuity(discount: float, months: int) -> float:
    return (1 - discount**months) / (1 - discount)


__all__ = ["model", "qpq", "annuity", "np", "ROOT"]
