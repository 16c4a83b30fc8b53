"""The five actors, one Mesa agent each; every agent decides for all worlds at once."""

from quidproquo.actors.eu import EU
from quidproquo.actors.minsk import Minsk
from quidproquo.actors.moscow import Moscow
from quidproquo.actors.opposition import Opposition
from quidproquo.actors.washington import Washington

__all__ = ["EU", "Minsk", "Moscow", "Opposition", "Washington"]
