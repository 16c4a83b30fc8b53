"""Concession strategies: how far a negotiator has come down from its aspiration.

A strategy has the signature `concession(t, opponent_concession, **params) -> array`: at
negotiation time t in [0, 1] (first offer 0, last offer 1) it returns, per world, the fraction F
of the way from the negotiator's aspiration (best outcome) to its reservation utility. Its
target utility is then aspiration - F * (aspiration - reservation). `opponent_concession` is the
fraction the other side reached in its latest offer (tit-for-tat reads it; time-dependent
strategies ignore it).
"""

from __future__ import annotations

import numpy as np


def time_dependent(t: float, opponent_concession: np.ndarray, exponent: float = 1.0,
                   initial: float = 0.0) -> np.ndarray:
    """Faratin, Sierra & Jennings (1998): F(t) = initial + (1 - initial) t^(1/exponent).

    exponent < 1 is Boulware (holds firm, concedes at the deadline), 1 is linear, > 1 is
    Conceder (gives ground early).
    """
    curve = initial + (1.0 - initial) * float(np.clip(t, 0.0, 1.0)) ** (1.0 / exponent)
    return np.full(np.shape(opponent_concession), curve)


def boulware(t: float, opponent_concession: np.ndarray, exponent: float = 0.2) -> np.ndarray:
    """Time-dependent concession that holds firm until late (exponent < 1)."""
    return time_dependent(t, opponent_concession, exponent)


def linear(t: float, opponent_concession: np.ndarray) -> np.ndarray:
    """Time-dependent concession at a constant pace."""
    return time_dependent(t, opponent_concession, 1.0)


def conceder(t: float, opponent_concession: np.ndarray, exponent: float = 5.0) -> np.ndarray:
    """Time-dependent concession that gives ground early (exponent > 1)."""
    return time_dependent(t, opponent_concession, exponent)


def tit_for_tat(t: float, opponent_concession: np.ndarray, step: float = 0.1) -> np.ndarray:
    """Relative tit-for-tat: match the opponent's concession and add a small step of goodwill.

    It opens at `step` and then concedes only as far as the other side has, so two tit-for-tat
    players creep towards each other and a Boulware opponent is met with firmness.
    """
    return np.clip(np.asarray(opponent_concession, dtype=np.float64) + step, 0.0, 1.0)
