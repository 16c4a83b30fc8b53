"""quidproquo: a sanctions-and-concessions bargaining simulator.

Five actors -- Minsk, Washington, the EU bloc, Moscow and the Belarusian opposition -- trade
political-prisoner releases for sanctions relief over many parallel worlds.
"""

from quidproquo.model import BargainingModel

__all__ = ["BargainingModel"]
__version__ = "0.1.0"
