"""The menu of prisoners-for-relief bundles, and a side at the table that values it.

A bundle is releases per prisoner tier against steps of relief on any of Washington's
instruments (a licence on potash and a general licence on Belavia, say). Every combination of
steps would make the menu exponential in the steps; `relief_sets` keeps it linear: with the
utilities' relief components additive over steps, the efficient bundles -- the most relief to
Minsk for a given cost to Washington -- are the prefixes of the steps ordered by that ratio
(greedy on the ratio gives the upper hull of the knapsack frontier; every other combination is
dominated by a hull point or by a mix of two). So the menu of a world with S steps left has
S + 1 relief sets, not 2^S. Each set has Washington's price in prisoners (`build_menu`), and the
releases offered against it are any size on a geometric grid from one person to that price, in
two mixes of tiers (`MIXES`): the tiers Washington values most first, or the tiers of best value
for money to both sides first (the same ratio argument, on prisoners). So a menu is
(S + 1) x 2 x levels bundles: linear in the steps and the levels, where every size and every
mix of tiers would be exponential; the pruning is exact for linear valuations (the hull) and,
for non-linear utilities, only chooses which bundles are on the table -- each is valued exactly.

A `Negotiator` holds one side's utility of every candidate and answers the questions of
`bargaining.Side` from it: its offer is the bundle the responder likes best among those worth
its target to itself (a trade-off offer on its own iso-utility line).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from quidproquo.engine.arrays import at, column
from quidproquo.engine.bargaining import TOLERANCE, Side


@dataclass
class Negotiator(Side):
    """A side at the menu table (a `bargaining.Side`): its valuation of each candidate and how it concedes."""

    name: str
    utility: np.ndarray  # (worlds, candidates); -inf marks a bundle that may not be offered
    reservation: np.ndarray  # (worlds,)
    discount: float | np.ndarray  # per offer; (worlds,) where it varies by world
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
        return replace(
            self, utility=self.utility[rows], reservation=self.reservation[rows], discount=at(self.discount, rows)
        )

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
        weight = column(weight)  # (worlds, 1) where it varies by world
        with np.errstate(divide="ignore", invalid="ignore"):
            log_product = weight * np.log(np.maximum(self.utility - self.reservation[:, None], 0.0)) + (
                1.0 - weight
            ) * np.log(np.maximum(other.utility - other.reservation[:, None], 0.0))
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


# The release mixes on the menu: at every size, the prisoners may be taken from the tiers in
# Washington's order (the tiers it values most first) or in the order of value for money to both
# sides (Washington's valuation over Minsk's cost of a prisoner, its own valuation plus the chip
# it gives up): the bargaining, not a fixed fill order, decides which mix a deal frees.
MIXES = ("Washington's mix", "best-value mix")


@dataclass
class Menu:
    """The candidate bundles on the table in each negotiating world.

    Candidate c = (s, j), numbered s * levels + j: relief set s (steps per instrument), and
    release j = x * sizes + g: `asked[s, j]` prisoners released -- size g on a geometric grid from
    one person to Washington's price for that set -- taken from the tiers in mix x's order
    (`order[w, x]`) up to what each holds. Per-tier releases are only made for the bundles chosen
    (`bundle`); valuing every bundle needs only the prisoners taken from each tier (`taken`). A
    bundle must free someone; relief sets beyond the steps a world has left, and a mix whose order
    is the first mix's in that world, are not offered.
    """

    asked: np.ndarray  # (worlds, sets, levels) int: prisoners released (levels = mixes x sizes)
    held: np.ndarray  # (worlds, tiers) int: prisoners held, to take from
    order: np.ndarray  # (worlds, mixes, tiers): each mix's tiers in the order they are taken
    steps: np.ndarray  # (worlds, sets, menu instruments) int: steps of relief on each instrument
    relief: np.ndarray  # (worlds, sets, menu instruments): share of each one's cost and legitimacy relieved
    cost: np.ndarray  # (worlds, sets, menu instruments): share of each one's lift cost spent
    valid: np.ndarray  # (worlds, sets * levels) bool
    columns: np.ndarray  # (menu instruments,) their positions among all instruments (Washington's)
    instruments: int  # how many instruments there are in all

    @property
    def levels(self) -> int:
        return self.asked.shape[2]

    @property
    def sizes(self) -> int:
        return self.levels // self.order.shape[1]

    @cached_property
    def by_position(self) -> list[np.ndarray]:
        """The prisoners each bundle takes from the k-th tier of its mix's order, for each k:
        (worlds, sets, mixes, sizes) each. Valuing by position needs no per-tier arrays."""
        worlds, sets, _ = self.asked.shape
        mixes, tiers = self.order.shape[1:]
        # As floats (exact: counts far below 2^53): every use multiplies them by a value.
        asked = self.asked.reshape(worlds, sets, mixes, self.sizes).astype(np.float64)
        held = self.held.astype(np.float64)
        out, before = [], np.zeros((worlds, 1, mixes, 1))
        for k in range(tiers):
            cap = np.take_along_axis(held, self.order[:, :, k], axis=1)[:, None, :, None]
            taken = asked - before  # in place from here: one array a position
            np.maximum(taken, 0.0, out=taken)
            np.minimum(taken, cap, out=taken)
            out.append(taken)
            before = before + cap
        return out

    def taken_from(self, tier: int) -> np.ndarray:
        """The prisoners each bundle takes from `tier`, (worlds, sets, levels)."""
        total, part = np.zeros(self.by_position[0].shape), np.empty(self.by_position[0].shape)
        for k, taken in enumerate(self.by_position):
            at_k = self.order[:, :, k] == tier  # (worlds, mixes): where the mix takes `tier` k-th
            if at_k.any():
                total += np.multiply(taken, at_k[:, None, :, None], out=part)
        return total.reshape(self.asked.shape)

    @property
    def taken(self) -> dict[int, np.ndarray]:
        """Per tier index, the prisoners each bundle takes from it, (worlds, sets, levels)."""
        return {t: self.taken_from(t) for t in range(self.held.shape[1])}

    def value_of_releases(self, per_prisoner: np.ndarray) -> np.ndarray:
        """The releases of every bundle valued at `per_prisoner` (tiers,) or (worlds, tiers): (worlds, sets, levels)."""
        per_prisoner = np.broadcast_to(per_prisoner, self.held.shape)
        total = part = None
        for k, taken in enumerate(self.by_position):
            worth = np.take_along_axis(per_prisoner, self.order[:, :, k], axis=1)[:, None, :, None]
            if total is None:
                total, part = taken * worth, np.empty_like(taken)
            else:
                total += np.multiply(taken, worth, out=part)
        return total.reshape(self.asked.shape)

    def bundle(self, rows, candidate) -> tuple[np.ndarray, np.ndarray]:
        """Releases (rows, tiers) and steps of relief (rows, instruments) of the chosen candidates."""
        one = np.ndim(rows) == 0
        rows, candidate = np.atleast_1d(rows), np.atleast_1d(candidate)
        sets, level = np.divmod(candidate, self.levels)
        order = self.order[rows, level // self.sizes]  # (rows, tiers)
        releases = fill(self.asked[rows, sets, level], self.held[rows], order)
        steps = np.zeros((rows.size, self.instruments), dtype=np.int64)
        steps[:, self.columns] = self.steps[rows, sets]
        return (releases[0], steps[0]) if one else (releases, steps)

    def relief_of(self, rows, candidate) -> np.ndarray:
        """Shares of each instrument's cost and legitimacy relieved, (rows, all instruments)."""
        out = np.zeros((np.size(rows), self.instruments))
        out[:, self.columns] = self.relief[rows, np.asarray(candidate) // self.levels]
        return out

    def flatten(self, value: np.ndarray) -> np.ndarray:
        """(worlds, sets, levels) values to (worlds, candidates), invalid bundles at -inf."""
        shape = self.asked.shape
        flat = np.where(self.valid.reshape(shape), np.broadcast_to(np.asarray(value, dtype=np.float64), shape), -np.inf)
        return flat.reshape(shape[0], -1)


def relief_sets(left: np.ndarray, gain: np.ndarray, cost: np.ndarray, most: int) -> np.ndarray:
    """(worlds, sets, instruments) steps per instrument of each relief set: set n adds to set
    n - 1 the next step of best ratio `gain / cost` (each (worlds, instruments, steps): the k-th
    next step of each instrument), up to `most` steps; `left` (worlds, instruments) steps
    remain. Set 0 is no relief. Greedy on the ratio, an instrument's steps in their order."""
    worlds, instruments, depth = gain.shape
    ratio = gain / np.maximum(cost, 1e-12)
    size = int(min(left.sum(axis=1).max(initial=0), most))
    out = np.zeros((worlds, size + 1, instruments), dtype=np.int64)
    take = np.zeros((worlds, instruments), dtype=np.int64)
    start = (np.arange(worlds)[:, None] * instruments + np.arange(instruments)[None, :]) * depth  # flat rows of `ratio`
    ratio = ratio.ravel()
    for n in range(1, size + 1):
        open_ = take < left
        best = np.where(open_, np.take(ratio, start + np.minimum(take, depth - 1)), -np.inf).argmax(axis=1)
        take[np.arange(worlds), best] += open_.any(axis=1)
        out[:, n] = take
    return out


def fill(asked: np.ndarray, held: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Releases per tier (rows, tiers) for `asked` prisoners (rows,), taken from the tiers in
    `order` -- (tiers,), or (rows, tiers) a row's own order -- up to what each holds (rows, tiers)."""
    out = np.zeros(held.shape, dtype=np.int64)
    remaining = np.asarray(asked, dtype=np.int64)
    order = np.broadcast_to(order, held.shape)
    rows = np.arange(held.shape[0])
    for k in range(held.shape[1]):
        t = order[:, k]
        out[rows, t] = np.minimum(remaining, held[rows, t])
        remaining = remaining - out[rows, t]
    return out


def mix_orders(gain: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """(worlds, mixes, tiers): the tiers in the order of each mix in `MIXES`, from Washington's
    `gain` and Minsk's `cost` of a prisoner of each tier ((worlds, tiers) or (tiers,)): its own
    order (most valued first), and the order of value for money to both (gain / cost, highest
    first). Greedy on the ratio gives the upper hull of what Washington gains for what Minsk gives
    up, as `relief_sets` does for steps: with linear valuations no other mix of the same cost to
    Minsk frees more that Washington values."""
    gain, cost = np.atleast_2d(gain), np.atleast_2d(cost)
    gain, cost = np.broadcast_arrays(gain, cost)
    ratio = gain / np.maximum(cost, 1e-12)
    return np.stack([np.argsort(-gain, axis=1, kind="stable"), np.argsort(-ratio, axis=1, kind="stable")], axis=1)


def build_menu(
    price: np.ndarray,
    held: np.ndarray,
    order: np.ndarray,
    steps: np.ndarray,
    relief: np.ndarray,
    cost: np.ndarray,
    left: np.ndarray,
    levels: int,
    columns: np.ndarray | None = None,
    instruments: int | None = None,
) -> Menu:
    """The menu of each world from Washington's `price` in prisoners of each relief set (worlds,
    sets), the prisoners `held` (worlds, tiers) taken in each mix's `order` ((worlds, mixes,
    tiers), `mix_orders`; or (tiers,): one mix), the sets' `steps`, `relief` and `cost` (worlds,
    sets, menu instruments: `columns` of `instruments` in all, by default every one), the steps
    `left` (worlds, menu instruments), and `levels` sizes: a geometric grid from one person to the
    whole price (1, 4, 15, 60 with four levels and a price of 60), so that a large price still
    leaves small offers and a small price no gaps, and deals of any size from one to all held
    are on some menu. (No size is 0: a bundle must free someone.)"""
    worlds = price.shape[0]
    order = np.asarray(order)
    if order.ndim == 1:
        order = np.broadcast_to(order, (worlds, 1, order.size))
    mixes = order.shape[1]
    grid = np.linspace(0.0, 1.0, levels) if levels > 1 else np.ones(1)  # exponents: one person .. the price
    top = np.maximum(price, 1.0)[:, :, None]
    size = np.rint(top ** grid[None, None, :]) * (price >= 0.5)[:, :, None]  # a price under half a prisoner: none
    asked = np.minimum(size.astype(np.int64), held.sum(axis=1)[:, None, None])
    asked = np.tile(asked, (1, 1, mixes))  # (worlds, sets, mixes * levels)
    distinct = (
        np.arange(steps.shape[1])[None, :] <= left.sum(axis=1)[:, None]
    )  # (w, s): sets past the steps left repeat
    # A mix that takes the tiers in the first mix's order repeats it: not offered.
    new_mix = np.ones((worlds, mixes), dtype=bool)
    new_mix[:, 1:] = (order[:, 1:] != order[:, :1]).any(axis=2)
    valid = distinct[:, :, None] & (asked > 0) & np.repeat(new_mix, levels, axis=1)[:, None, :]
    columns = np.arange(steps.shape[2]) if columns is None else np.asarray(columns)
    return Menu(
        asked,
        held,
        order,
        steps,
        relief,
        cost,
        valid.reshape(worlds, -1),
        columns,
        steps.shape[2] if instruments is None else instruments,
    )


def share_words(level: int, levels: int, mixes: int = len(MIXES)) -> str:
    """A release level's size and mix in words, as `build_menu` lays them out (`levels` in all,
    mixes x sizes): '1 person' .. 'all of the price', with the mix after the first."""
    sizes = max(levels // mixes, 1)
    mix, g = divmod(level, sizes)
    if g == sizes - 1:
        size = "all of the price"
    elif g == 0:
        size = "1 person"
    else:
        size = f"price^({g}/{sizes - 1})"
    return size if mix == 0 else f"{size}, {MIXES[min(mix, len(MIXES) - 1)]}"
