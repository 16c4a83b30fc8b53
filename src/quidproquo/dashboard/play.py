"""Play mode: a person takes Washington's or Minsk's seat at the table.

The engine asks each side of the table the same questions (`bargaining.Side`): what do you
offer, what is this candidate worth to you, do you accept. A `Seat` answers them from a form
instead of a strategy: it offers the bundle the person chose and accepts or refuses the
other side's offers as the person said. `Player` is what the model's `seats` hook calls each
month there are talks; it turns the form's choices (which relief set of the menu -- the steps
of relief, best value for money first -- and what share of Washington's price released) into a
candidate of each world's menu.

The person judges for themselves: a seat has no reservation utility, so the engine lets any
deal through that the person and the other side agree to -- even one worth less to the
person's actor than no deal. Their realised utility will show it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from quidproquo.bargaining import Side
from quidproquo.menu import Menu, Negotiator


@dataclass
class Seat(Negotiator, Side):
    """One side of the table answered by a person (a `bargaining.Side`): the menu's values of a
    `Negotiator`, with the person's offer and answer in place of a strategy."""

    proposal: np.ndarray | None = None  # (worlds,) the candidate the person offers in each world
    answer: bool = False  # whether the person accepts the other side's offers this month

    def rows(self, rows: np.ndarray) -> Seat:
        return replace(self, utility=self.utility[rows], reservation=self.reservation[rows], proposal=self.proposal[rows])

    def target(self, concession: np.ndarray) -> np.ndarray:
        # The person sets no target; the engine reads it only to price waiting, which
        # `accepts` ignores.
        return np.zeros(self.utility.shape[0])

    def offer(self, responder: Negotiator, target: np.ndarray) -> np.ndarray:
        return self.proposal.copy()

    def accepts(self, value: np.ndarray, waiting: np.ndarray) -> np.ndarray:
        return np.full(np.shape(value), self.answer)

    def acceptable(self) -> np.ndarray:
        return np.isfinite(self.utility)


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
    money), `release` the release level (1/8, 1/4, 1/2 or all of Washington's price for that set,
    with four levels), `accept` the answer to the other side's offers. `made` keeps, month by
    month, the worlds and candidates the person offered.
    """

    def __init__(self, model):
        self.model = model
        self.relief = 1
        self.release = model.cfg.bargaining.release_levels // 2
        self.accept = False
        self.made: list[tuple[int, np.ndarray, np.ndarray]] = []  # (round, worlds, candidates)

    @property
    def levels(self) -> int:
        return self.model.cfg.bargaining.release_levels

    def __call__(self, side: Negotiator, worlds: np.ndarray, menu: Menu) -> Seat:
        proposal = nearest_valid(side.utility, menu.levels, self.relief, self.release)
        self.made.append((self.model.round, worlds.copy(), proposal.copy()))
        return Seat(side.name, side.utility, np.full(worlds.size, -np.inf), side.discount, side.strategy,
                    proposal=proposal, answer=self.accept)

    # ------------------------------------------------------------------ what the form shows
    def _menu(self):
        """World 0's menu as it stands now (the talks build the same one when the month is played)."""
        return self.model.talks.menu(np.array([0]))

    def relief_options(self) -> list[str]:
        """World 0's relief sets, best value for money first: 'no relief', 'relief: potash licence', ..."""
        menu, level = self._menu(), self.model.instruments.level[0]
        return [self.model.events.relief_words(menu.bundle(0, s * menu.levels)[1], level) for s in range(menu.steps.shape[1])]

    def release_options(self) -> list[str]:
        """World 0's release levels for the chosen relief: the share of Washington's price and who it frees."""
        menu = self._menu()
        chosen = min(self.relief, menu.steps.shape[1] - 1)
        out = []
        for g in range(menu.levels):
            releases, _ = menu.bundle(0, chosen * menu.levels + g)
            part = 2 ** (menu.levels - 1 - g)  # the menu's shares halve down from the whole price
            out.append(f"{'all' if part == 1 else f'1/{part}'} of the price: {self.model.events.tier_list(releases)}")
        return out
