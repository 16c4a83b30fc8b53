"""The protocol of talks: what a side at the table must answer, and the two protocols that ask.

A *side* (`Side`) is one party's valuation of the possible agreements in each negotiating world
and how it concedes. Three classes are sides: `menu.Negotiator` (a menu of prisoners-for-relief
bundles), `divisible.Claimant` (one divisible good) and the dashboard's `play.Seat` (a person).
The protocols only ask them questions, so each runs unchanged on any of them:

- `alternate`: alternating offers, the first side proposing first, up to `max_offers` times.
  The proposer's strategy gives its concession F; its target utility is
  aspiration - F (aspiration - reservation); it offers, among the agreements worth at least
  its target to itself, the one the responder likes best. The responder accepts when the offer
  is worth at least its reservation utility and at least the discounted target of its own next
  offer (waiting is worth that much).
- `nash`: both settle at once on the maximiser of the weighted Nash product.

Everything is written once with numpy over the worlds that negotiate this round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

TOLERANCE = 1e-9


@runtime_checkable
class Side(Protocol):
    """One side of the table in many worlds: the questions `alternate` and `nash` ask of it."""

    name: str
    reservation: np.ndarray  # (worlds,) utility of no deal
    discount: float  # per offer: what waiting for the next round of offers costs
    strategy: Callable[[float, np.ndarray], np.ndarray]  # concession at time t given the other's
    no_deal: object  # the candidate recorded where there is no deal

    @property
    def aspiration(self) -> np.ndarray:
        """Its best agreement's utility, per world."""

    def target(self, concession: np.ndarray) -> np.ndarray:
        """The utility it asks for after conceding a share `concession` of the way to its reservation."""

    def rows(self, rows: np.ndarray) -> Side:
        """The same side restricted to some worlds."""

    def value(self, candidate: np.ndarray) -> np.ndarray:
        """Its utility of the given candidate agreement, per world."""

    def offer(self, responder: Side, target: np.ndarray) -> np.ndarray:
        """The candidate it proposes when it asks for `target`."""

    def accepts(self, value: np.ndarray, waiting: np.ndarray) -> np.ndarray:
        """Whether it takes an offer worth `value` rather than wait for what is worth `waiting`."""

    def zone(self, other: Side) -> np.ndarray:
        """Per world: is some agreement worth its reservation to both sides?"""

    def nash_point(self, other: Side, weight: float) -> tuple[np.ndarray, np.ndarray]:
        """The agreement maximising the weighted Nash product, and whether one exists, per world."""


@dataclass
class Offer:
    """One step of the exchange, for all negotiating worlds."""

    proposer: str
    candidate: np.ndarray  # (worlds,) index of the bundle offered (a share, on a divisible good)
    made: np.ndarray  # (worlds,) bool: the talks were still open, so the offer was made
    accepted: np.ndarray  # (worlds,) bool
    values: dict[str, np.ndarray] = field(default_factory=dict)  # each side's utility of it; NaN where not made


@dataclass
class Outcome:
    deal: np.ndarray  # (worlds,) bool
    candidate: np.ndarray  # (worlds,) index of the agreed bundle, -1 where no deal
    offers: list[Offer] = field(default_factory=list)


def _time(k: int, max_offers: int) -> float:
    return k / max(max_offers - 1, 1)


def alternate(first: Side, second: Side, max_offers: int, keep: np.ndarray | None = None) -> Outcome:
    """Run the alternating-offers exchange; `first` proposes at even steps.

    Worlds where no bundle is worth the reservation utility to both sides cannot reach a deal,
    so they are settled at once as "no deal" -- unless `keep` asks for their offers to be
    played out (the worlds whose event log is written).
    """
    worlds = first.reservation.shape[0]
    zopa = first.zone(second)
    active = np.flatnonzero(zopa if keep is None else zopa | keep)
    outcome = Outcome(np.zeros(worlds, dtype=bool), _no_deal(first, worlds))
    # Restricting to a subset copies the utilities, so skip it when nobody is dropped.
    sides = {first.name: first, second.name: second}
    if active.size < worlds:
        sides = {name: side.rows(active) for name, side in sides.items()}
    finite = np.isfinite(sides[first.name].aspiration) & np.isfinite(sides[second.name].aspiration)
    open_ = active[finite]
    if open_.size < active.size:  # usually every active world is open: spare the copy
        sides = {name: side.rows(finite) for name, side in sides.items()}
    concession = {first.name: np.zeros(open_.size), second.name: np.zeros(open_.size)}
    for k in range(max_offers):
        proposer, responder = (
            (sides[first.name], sides[second.name]) if k % 2 == 0 else (sides[second.name], sides[first.name])
        )
        conc = np.clip(proposer.strategy(_time(k, max_offers), concession[responder.name]), 0.0, 1.0)
        concession[proposer.name] = conc
        candidate = proposer.offer(responder, proposer.target(conc))
        if k + 1 < max_offers:
            next_conc = np.clip(responder.strategy(_time(k + 1, max_offers), conc), 0.0, 1.0)
            waiting = responder.discount * responder.target(next_conc)
        else:
            waiting = responder.reservation
        # A deal needs both sides at or above their reservation: a proposer whose aspiration
        # is below its reservation still names its best bundle, but cannot agree to it.
        value, own = responder.value(candidate), proposer.value(candidate)
        accepted = responder.accepts(value, waiting) & (own >= proposer.reservation - TOLERANCE)
        offer = Offer(
            proposer.name,
            _no_deal(first, worlds),
            np.zeros(worlds, dtype=bool),
            np.zeros(worlds, dtype=bool),
            {first.name: np.full(worlds, np.nan), second.name: np.full(worlds, np.nan)},
        )
        offer.candidate[open_], offer.made[open_], offer.accepted[open_] = candidate, True, accepted
        offer.values[responder.name][open_], offer.values[proposer.name][open_] = value, own
        outcome.offers.append(offer)
        outcome.deal[open_[accepted]] = True
        outcome.candidate[open_[accepted]] = candidate[accepted]
        # Only the worlds still talking go on to the next offer.
        if not accepted.any():
            continue
        still = ~accepted
        open_ = open_[still]
        if open_.size == 0:
            break
        sides = {name: side.rows(still) for name, side in sides.items()}
        concession = {name: c[still] for name, c in concession.items()}
    return outcome


def _no_deal(side, worlds: int) -> np.ndarray:
    """A candidate array filled with the side's "no deal" marker (-1 for menus, NaN for shares)."""
    return np.full(worlds, side.no_deal, dtype=np.asarray(side.no_deal).dtype)


def nash(first: Side, second: Side, weight: float) -> Outcome:
    """The Nash bargaining protocol: the two sides settle at once on the agreement that maximises
    the weighted Nash product (u1 - r1)^w (u2 - r2)^(1 - w), their reservations being the
    disagreement point, wherever some agreement is worth its reservation to both."""
    worlds = first.reservation.shape[0]
    outcome = Outcome(np.zeros(worlds, dtype=bool), _no_deal(first, worlds))
    candidate, feasible = first.nash_point(second, weight)
    outcome.deal[:] = feasible
    outcome.candidate[feasible] = candidate[feasible]
    return outcome
