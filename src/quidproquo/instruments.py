"""Sanction instruments per world: a state machine that owns every one of its transitions.

An instrument is *imposed*, *lifted* or *suspended*. Its state changes only through the methods
below, each of which also marks what it relieved this month (`relieved_now`, read by the
senders' credibility costs) and writes its line of the event log:

- `lift` -- relief in a deal: now, or staged to arrive after a verification lag (`pending`);
- `deliver_due` -- staged relief whose lag is over;
- `snap_back` -- re-impose relief in force (and cancel relief still pending) after an arrest surge;
- `lapse` -- a scheduled renewal vetoed: the instrument lapses to lifted;
- `suspend` -- the EU suspends an instrument on progress;
- `add_listings` -- new EU listings, booked on the EU's last instrument (its sectoral packages).
"""

from __future__ import annotations

import numpy as np

from quidproquo.arrays import ParameterVectors, row_any, row_sum
from quidproquo.config import Config

IMPOSED, LIFTED, SUSPENDED = 0, 1, 2
STATE_NAMES = ("imposed", "lifted", "suspended")
NOT_PENDING = -1


class Instruments(ParameterVectors):
    """Sanction instruments per world: state, pending staged relief, and extra EU listings."""

    def __init__(self, cfg: Config, worlds: int, log):
        super().__init__()
        self.cfg, self.log = cfg, log
        self.names: tuple[str, ...] = tuple(cfg.goods.instruments)
        code = {name: i for i, name in enumerate(STATE_NAMES)}
        start = np.array([code[self[n].state] for n in self.names], dtype=np.int8)
        self.state = np.tile(start, (worlds, 1))  # (worlds, instruments)
        self.pending = np.full((worlds, len(self.names)), NOT_PENDING, dtype=np.int64)  # round relief is due
        self.listings = np.zeros(worlds, dtype=np.int64)
        self.relieved_now = np.zeros((worlds, len(self.names)), dtype=bool)  # lifted or suspended this month
        self.initial_cost = float(self.vector("monthly_cost") @ (start == IMPOSED))

    def __getitem__(self, name: str):
        return self.cfg.goods.instruments[name]

    def vector(self, attribute: str) -> np.ndarray:
        """A per-instrument parameter as a (read-only) array, as of the last `refresh`."""
        return self.cached(("vector", attribute), lambda: [getattr(self[n], attribute) for n in self.names])

    def of(self, sender: str) -> np.ndarray:
        """Boolean mask (read-only) of the instruments a sender controls."""
        return self.cached(("of", sender), lambda: [self[n].sender == sender for n in self.names], bool)

    def liftable(self, sender: str, worlds: np.ndarray | slice = slice(None)) -> np.ndarray:
        """(worlds, instruments): the sender's instruments still imposed and not already promised."""
        return (self.state[worlds] == IMPOSED) & self.of(sender) & (self.pending[worlds] == NOT_PENDING)

    def begin_round(self) -> None:
        self.relieved_now[:] = False

    # ------------------------------------------------------------------------- transitions
    def lift(self, rows: np.ndarray, lift: np.ndarray, lag: int, round_: int) -> None:
        """Relief agreed in `rows` (lift: (rows, instruments)): at once, or due in `lag` rounds."""
        if lag == 0:
            state = self.state[rows]
            state[lift] = LIFTED
            self.state[rows] = state
            self.relieved_now[rows] |= lift
        else:
            pending = self.pending[rows]
            pending[lift] = round_ + lag
            self.pending[rows] = pending

    def deliver_due(self, round_: int) -> None:
        """Staged relief whose verification lag ends this round is lifted."""
        due = self.pending == round_
        if not due.any():
            return
        lifted = due & (self.state == IMPOSED)
        self.state[lifted] = LIFTED
        self.relieved_now |= lifted
        self.pending[due] = NOT_PENDING
        self.log.log("washington", "relief", row_any(lifted), lambda i: "staged relief delivered: lifts " + self.log.instrument_list(lifted[i]))

    def snap_back(self, actor: str, undo: np.ndarray, relieved: int, text) -> np.ndarray:
        """Re-impose what `undo` (worlds, instruments) marks and is in the `relieved` state, and
        cancel what it marks that is still pending; returns what was undone. `text(i, undone)`
        words world i's log line."""
        snap = undo & (self.state == relieved)
        cancel = undo & (self.pending != NOT_PENDING)
        self.state[snap] = IMPOSED
        self.pending[cancel] = NOT_PENDING
        undone = snap | cancel
        self.log.log(actor, "snapback", row_any(undone), lambda i: text(i, undone[i]))
        return undone

    def lapse(self, vetoed: np.ndarray, column: int) -> None:
        """A scheduled renewal vetoed in the `vetoed` worlds: the instrument lapses to lifted."""
        lapse = vetoed & (self.state[:, column] == IMPOSED)
        self.state[lapse, column] = LIFTED
        self.relieved_now[lapse, column] = True
        name = self.names[column]
        self.log.log("eu", "renewal", ~vetoed, lambda w: f"renews {name} unanimously")
        self.log.log("eu", "veto", vetoed, lambda w: f"renewal of {name} vetoed: it lapses")

    def suspend(self, chosen: np.ndarray, column: np.ndarray) -> None:
        """The EU suspends instrument `column[w]` in each world `w` where `chosen` holds."""
        rows = np.flatnonzero(chosen)
        self.state[rows, column[rows]] = SUSPENDED
        self.relieved_now[rows, column[rows]] = True
        self.log.log("eu", "suspend", chosen, lambda w: f"unanimous: suspends {self.names[column[w]]}")

    def add_listings(self, listing: np.ndarray) -> None:
        self.listings += listing
        self.log.log("eu", "listing", listing, lambda w: "unanimous: new listings after an arrest surge")

    # ------------------------------------------------------------------------------ costs
    @property
    def imposed(self) -> np.ndarray:
        return self.state == IMPOSED

    @property
    def relieved_count(self) -> np.ndarray:
        """Instruments lifted or suspended, per world."""
        return row_sum(~self.imposed)

    @property
    def _listings_column(self) -> int | None:
        """New EU listings are booked on the EU's last instrument (its sectoral packages)."""
        eu = np.flatnonzero(self.of("eu"))
        return int(eu[-1]) if eu.size else None

    def monthly_cost_of(self, worlds: np.ndarray | None) -> np.ndarray:
        """What each instrument costs Minsk this month, EU listings included, for some worlds
        (None: all)."""
        listings = self.listings if worlds is None else self.listings[worlds]
        cost = np.tile(self.vector("monthly_cost"), (listings.shape[0], 1))
        column = self._listings_column
        if column is not None:
            cost[:, column] += listings * self.cfg.actors.eu.listing_cost
        return cost

    def cost_in_force(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Monthly cost to Minsk of the imposed instruments (those in `mask`), per world."""
        imposed = self.imposed if mask is None else self.imposed & mask
        cost = imposed @ self.vector("monthly_cost")
        column = self._listings_column
        if column is not None:
            cost = cost + self.listings * self.cfg.actors.eu.listing_cost * imposed[:, column]
        return cost

    @property
    def cost_avoided(self) -> np.ndarray:
        """Monthly cost Minsk no longer bears because instruments are lifted or suspended."""
        full = self.vector("monthly_cost").sum() + (self.listings * self.cfg.actors.eu.listing_cost if self._listings_column is not None else 0.0)
        return full - self.sanctions_cost

    @property
    def sanctions_cost(self) -> np.ndarray:
        """Total monthly cost of the sanctions in force, per world (USD m)."""
        return self.cost_in_force()
