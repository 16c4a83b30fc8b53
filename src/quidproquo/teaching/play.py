"""A person at the table: Washington's or Minsk's seat taken by a person, and the settings of play.

Both teaching servers seat people here -- the dashboard's play mode (`dashboard/controls.py`) and
the classroom's pairs (`classroom/table.py`) -- so what a seat is, and how a month is played with
one, is written once:

- `SETTINGS`: play's overrides of a scenario -- an envoy every month (so there are talks to take
  part in) and two offers a visit, alternating: the offer and the counter-offer, each asked once;
- `scenarios()`: the scenarios a person may play (every scenario file but the theory checks);
- `Seat`: one side of the table answered by a person;
- `Player`: the dashboard's form, which turns a person's choices into each world's `Seat`;
- `Firm`: the built-in Minsk facing a person in the dashboard.

The engine asks each side of the table the same questions (`bargaining.Side`): what do you
offer, what is this candidate worth to you, do you accept. A `Seat` answers them from a form
instead of a strategy: it offers the bundle the person chose and accepts or refuses the other
side's offers as the person said -- or, where the person has not said (`answer=None`), as the
built-in strategy it stands in for would (`stand_in`): so a seat can be handed to the built-in
strategy half-way through a month, after the person's offer and before their answer.

`Player` is what the model's `seats` hook calls each month there are talks; it turns the form's
choices (which relief set of the menu -- the steps of relief, best value for money first -- and
how many released: a size from one person to Washington's price, in one of two mixes) into a candidate of each world's menu. The form is
built from the menu the talks will use (the seated model waits at the table,
`controls.DashboardModel`), and the choice is kept as indices -- relief set, release level --
that any later menu can read: a stale or out-of-range choice is clipped, never an error.

The person judges for themselves: a seat has no reservation utility, so the engine lets any
deal through that the person and the other side agree to -- even one worth less to the
person's actor than no deal. Their realised utility will show it.

The built-in Minsk facing a person plays its built-in strategy, as in every run and in the
baseline the person's result is compared with; a person may ask for a firm Minsk instead
(`firm`), which does not concede within a visit -- the envoy comes back next month -- but across
the months played, by its own strategy: it refuses an offer short of its demand of the month
while it has a counter-offer left, and counters with the bundle that meets its demand and that
Washington likes best.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from quidproquo.config import scenario_names
from quidproquo.engine.bargaining import TOLERANCE, Side
from quidproquo.engine.menu import MIXES, Menu, Negotiator, share_words

OFFERS = 2  # one offer and one counter-offer a month: a person is asked for each once
WORLDS = 20  # at most this many worlds while a person plays the dashboard: one form answers for all of them
# A scenario as played by a person: an envoy every month, and `OFFERS` alternating offers a visit.
SETTINGS = ("actors.washington.engagement=1.0", f"bargaining.max_offers={OFFERS}", "bargaining.protocol=alternating")


def scenarios() -> list[str]:
    """The scenarios a person may play or watch: every scenario file except the theory checks,
    whose two-party, one-good set-up has no prisoners or instruments to show."""
    return [name for name in scenario_names() if not name.startswith("theory/")]


@dataclass
class Seat(Negotiator, Side):
    """One side of the table answered by a person (a `bargaining.Side`): the menu's values of a
    `Negotiator`, with the person's offer and answer in place of a strategy. Where `answer` is
    None, the person has not answered and `stand_in` (the built-in side the seat replaces)
    decides whether to accept, by its own rule."""

    proposal: np.ndarray | None = None  # (worlds,) the candidate the person offers in each world
    answer: bool | None = (
        False  # whether the person accepts the other side's offers this month; None: the stand-in decides
    )
    stand_in: Negotiator | None = None

    @classmethod
    def taking(cls, side: Negotiator, proposal: np.ndarray, answer: bool | None) -> Seat:
        """The person's seat in place of the built-in `side`, with no reservation utility."""
        return cls(
            side.name,
            side.utility,
            np.full(side.utility.shape[0], -np.inf),
            side.discount,
            side.strategy,
            proposal=proposal,
            answer=answer,
            stand_in=side,
        )

    def rows(self, rows: np.ndarray) -> Seat:
        return replace(
            self,
            utility=self.utility[rows],
            reservation=self.reservation[rows],
            proposal=self.proposal[rows],
            stand_in=None if self.stand_in is None else self.stand_in.rows(rows),
        )

    def target(self, concession: np.ndarray) -> np.ndarray:
        # The person sets no target; the engine reads it only to price waiting, which a person's
        # `accepts` ignores -- and the stand-in's rule needs its own.
        if self.answer is None and self.stand_in is not None:
            return self.stand_in.target(concession)
        return np.zeros(self.utility.shape[0])

    def offer(self, responder: Negotiator, target: np.ndarray) -> np.ndarray:
        return self.proposal.copy()

    def accepts(self, value: np.ndarray, waiting: np.ndarray) -> np.ndarray:
        if self.answer is None and self.stand_in is not None:
            return self.stand_in.accepts(value, waiting)
        return np.full(np.shape(value), bool(self.answer))

    def acceptable(self) -> np.ndarray:
        return np.isfinite(self.utility)


