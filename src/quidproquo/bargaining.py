"""Alternating offers between two negotiators over a menu of candidate bundles, for many worlds.

A bundle is a set of releases per prisoner tier against a set of sanction instruments to lift.
Each side has already valued every candidate bundle (one utility per world and candidate).
Offers alternate, the first negotiator proposing first, up to `max_offers` times:

- the proposer's strategy gives its concession F; its target utility is
  aspiration - F (aspiration - reservation);
- it proposes, among the bundles worth at least its target to itself, the one the responder
  likes best (ties go to the proposer) -- a trade-off offer on its own iso-utility line;
- the responder accepts when the offer is worth at least its reservation utility and at least
  the discounted target of its own next offer (waiting is worth that much).

Everything is written once with numpy over the worlds that negotiate this round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

_TOL = 1e-9


@dataclass
class Negotiator:
    """One side of the table: its valuation of each candidate and how it concedes."""

    name: str
    utility: np.ndarray  # (worlds, candidates); -inf marks a bundle that may not be offered
    reservation: np.ndarray  # (worlds,)
    discount: float
    strategy: Callable[[float, np.ndarray], np.ndarray]

    def __post_init__(self):
        self.aspiration = self.utility.max(axis=1)

    def target(self, concession: np.ndarray) -> np.ndarray:
        return self.aspiration - concession * (self.aspiration - self.reservation)

    def rows(self, rows: np.ndarray) -> Negotiator:
        """The same negotiator restricted to some worlds."""
        return Negotiator(self.name, self.utility[rows], self.reservation[rows], self.discount, self.strategy)


@dataclass
class Offer:
    """One step of the exchange, for all negotiating worlds."""

    proposer: str
    candidate: np.ndarray  # (worlds,) index of the bundle offered
    made: np.ndarray  # (worlds,) bool: the talks were still open, so the offer was made
    accepted: np.ndarray  # (worlds,) bool


@dataclass
class Outcome:
    deal: np.ndarray  # (worlds,) bool
    candidate: np.ndarray  # (worlds,) index of the agreed bundle, -1 where no deal
    offers: list[Offer] = field(default_factory=list)


def _time(k: int, max_offers: int) -> float:
    return k / max(max_offers - 1, 1)


def propose(proposer: Negotiator, responder: Negotiator, target: np.ndarray) -> np.ndarray:
    """The bundle worth at least `target` to the proposer that the responder likes best."""
    feasible = proposer.utility >= target[:, None] - _TOL
    for_responder = np.where(feasible, responder.utility, -np.inf)
    best = for_responder.max(axis=1, keepdims=True)
    tied = feasible & (for_responder >= best - _TOL)
    choice = np.where(tied, proposer.utility, -np.inf).argmax(axis=1)
    # Aspiration below reservation: nothing is feasible, so it asks for its best bundle.
    return np.where(feasible.any(axis=1), choice, proposer.utility.argmax(axis=1))


def alternate(first: Negotiator, second: Negotiator, max_offers: int, keep: np.ndarray | None = None) -> Outcome:
    """Run the alternating-offers exchange; `first` proposes at even steps.

    Worlds where no bundle is worth the reservation utility to both sides cannot reach a deal,
    so they are settled at once as "no deal" -- unless `keep` asks for their offers to be
    played out (the worlds whose event log is written).
    """
    worlds = first.utility.shape[0]
    zopa = ((first.utility >= first.reservation[:, None] - _TOL)
            & (second.utility >= second.reservation[:, None] - _TOL)).any(axis=1)
    active = np.flatnonzero(zopa if keep is None else zopa | keep)
    outcome = Outcome(np.zeros(worlds, dtype=bool), np.full(worlds, -1, dtype=np.int64))
    sides = {first.name: first.rows(active), second.name: second.rows(active)}
    open_ = active[np.isfinite(sides[first.name].aspiration) & np.isfinite(sides[second.name].aspiration)]
    local = np.searchsorted(active, open_)
    sides = {name: side.rows(local) for name, side in sides.items()}
    concession = {first.name: np.zeros(open_.size), second.name: np.zeros(open_.size)}
    for k in range(max_offers):
        proposer, responder = (sides[first.name], sides[second.name]) if k % 2 == 0 else (sides[second.name], sides[first.name])
        conc = np.clip(proposer.strategy(_time(k, max_offers), concession[responder.name]), 0.0, 1.0)
        concession[proposer.name] = conc
        candidate = propose(proposer, responder, proposer.target(conc))
        value = np.take_along_axis(responder.utility, candidate[:, None], axis=1)[:, 0]
        if k + 1 < max_offers:
            next_conc = np.clip(responder.strategy(_time(k + 1, max_offers), conc), 0.0, 1.0)
            waiting = responder.discount * responder.target(next_conc)
        else:
            waiting = responder.reservation
        # A deal needs both sides at or above their reservation: a proposer whose aspiration
        # is below its reservation still names its best bundle, but cannot agree to it.
        own = np.take_along_axis(proposer.utility, candidate[:, None], axis=1)[:, 0]
        accepted = (value >= np.maximum(responder.reservation, waiting) - _TOL) & (own >= proposer.reservation - _TOL)
        offer = Offer(proposer.name, np.full(worlds, -1, dtype=np.int64), np.zeros(worlds, dtype=bool), np.zeros(worlds, dtype=bool))
        offer.candidate[open_], offer.made[open_], offer.accepted[open_] = candidate, True, accepted
        outcome.offers.append(offer)
        outcome.deal[open_[accepted]] = True
        outcome.candidate[open_[accepted]] = candidate[accepted]
        # Only the worlds still talking go on to the next offer.
        still = ~accepted
        open_ = open_[still]
        if open_.size == 0:
            break
        sides = {name: side.rows(still) for name, side in sides.items()}
        concession = {name: c[still] for name, c in concession.items()}
    return outcome


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
        full = np.broadcast_to(value, (*self.lift.shape[:2], self.levels))
        flat = np.array(full, dtype=np.float64).reshape(full.shape[0], -1)  # a fresh copy we may mask
        flat[~self.valid] = -np.inf
        return flat


def build_menu(ask: np.ndarray, liftable: np.ndarray, order: np.ndarray, levels: int) -> Menu:
    share = np.linspace(0.0, 1.0, levels)
    releases = np.rint(share[None, :, None] * ask[:, None, :]).astype(np.int64)  # (w, g, t)
    rank = np.zeros(liftable.shape, dtype=np.int64)
    rank[:, order] = np.cumsum(liftable[:, order], axis=1)
    sizes = np.arange(order.size + 1)
    lift = liftable[:, None, :] & (rank[:, None, :] <= sizes[None, :, None])  # (w, n, i)
    distinct = sizes[None, :] <= liftable[:, order].sum(axis=1)[:, None]  # (w, n)
    frees_someone = releases.sum(axis=2) > 0  # (w, g)
    valid = (distinct[:, :, None] & frees_someone[:, None, :]).reshape(ask.shape[0], -1)
    return Menu(releases, lift, valid)
