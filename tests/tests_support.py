"""Helpers shared by test modules: configs composed with the real Hydra tree, small models, the
`qpq` binary. (Fixtures live in conftest.py; helpers live here, where modules can import them.)"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

from quidproquo.config import load
from quidproquo.engine.model import BargainingModel

ROOT = Path(__file__).resolve().parents[1]


def model(scenario: str = "thaw", worlds: int = 3, seed: int = 0, **changes) -> BargainingModel:
    """A model built from a composed scenario; `changes` are Hydra overrides ("a.b" = value)."""
    cfg = load(
        [
            f"scenario={scenario}",
            f"engine.worlds={worlds}",
            f"engine.seed={seed}",
            *(f"{k}={v}" for k, v in changes.items()),
        ]
    )
    return BargainingModel(config=cfg)


def qpq() -> str:
    """The real `qpq` console script installed beside this interpreter."""
    return str(Path(sys.executable).with_name("qpq"))


def model_with_utility(key: str, node: dict, worlds: int = 2, rounds: int = 6) -> BargainingModel:
    cfg = load(["scenario=thaw", f"engine.worlds={worlds}", f"engine.rounds={rounds}"])
    actor = key.split(".")[1]
    getattr(cfg.actors, actor).utility = node
    return BargainingModel(config=cfg)


@contextlib.contextmanager
def held_elsewhere(folder: Path):
    """Another process holding `folder`'s lock (runs/lock.py) for the block: yields that process."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from quidproquo.runs.lock import hold; hold({str(folder)!r}); "
            "print('held', flush=True); import time; time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait()
