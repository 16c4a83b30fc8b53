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


def time_dependent(
    t: float, opponent_concession: np.ndarray, exponent: float = 1.0, initial: float = 0.0
) -> np.ndarray:
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


def spe(
    t: float, opponent_concession: np.ndarray, discount: float, other_discount: float, offers: int = 0
) -> np.ndarray:
    """The subgame-perfect strategy of Rubinstein's alternating-offers game over one good of size 1,
    valued linearly with reservation 0 (`bargaining.good: divisible`).

    The proposer claims its equilibrium share a, so its concession is 1 - a. With no deadline
    (`offers` = 0) a = (1 - d_other) / (1 - d_own d_other) at every offer (Rubinstein 1982). With a
    deadline of `offers` offers, by backward induction: the last proposer takes everything, and
    one offer earlier the proposer leaves the responder exactly the discounted value of being
    the next proposer, a_n = 1 - d_responder a_(n-1). `discount` is this side's discount per offer,
    `other_discount` the other side's.
    """
    if offers == 0:
        share = (1.0 - other_discount) / (1.0 - discount * other_discount)
    else:
        remaining = offers - round(float(t) * max(offers - 1, 1)) if offers > 1 else 1
        share = 1.0
        for level in range(2, remaining + 1):
            # The proposer at `level` is this side when (remaining - level) is even; its
            # responder is the other side, and vice versa.
            mine = (remaining - level) % 2 == 0
            share = 1.0 - (other_discount if mine else discount) * share
    return np.full(np.shape(opponent_concession), 1.0 - share)


# What each strategy's parameters allow, checked when a config names the strategy (before any run):
# name -> {parameter: (low, high, low_open, high_open)}, None for no bound.
ALLOWED = {
    "time_dependent": {"exponent": (0, None, True, False), "initial": (0, 1, False, False)},
    "boulware": {"exponent": (0, None, True, False)},
    "conceder": {"exponent": (0, None, True, False)},
    "tit_for_tat": {"step": (0, 1, False, False)},
    "spe": {"discount": (0, 1, True, False), "other_discount": (0, 1, True, False), "offers": (0, 1000, False, False)},
}


def joint_check(name: str, params: dict) -> str | None:
    """A rule over several parameters: what is wrong, or None."""
    if name == "spe" and not params.get("offers") and params.get("discount") == 1 and params.get("other_discount") == 1:
        return (
            "discount and other_discount are both 1: with no deadline (offers 0) Rubinstein's shares are 0/0; "
            "allowed: at least one below 1, or a deadline (offers >= 1)"
        )
    return None
