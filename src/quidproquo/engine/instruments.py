"""Sanction instruments per world: a state machine that owns every one of its transitions.

An instrument is *imposed*, *lifted* or *suspended*, and an imposed one may be partly relieved:
`level` counts the graduated steps of relief in force (a licence for one activity, a
time-limited general licence, suspension, delisting -- `InstrumentConfig.steps`); the last step
lifts it. `relief_share` is the share of its monthly cost and legitimacy relieved. State and
level change only through the methods below, each of which also books the share of the lift
cost spent this month (`cost_spent_now`, read by the senders' credibility costs) and writes its
line of the event log:

- `lift` -- steps of relief in a deal: now, or staged after a verification lag (`pending`);
- `deliver_due` -- staged relief whose lag is over;
- `expire` -- a licence's term is over: renewed for another term, or it lapses (every step
  reversed); a delisting (the last step) has no term;
- `snap_back` -- re-impose relief in force, every step of it (and cancel relief still pending),
  after an arrest surge -- but a detainee the sender freed in a swap (`kind: detainee`) stays free;
- `lapse` -- a scheduled renewal vetoed: the instrument lapses to lifted;
- `suspend` -- the EU suspends an instrument on progress;
- `add_listings` -- new EU listings, booked on the EU's last instrument (its sectoral packages);
- `put` -- a dated scenario event sets a state in every world (a reversal the record dates);
  `renew_by_record` -- a dated event says a scheduled renewal passed (the record's vote).
"""

from __future__ import annotations

import numpy as np

from quidproquo.config.schema import INSTRUMENT_STATES
from quidproquo.engine.arrays import ParameterVectors, at, row_any, row_sum, total, weigh

IMPOSED, LIFTED, SUSPENDED = 0, 1, 2
STATE_NAMES = INSTRUMENT_STATES  # the codes' names, in code order (one home: config.schema)
NOT_PENDING = -1


def relief_in_force(state, level) -> np.ndarray:
    """Where an instrument has relief in force: lifted, suspended, or a step of relief (a licence)
    while imposed. The one rule every count of relief uses -- the model's, the record's, the
    calibration's, the figures' and the dashboard's. `state` holds codes or state names (a
    table's column), `level` the steps in force, of the same shape."""
    state = np.asarray(state)
    imposed = STATE_NAMES[IMPOSED] if state.dtype.kind in "OUS" else IMPOSED
    return (state != imposed) | (np.asarray(level) > 0)