@dataclass
class Firm(Negotiator):
    """The built-in side answering a person while it has a counter-offer left (a
    `bargaining.Side`). Its demand is its target at its strategy's concession for the month of
    the play (`progress`, 0 at the first month, 1 at the last), not for the offer of the visit:
    with an envoy every month, the second offer of a visit is no deadline. It accepts an offer
    worth its demand, else refuses and counters with the bundle worth its demand that the person's
    side likes best -- so a counter is always worth more to it than the offer it refused."""

    progress: float = 0.0

    @property
    def demand(self) -> np.ndarray:
        return super().target(np.clip(self.strategy(self.progress, np.zeros(self.utility.shape[0])), 0.0, 1.0))

    def target(self, concession: np.ndarray) -> np.ndarray:
        return self.demand

    def accepts(self, value: np.ndarray, waiting: np.ndarray) -> np.ndarray:
        return value >= np.maximum(self.reservation, self.demand) - TOLERANCE


def firm(model):
    """A `talks.seats` hook that makes the built-in side `Firm`, at the model's month of the play,
    while the person asks for a firm Minsk (`Player.firm`); otherwise the side plays its built-in
    strategy as in every run -- and as in the baseline the person is compared with."""

    def seat(side: Negotiator, worlds: np.ndarray, menu: Menu) -> Negotiator:
        if not model.player.firm:
            return side
        progress = model.round / max(model.rounds - 1, 1)
        return Firm(side.name, side.utility, side.reservation, side.discount, side.strategy, progress=progress)

    return seat


def nearest_valid(utility: np.ndarray, levels: int, relief: int, release: int) -> np.ndarray:
    """Per world, the candidate closest to (relief, release) that may be offered there.

    Where the menu has fewer relief sets than the person chose, relief is the largest there is;
    where the share rounds to nobody freed, the release level goes up until someone is.
    """
    candidates = utility.shape[1]
    n, g = np.divmod(np.arange(candidates), levels)
    valid = np.isfinite(utility)
    want = np.minimum(relief, np.where(valid, n[None, :], -1).max(axis=1))[:, None]
    # Keep the relief set first, then the release level (rather higher than lower).
    distance = 4 * levels * np.abs(n[None, :] - want) + 2 * np.abs(g - release)[None, :] + (g < release)[None, :]
    return np.where(valid, distance, np.iinfo(np.int64).max).argmin(axis=1)


