"""The five actors, one Mesa agent each; every agent decides for all worlds at once."""

from quidproquo.engine.actors.eu import EU
from quidproquo.engine.actors.minsk import Minsk
from quidproquo.engine.actors.moscow import Moscow
from quidproquo.engine.actors.opposition import Opposition
from quidproquo.engine.actors.washington import Washington

__all__ = ["EU", "Minsk", "Moscow", "Opposition", "Washington"]
