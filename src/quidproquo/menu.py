"""The menu of prisoners-for-relief bundles, and a side at the table that values it.

A bundle is a set of releases per prisoner tier against a set of sanction instruments to lift.
`build_menu` lays out each negotiating world's candidate bundles; a `Negotiator` holds one side's
utility of every candidate and answers the questions of `bargaining.Side` from it: its offer is
the bundle the responder likes best among those worth its target to itself (a trade-off offer on
its own iso-utility line).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from quidproquo.bargaining import TOLERANCE, Side


@dataclass
class Negotiator(Side):
    """A side at the menu table (a `bargaining.Side`): its valuation of each candidate and how it concedes."""

    name: str
    utility: np.ndarray  # (worlds, candidates); -inf marks a bundle that may not be offered
    reservation: np.ndarray  # (worlds,)
    discount: float
    strategy: Callable[[float, np.ndarray], np.ndarray]

    @cached_property
    def aspiration(self) -> np.ndarray:
        """Its best candidate's utility, per world. Computed on first use: `alternate` needs
        it only for the worlds left after the ZOPA test, not for every world it is given."""
        return self.utility.max(axis=1)

    def target(self, concession: np.ndarray) -> np.ndarray:
        return self.aspiration - concession * (self.aspiration - self.reservation)

    def rows(self, rows: np.ndarray) -> Negotiator:
        """The same negotiator restricted to some worlds."""
        return replace(self, utility=self.utility[rows], reservation=self.reservation[rows])

    # The answers to `bargaining.Side`'s questions.
    no_deal = -1  # the candidate recorded where there is no deal

    def value(self, candidate: np.ndarray) -> np.ndarray:
        """Its utility of the given candidate, per world."""
        return np.take_along_axis(self.utility, candidate[:, None], axis=1)[:, 0]

    def offer(self, responder: Negotiator, target: np.ndarray) -> np.ndarray:
        return propose(self, responder, target)

    def accepts(self, value: np.ndarray, waiting: np.ndarray) -> np.ndarray:
        """Whether it takes an offer worth `value` rather than wait for what is worth `waiting`."""
        return value >= np.maximum(self.reservation, waiting) - TOLERANCE

    def acceptable(self) -> np.ndarray:
        """(worlds, candidates): the candidates worth at least its reservation."""
        return self.utility >= self.reservation[:, None] - TOLERANCE

    def zone(self, other: Negotiator) -> np.ndarray:
        """Per world: is some candidate worth its reservation to both sides?"""
        return (self.acceptable() & other.acceptable()).any(axis=1)

    def nash_point(self, other: Negotiator, weight: float) -> tuple[np.ndarray, np.ndarray]:
        """The candidate maximising the weighted Nash product (self's weight `weight`) among
        those both sides accept, and whether there is one, per world."""
        both = self.acceptable() & other.acceptable()
        with np.errstate(divide="ignore", invalid="ignore"):
            log_product = (weight * np.log(np.maximum(self.utility - self.reservation[:, None], 0.0))
                           + (1.0 - weight) * np.log(np.maximum(other.utility - other.reservation[:, None], 0.0)))
        log_product = np.where(both, np.nan_to_num(log_product, nan=-np.inf, posinf=-np.inf), -np.inf)
        # Where every acceptable candidate leaves someone exactly at its reservation, the
        # product is 0 throughout: take the first such candidate.
        best = np.where(np.isfinite(log_product).any(axis=1), log_product.argmax(axis=1), both.argmax(axis=1))
        return best, both.any(axis=1)


def propose(proposer: Negotiator, responder: Negotiator, target: np.ndarray) -> np.ndarray:
    """The bundle worth at least `target` to the proposer that the responder likes best."""
    feasible = proposer.utility >= target[:, None] - TOLERANCE
    # Masked maxima (where=) rather than -inf-filled copies of the utilities: the same values
    # without two full-size temporaries.
    best = np.max(responder.utility, axis=1, where=feasible, initial=-np.inf, keepdims=True)
    tied = feasible & (responder.utility >= best - TOLERANCE)
    top = np.max(proposer.utility, axis=1, where=tied, initial=-np.inf, keepdims=True)
    # The first tied bundle the proposer values most (index 0 if it values them all at -inf).
    choice = np.where(top[:, 0] > -np.inf, (tied & (proposer.utility == top)).argmax(axis=1), 0)
    # Aspiration below reservation: nothing is feasible, so it asks for its best bundle.
    stuck = np.flatnonzero(~feasible.any(axis=1))
    if stuck.size:
        choice[stuck] = proposer.utility[stuck].argmax(axis=1)
    return choice


@dataclass
class Menu:
    """The candidate bundles on the table in each negotiating world.

    Candidate c = (n, g), numbered n * levels + g: relief is the first n liftable instruments in
    the sender's offer order, releases are a share g / (levels - 1) of the ask in every tier.
    Releases and relief sets are kept apart (a bundle's value is a relief part plus a release
    part), so valuing every candidate costs (sets + levels) work, not (sets x levels). A bundle
    must free someone, and relief sets beyond what is still liftable repeat a smaller one, so
    neither is offered.
    """

    releases: np.ndarray  # (worlds, levels, tiers) int
    lift: np.ndarray  # (worlds, sets, instruments) bool
    valid: np.ndarray  # (worlds, sets * levels) bool

    @property
    def levels(self) -> int:
        return self.releases.shape[1]

    def bundle(self, rows: np.ndarray, candidate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Releases (rows, tiers) and relief (rows, instruments) of the chosen candidates."""
        return self.releases[rows, candidate % self.levels], self.lift[rows, candidate // self.levels]

    def flatten(self, value: np.ndarray) -> np.ndarray:
        """(worlds, sets, levels) values to (worlds, candidates), invalid bundles at -inf."""
        shape = (*self.lift.shape[:2], self.levels)
        # One pass that broadcasts, masks and writes a fresh array (value may be a view).
        flat = np.where(self.valid.reshape(shape), np.asarray(value, dtype=np.float64), -np.inf)
        return flat.reshape(shape[0], -1)


def build_menu(ask: np.ndarray, liftable: np.ndarray, order: np.ndarray, levels: int) -> Menu:
    """The menu of each world from Washington's `ask` (worlds, tiers), the instruments still
    `liftable` (worlds, instruments), the `order` relief is offered in, and `levels` shares."""
    # The tier and instrument axes are short, and numpy loops slowly over short axes: build
    # the arrays one tier / relief set at a time, each slice a whole-world operation.
    worlds, tiers = ask.shape
    share = np.linspace(0.0, 1.0, levels)
    releases = np.empty((worlds, levels, tiers), dtype=np.int64)  # (w, g, t)
    for t in range(tiers):
        releases[:, :, t] = np.rint(ask[:, t, None] * share[None, :]).astype(np.int64)
    rank = np.zeros(liftable.shape, dtype=np.int64)
    rank[:, order] = np.cumsum(liftable[:, order], axis=1)
    # Relief sets larger than any world can still lift would all be invalid: build none of them.
    count = liftable[:, order].sum(axis=1)
    sizes = np.arange((int(count.max()) if worlds else 0) + 1)
    lift = np.empty((worlds, sizes.size, liftable.shape[1]), dtype=bool)  # (w, n, i)
    for n in sizes:
        np.logical_and(liftable, rank <= n, out=lift[:, n, :])
    distinct = sizes[None, :] <= count[:, None]  # (w, n)
    freed = releases[:, :, 0].copy()  # (w, g)
    for t in range(1, tiers):
        freed += releases[:, :, t]
    frees_someone = freed > 0
    valid = (distinct[:, :, None] & frees_someone[:, None, :]).reshape(worlds, -1)
    return Menu(releases, lift, valid)