class Player:
    """A person's choices for the month, and the seat they make at the table.

    `relief` is the relief set offered (the menu's n-th: the n steps of relief of best value for
    money), `release` the release level (a size from one person to all of Washington's price for that
    set, in Washington's mix of tiers or the best-value mix: menu.MIXES), `accept` the answer to the other side's offers (None, the default: as the
    built-in strategy would answer them, so that deals happen until the person says otherwise;
    True or False: accept or refuse them all), `firm` whether the built-in Minsk facing the person
    is `Firm` (False, the default: its built-in strategy, the one the person's result is compared
    with, so that deals happen). The first offer on the form is one the other side's built-in
    strategy takes: Washington's, a step of relief for half its price; Minsk's counter-offer, the
    smallest release for no relief (asking for relief in the counter, the built-in Washington
    refuses it month after month: 0 deals in 4 months of 20 worlds). They are plain indices,
    read against whatever menu is on the table: out of range, they are clipped. `made` keeps,
    month by month, the worlds and candidates the person offered.
    """

    def __init__(self, model, seat: str = "washington"):
        self.model = model
        self.relief, self.release = (1, model.cfg.bargaining.release_levels // 2) if seat == "washington" else (0, 0)
        self.accept: bool | None = None
        self.firm = False
        self.made: list[tuple[int, np.ndarray, np.ndarray]] = []  # (round, worlds, candidates)
        self._table: tuple[tuple, Menu] | None = None

    @property
    def levels(self) -> int:
        """Release levels per relief set on the menu: each size in each mix of tiers (menu.MIXES)."""
        return len(MIXES) * self.model.cfg.bargaining.release_levels

    def __call__(self, side: Negotiator, worlds: np.ndarray, menu: Menu) -> Seat:
        proposal = nearest_valid(side.utility, menu.levels, self.relief, self.release)
        self.made.append((self.model.round, worlds.copy(), proposal.copy()))
        return Seat.taking(side, proposal, self.accept)

    # ------------------------------------------------------------------ what the form shows
    def table(self) -> Menu:
        """World 0's menu on the table this month: the seated model waits between the month's
        visit and its talks, so this is the menu the talks will build (the same state, the same
        function), not last month's."""
        key = (self.model.round, self.model.at_table, id(self.model.talks))
        if self._table is None or self._table[0] != key:
            self._table = (key, self.model.talks.menu(np.array([0])))
        return self._table[1]

    def choice(self) -> tuple[int, int]:
        """World 0's (relief set, release level) as the talks will read the current choice --
        the same `nearest_valid` on the same menu, so the form names the offer made."""
        menu = self.table()
        candidate = int(nearest_valid(np.where(menu.valid, 0.0, -np.inf), menu.levels, self.relief, self.release)[0])
        return divmod(candidate, menu.levels)

    def relief_choices(self) -> list[tuple[int, str]]:
        """World 0's relief sets, best value for money first: (index, 'no relief'), (1, 'relief: potash licence'), ..."""
        menu, level = self.table(), self.model.instruments.level[0]
        return [
            (s, self.model.events.relief_words(menu.bundle(0, s * menu.levels)[1], level))
            for s in range(menu.steps.shape[1])
        ]

    def release_choices(self) -> list[tuple[int, str]]:
        """World 0's release levels that free someone, for the relief set chosen: (level, 'all of the price: 24 (...)')."""
        menu = self.table()
        chosen = self.choice()[0]
        out = []
        for g in range(menu.levels):
            if not menu.valid[0, chosen * menu.levels + g]:
                continue
            releases, _ = menu.bundle(0, chosen * menu.levels + g)
            out.append((g, f"{share_words(g, menu.levels)}: {self.model.events.tier_list(releases)}"))
        return out

    def offer_words(self) -> tuple[str, str]:
        """World 0's offer as the event log will word it: (releases, relief)."""
        menu, (s, g) = self.table(), self.choice()
        releases, steps = menu.bundle(0, s * menu.levels + g)
        return self.model.events.tier_list(releases), self.model.events.relief_words(
            steps, self.model.instruments.level[0]
        )