class Instruments(ParameterVectors):
    """Sanction instruments per world: state, pending staged relief, and extra EU listings.

    An instrument's numeric parameters (`vector`: monthly_cost, lift_cost, legitimacy) are
    (instruments,) arrays, or (worlds, instruments) where a sweep point or a posterior draw varies
    one of them by world."""

    def __init__(self, parameters, worlds: int, log):
        super().__init__()
        self.parameters, self.cfg, self.log = parameters, parameters.cfg, log
        self.worlds = worlds
        self.names: tuple[str, ...] = tuple(self.cfg.goods.instruments)
        code = {name: i for i, name in enumerate(STATE_NAMES)}
        start = np.array([code[self[n].state] for n in self.names], dtype=np.int8)
        self.state = np.tile(start, (worlds, 1))  # (worlds, instruments)
        # Steps of relief in force: none, or the licences a forecast's start state has in force.
        self.level = np.tile(np.array([self[n].level for n in self.names], dtype=np.int64), (worlds, 1))
        self.pending = np.full((worlds, len(self.names)), NOT_PENDING, dtype=np.int64)  # round staged relief is due
        self.pending_steps = np.zeros((worlds, len(self.names)), dtype=np.int64)
        self.listings = np.zeros(worlds, dtype=np.int64)
        # Licences with a term: the round each instrument's relief in force lapses (NOT_PENDING: none).
        self.duration = np.array([self[n].duration for n in self.names], dtype=np.int64)
        # A sanction can be re-imposed; a detainee the sender has freed cannot be taken back.
        self.reversible = np.array([self[n].kind == "sanction" for n in self.names], dtype=bool)
        self.expires = np.full((worlds, len(self.names)), NOT_PENDING, dtype=np.int64)
        self.renewed_now = np.zeros(len(self.names), dtype=bool)  # renewals the record dates this month
        self.cost_spent_now = np.zeros((worlds, len(self.names)))  # share of each lift cost spent this month
        # Cumulative ladders, padded past an instrument's last step: (instruments, most steps + 1).
        self.step_count = np.array([len(self[n].steps) for n in self.names], dtype=np.int64)
        width = int(self.step_count.max(initial=0)) + 1
        self.relief_ladder = np.ones((len(self.names), width))
        self.cost_ladder = np.ones((len(self.names), width))
        for i, n in enumerate(self.names):
            self.relief_ladder[i, : self.step_count[i] + 1] = [0.0, *self[n].relief]
            self.cost_ladder[i, : self.step_count[i] + 1] = [0.0, *self[n].step_cost]
        # What k more steps relieve and cost from each level: (instruments, level, k), for the menu.
        reach = np.minimum(np.arange(width)[:, None] + np.arange(width)[None, :], width - 1)
        self.ahead_relief = self.relief_ladder[:, reach] - self.relief_ladder[:, :, None]
        self.ahead_cost = self.cost_ladder[:, reach] - self.cost_ladder[:, :, None]
        self.step_relief, self.step_cost = np.diff(self.ahead_relief, axis=2), np.diff(self.ahead_cost, axis=2)
        self._row_start = np.arange(len(self.names)) * width  # where each instrument's row starts in a ladder, flat
        # (worlds,): what the sanctions imposed at the start cost a month, the yardstick of relief
        self.initial_cost = np.broadcast_to(
            weigh(np.atleast_2d(self.vector("monthly_cost")), start == IMPOSED), (worlds,)
        ).copy()
        self._derived: dict[str, np.ndarray] = {}  # relief share and cost in force, until the next change

    def __getitem__(self, name: str):
        return self.cfg.goods.instruments[name]

    def vector(self, attribute: str) -> np.ndarray:
        """A per-instrument numeric parameter (read-only) as of the last `refresh`: (instruments,),
        or (worlds, instruments) if it varies by world."""

        def values():
            per = [self.parameters.get(f"goods.instruments.{n}.{attribute}") for n in self.names]
            if all(np.ndim(v) == 0 for v in per):
                return per
            return np.stack([np.broadcast_to(np.asarray(v, dtype=np.float64), (self.worlds,)) for v in per], axis=1)

        return self.cached(("vector", attribute), values)

    def share_of_initial(self, cost: np.ndarray, worlds=None) -> np.ndarray:
        """A monthly cost (worlds, ...) as a share of what the sanctions imposed at the start cost
        (0 where they cost nothing): how far relief has gone."""
        total = self.initial_cost if worlds is None else self.initial_cost[worlds]
        total = total.reshape(total.shape + (1,) * (np.ndim(cost) - 1))
        return np.divide(cost, total, out=np.zeros(np.broadcast_shapes(np.shape(cost), total.shape)), where=total > 0)

    def of(self, sender: str) -> np.ndarray:
        """Boolean mask (read-only) of the instruments a sender controls."""
        return self.cached(("of", sender), lambda: [self[n].sender == sender for n in self.names], bool)

    def steps_left(self, sender: str, worlds: np.ndarray | slice = slice(None)) -> np.ndarray:
        """(worlds, instruments): the steps of relief the sender can still offer on each of its
        instruments -- imposed, and no relief already promised and pending."""
        open_ = (self.state[worlds] == IMPOSED) & self.of(sender) & (self.pending[worlds] == NOT_PENDING)
        return np.where(open_, self.step_count - self.level[worlds], 0)

    def ladder(self, table: np.ndarray, level: np.ndarray) -> np.ndarray:
        """A cumulative ladder (`relief_ladder` or `cost_ladder`) read at `level` (..., instruments)."""
        # One flat take: much faster than two-array fancy indexing over many worlds.
        return np.take(table.ravel(), level + self._row_start[: level.shape[-1]])

    def begin_round(self) -> None:
        self.cost_spent_now[:] = 0.0
        self.renewed_now[:] = False
        self.changed()

    def changed(self) -> None:
        """Forget what is derived from the states: every transition calls it (and a test that
        sets a state by hand)."""
        self._derived.clear()

    def refresh(self) -> None:
        super().refresh()
        self.changed()

    # ------------------------------------------------------------------------- transitions
    def lift(self, rows: np.ndarray, steps: np.ndarray, lag: int, round_: int) -> None:
        """Steps of relief agreed in `rows` (steps: (rows, instruments)): now, or due in `lag` rounds."""
        if lag == 0:
            self._relieve(rows, steps, round_)
        else:
            pending, more = self.pending[rows], self.pending_steps[rows]
            pending[steps > 0] = round_ + lag
            self.pending[rows], self.pending_steps[rows] = pending, more + steps

    def _relieve(self, rows: np.ndarray, steps: np.ndarray, round_: int) -> None:
        before = self.level[rows]
        after = np.minimum(before + steps, self.step_count)
        self.cost_spent_now[rows] += self.ladder(self.cost_ladder, after) - self.ladder(self.cost_ladder, before)
        self.level[rows] = after
        state = self.state[rows]
        lifted = (after == self.step_count) & (steps > 0)
        state[lifted] = LIFTED
        self.state[rows] = state
        if self.duration.any():
            # A new step starts the licence's term afresh; a delisting has none.
            expires = self.expires[rows]
            granted = (steps > 0) & (self.duration > 0)
            expires[granted] = (round_ + self.duration[None, :].repeat(rows.size, axis=0))[granted]
            expires[lifted] = NOT_PENDING
            self.expires[rows] = expires
        self.changed()

    def deliver_due(self, round_: int) -> None:
        """Staged relief whose verification lag ends this round comes into force."""
        due = self.pending == round_
        if not due.any():
            return
        steps = np.where(due & (self.state == IMPOSED), self.pending_steps, 0)
        self._relieve(np.arange(self.state.shape[0]), steps, round_)
        self.pending[due], self.pending_steps[due] = NOT_PENDING, 0
        self.log.log(
            "washington",
            "relief",
            row_any(steps > 0),
            lambda i: "staged relief delivered: " + self.log.relief_words(steps[i], self.level[i] - steps[i]),
        )

    def expire(self, round_: int, renewed: np.ndarray) -> np.ndarray:
        """Licences whose term ends this round: renewed for another term in the `renewed` worlds
        (worlds,), reversed (every step) elsewhere. Returns (worlds, instruments) what lapsed."""
        due = self.expires == round_
        if not due.any():
            return np.zeros_like(due)
        keep = due & renewed[:, None]
        lapse = due & ~renewed[:, None] & (self.state == IMPOSED) & (self.level > 0)
        self.expires[keep] = round_ + np.broadcast_to(self.duration, due.shape)[keep]
        self.level[lapse], self.expires[due & ~keep] = 0, NOT_PENDING
        if lapse.any():
            self.changed()
        words = self.log.instrument_list
        self.log.log("washington", "renewal", row_any(keep), lambda i: "renews the licence on " + words(keep[i]))
        self.log.log("washington", "lapse", row_any(lapse), lambda i: "lets the licence lapse on " + words(lapse[i]))
        return lapse

    def snap_back(self, actor: str, undo: np.ndarray, relieved: int, text) -> np.ndarray:
        """Re-impose what `undo` (worlds, instruments) marks and is in the `relieved` state, and
        cancel what it marks that is still pending; returns what was undone. `text(i, undone)`
        words world i's log line."""
        undo = undo & self.reversible  # a swap's detainee, once freed, stays free
        snap = undo & ((self.state == relieved) | (self.level > 0))
        cancel = undo & (self.pending != NOT_PENDING)
        self.state[snap], self.level[snap], self.expires[snap] = IMPOSED, 0, NOT_PENDING
        self.pending[cancel], self.pending_steps[cancel] = NOT_PENDING, 0
        undone = snap | cancel
        if snap.any():
            self.changed()
        self.log.log(actor, "snapback", row_any(undone), lambda i: text(i, undone[i]))
        return undone

    def put(self, column: int, state: int, text: str) -> None:
        """A dated event puts instrument `column` in `state` in every world, outside the talks:
        imposed reverses every step of relief in force or pending (as a snap-back does), lifted
        gives every step, suspended suspends. The sender's lift cost is not booked: the record
        dates it, no deal paid for it."""
        self.expires[:, column] = NOT_PENDING  # relief the record dates has no term of the model's
        if state == IMPOSED:
            self.level[:, column] = 0
            self.pending[:, column], self.pending_steps[:, column] = NOT_PENDING, 0
        elif state == LIFTED:
            self.level[:, column] = self.step_count[column]
        self.state[:, column] = state
        self.changed()
        self.log.log("scenario", "event", None, lambda i: text)

    def renew_by_record(self, column: int, text: str) -> None:
        """A dated event: the record says instrument `column`'s scheduled renewal passed this
        month, so no member's veto makes it lapse (`lapse` reads `renewed_now`)."""
        self.renewed_now[column] = True
        self.log.log("scenario", "event", None, lambda i: text)

    def lapse(self, vetoed: np.ndarray, column: int) -> None:
        """A scheduled renewal vetoed in the `vetoed` worlds: the instrument lapses to lifted --
        unless the record dates this renewal as passed (`renew_by_record`)."""
        if self.renewed_now[column]:
            vetoed = np.zeros_like(vetoed)
        lapse = vetoed & (self.state[:, column] == IMPOSED)
        self.state[lapse, column] = LIFTED
        self.cost_spent_now[lapse, column] = 1.0
        if lapse.any():
            self.changed()
        name = self.names[column]
        self.log.log("eu", "renewal", ~vetoed, lambda w: f"renews {name} unanimously")
        self.log.log("eu", "veto", vetoed, lambda w: f"renewal of {name} vetoed: it lapses")

    def suspend(self, chosen: np.ndarray, column: np.ndarray) -> None:
        """The EU suspends instrument `column[w]` in each world `w` where `chosen` holds."""
        rows = np.flatnonzero(chosen)
        self.state[rows, column[rows]] = SUSPENDED
        self.cost_spent_now[rows, column[rows]] = 1.0
        if rows.size:
            self.changed()
        self.log.log("eu", "suspend", chosen, lambda w: f"unanimous: suspends {self.names[column[w]]}")

    def add_listings(self, listing: np.ndarray) -> None:
        self.listings += listing
        if np.any(listing):
            self.changed()
        self.log.log("eu", "listing", listing, lambda w: "unanimous: new listings after an arrest surge")

    # ------------------------------------------------------------------------------ costs
    @property
    def imposed(self) -> np.ndarray:
        """(worlds, instruments): imposed in full, no step of relief in force."""
        return ~relief_in_force(self.state, self.level)

    @property
    def relief_share(self) -> np.ndarray:
        """(worlds, instruments, read-only): the share of each instrument's cost and legitimacy relieved."""
        if "relief_share" not in self._derived:
            if self.level.any():
                share = np.where(self.state == IMPOSED, self.ladder(self.relief_ladder, self.level), 1.0)
            else:  # no step of relief anywhere (every world under freeze): no ladder to read
                share = (self.state != IMPOSED).astype(np.float64)
            share.flags.writeable = False
            self._derived["relief_share"] = share
        return self._derived["relief_share"]

    @property
    def relieved_count(self) -> np.ndarray:
        """Instruments with any relief in force (a step, lifted or suspended), per world."""
        return row_sum(~self.imposed)

    @property
    def _listings_column(self) -> int | None:
        """New EU listings are booked on the EU's last instrument (its sectoral packages)."""
        eu = np.flatnonzero(self.of("eu"))
        return int(eu[-1]) if eu.size else None

    def monthly_cost_of(self, worlds: np.ndarray | None) -> np.ndarray:
        """What each instrument costs Minsk a month when imposed in full, EU listings included,
        for some worlds (None: all)."""
        listings = self.listings if worlds is None else self.listings[worlds]
        cost = np.broadcast_to(
            at(np.atleast_2d(self.vector("monthly_cost")), worlds), (listings.shape[0], len(self.names))
        ).copy()
        column = self._listings_column
        if column is not None:
            cost[:, column] += listings * at(self.parameters.get("actors.eu.listing_cost"), worlds)
        return cost

    def cost_in_force(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Monthly cost to Minsk of the sanctions in force (those in `mask`), per world."""
        unrelieved = 1.0 - self.relief_share
        if mask is not None:
            unrelieved = unrelieved * mask
        cost = weigh(unrelieved, self.vector("monthly_cost"))
        column = self._listings_column
        if column is not None:
            cost = cost + self.listings * self.parameters.get("actors.eu.listing_cost") * unrelieved[:, column]
        return cost

    @property
    def cost_avoided(self) -> np.ndarray:
        """Monthly cost Minsk no longer bears because of relief in force."""
        return total(self.monthly_cost_of(None)) - self.sanctions_cost

    @property
    def sanctions_cost(self) -> np.ndarray:
        """Total monthly cost of the sanctions in force, per world (USD m; read-only)."""
        if "sanctions_cost" not in self._derived:
            cost = self.cost_in_force()
            cost.flags.writeable = False
            self._derived["sanctions_cost"] = cost
        return self._derived["sanctions_cost"]

    @property
    def legitimacy_in_force(self) -> np.ndarray:
        """Minsk's monthly legitimacy from relief in force, per world."""
        return weigh(self.relief_share, self.vector("legitimacy"))
