"""Helpers shared by test modules (kept apart from conftest so modules can import them)."""

from quidproquo.config import load
from quidproquo.model import BargainingModel


def model_with_utility(key: str, node: dict, worlds: int = 2, rounds: int = 6) -> BargainingModel:
    cfg = load(["scenario=thaw", f"engine.worlds={worlds}", f"engine.rounds={rounds}"])
    actor = key.split(".")[1]
    setattr(getattr(cfg.actors, actor), "utility", node)
    return BargainingModel(config=cfg)
