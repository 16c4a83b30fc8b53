"""One divisible good split between two sides: the textbook case the engine reduces to.

With `bargaining.good: divisible` Washington and Minsk bargain over a single good of size 1
instead of the menu of prisoners-for-relief bundles. A candidate agreement is the first side's
(Washington's) share x in [0, 1]; the other side gets 1 - x. Each side values its own share
through its configured utility function, and its discount, reservation and strategy work as
at the bundle table. This is Rubinstein's (1982) alternating-offers game and Nash's (1950)
bargaining problem, so the engine's answers can be checked against theirs
(`scenarios/theory/`, `qpq theory`).

`Claimant` is a `bargaining.Side`: it answers the questions `alternate` and `nash` ask of a side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from quidproquo.engine.arrays import at
from quidproquo.engine.bargaining import TOLERANCE, Side

_BISECTIONS = 80  # halvings of [0, 1]: past float resolution
_STEP = 1e-6  # finite-difference step for the slope of the Nash product


@dataclass
class Claimant(Side):
    """One side's claim on the divisible good, for many worlds."""

    name: str
    utility_of_share: Callable[[np.ndarray], np.ndarray]  # increasing in the side's own share
    reservation: np.ndarray  # (worlds,)
    discount: float | np.ndarray  # per offer; (worlds,) where it varies by world
    strategy: Callable[[float, np.ndarray], np.ndarray]
    first: bool  # candidates are the first side's share; the second side gets the rest

    no_deal = np.nan

    @cached_property
    def aspiration(self) -> np.ndarray:
        """The utility of the whole good."""
        return self.utility_of_share(np.ones_like(self.reservation))

    def target(self, concession: np.ndarray) -> np.ndarray:
        return self.aspiration - concession * (self.aspiration - self.reservation)

    def rows(self, rows: np.ndarray) -> Claimant:
        return replace(self, reservation=self.reservation[rows], discount=at(self.discount, rows))

    def share_of(self, candidate: np.ndarray) -> np.ndarray:
        return candidate if self.first else 1.0 - candidate

    def value(self, candidate: np.ndarray) -> np.ndarray:
        return self.utility_of_share(self.share_of(candidate))

    def least_share(self, target: np.ndarray) -> np.ndarray:
        """The smallest share worth at least `target`, per world (1 where none is): bisection,
        since the utility is any increasing function the user configured."""
        low, high = np.zeros_like(target), np.ones_like(target)
        enough = self.utility_of_share(low) >= target
        for _ in range(_BISECTIONS):
            middle = 0.5 * (low + high)
            above = self.utility_of_share(middle) >= target
            high, low = np.where(above, middle, high), np.where(above, low, middle)
        return np.where(enough, 0.0, high)

    def offer(self, responder: Claimant, target: np.ndarray) -> np.ndarray:
        """Claim just what reaches the target and leave the rest to the responder: on a single
        good, that is the split the responder likes best among those the proposer accepts."""
        share = self.least_share(target)
        return share if self.first else 1.0 - share

    def accepts(self, value: np.ndarray, waiting: np.ndarray) -> np.ndarray:
        return value >= np.maximum(self.reservation, waiting) - TOLERANCE

    def zone(self, other: Claimant) -> np.ndarray:
        """Per world: do the two sides' least acceptable shares fit into the one good?"""
        return self.least_share(self.reservation) + other.least_share(other.reservation) <= 1.0 + TOLERANCE

    def nash_point(self, other: Claimant, weight: float) -> tuple[np.ndarray, np.ndarray]:
        """The split maximising w log(u_self - r_self) + (1 - w) log(u_other - r_other), per world.

        The log Nash product is concave for increasing concave utilities, so its maximum is
        where its slope changes sign: bisection on a central-difference slope, between the
        smallest share each side accepts.
        """
        low = self.share_of(self.least_share(self.reservation))
        high = self.share_of(1.0 - other.least_share(other.reservation))
        low, high = np.minimum(low, high), np.maximum(low, high)
        feasible = self.zone(other)

        def log_product(candidate):
            candidate = np.clip(candidate, low, high)
            with np.errstate(divide="ignore", invalid="ignore"):
                value = weight * np.log(self.value(candidate) - self.reservation) + (1.0 - weight) * np.log(
                    other.value(candidate) - other.reservation
                )
            return np.nan_to_num(value, nan=-np.inf)

        lo, hi = low.copy(), high.copy()
        for _ in range(_BISECTIONS):
            middle = 0.5 * (lo + hi)
            rising = log_product(middle + _STEP) > log_product(middle - _STEP)
            lo, hi = np.where(rising, middle, lo), np.where(rising, hi, middle)
        return 0.5 * (lo + hi), feasible
