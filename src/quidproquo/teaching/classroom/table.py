"""One pair's game: its world rebuilt from the stored moves, whose turn it is, and what a move does.

A pair plays one world (`engine.worlds=1`) of the session's scenario, with its own seed. The
table keeps nothing but the moves: `Table` replays them month by month from the seed, and since
the model is deterministic the replay is the game as it was played -- after a server restart too.

The talks are the model's own, through the same table as the dashboard's play mode: the model's
`seats` hook (`talks.Talks.seats`) hands each side to this table, which puts a `play.Seat`
holding the student's offer and answer in place of a student's side, and leaves a side nobody
sits at to the built-in strategy. With two offers a month (`DashboardModel`'s play settings) a
month's moves are, in order:

1. `offer`  -- Washington offers a relief set and a release level from this month's menu;
2. `reply`  -- Minsk accepts, or refuses and counters with a bundle of the same menu;
3. `answer` -- if Minsk countered, Washington accepts or refuses the counter.

A student's move is stored; the built-in strategy's follow from the world and the moves before
them. To find whose move the month waits for, the table plays the month on a copy of the world
with what is known so far (a move still missing is stood in for, and nothing of it is used);
once no student's move is missing, that copy *is* the month played. The menu a student chooses
from is therefore the menu of the talks themselves, after the month's arrests and releases.

A side may pass from its student to the built-in strategy and back (`hand`: the instructor's
button, an idle spell, a student reclaiming the seat). From then on the side's moves not yet
made are the built-in strategy's -- within a month too: Washington's offer made by its student,
its answer to the counter-offer by the built-in strategy's own rule (`play.Seat` with no
answer). Which moves a person made is therefore what the store holds: each offer and each answer
is marked as the student's exactly when the move it came from is stored (`Made.by_person`,
`answered_by_person`). A handover is replayed where it happened, after the moves before it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from quidproquo.config import Config, ConfigError
from quidproquo.engine.menu import Menu
from quidproquo.engine.model import BargainingModel
from quidproquo.teaching.parts import watch
from quidproquo.teaching.play import Seat

ROLES = ("washington", "minsk")
MOVER = {"offer": "washington", "reply": "minsk", "answer": "washington"}  # kind of move -> who makes it
TURN_WORDS = {
    ("washington", "offer"): "Washington's offer",
    ("minsk", "reply"): "Minsk's reply",
    ("washington", "answer"): "Washington's answer to the counter-offer",
}


class Refused(ValueError):
    """A move or request that changes nothing: `status` 400 (malformed) or 409 (not now), one line."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Move:
    """A student's move. `month` counts from 0; `relief`/`release` name the bundle offered
    (Washington's offer, Minsk's counter); `accept` is a reply's or an answer's verdict."""

    month: int
    kind: str
    relief: int | None = None
    release: int | None = None
    accept: bool | None = None

    @property
    def offers(self) -> bool:
        return self.kind == "offer" or (self.kind == "reply" and self.accept is False)


@dataclass(frozen=True)
class Hand:
    """A side handed to the built-in strategy (`person` False) or back to its student (True)."""

    role: str
    person: bool


@dataclass(frozen=True)
class Made:
    """An offer made at the table, and whether a student made it and a student answered it."""

    proposer: str
    candidate: int
    accepted: bool
    by_person: bool = False
    answered_by_person: bool = False


@dataclass
class Talk:
    """One month at the pair's table, as far as the moves go."""

    month: int
    date: str
    held: bool = False  # an envoy visited and the two sides sat down
    menu: Menu | None = None  # the menu of the talks (one world)
    level: np.ndarray | None = None  # (instruments,) steps of relief in force before the talks
    values: dict[str, np.ndarray] = field(default_factory=dict)  # side -> (candidates,) its utility of each bundle
    reservation: dict[str, float] = field(default_factory=dict)  # side -> its utility of no deal
    parts: dict[str, dict[str, np.ndarray]] = field(
        default_factory=dict
    )  # side -> component -> (candidates,) (`parts.py`)
    offers: list[Made] = field(default_factory=list)
    waiting: tuple[str, str] | None = None  # (side, kind) of the student's move the month waits for
    utility: dict[str, float] = field(
        default_factory=dict
    )  # side -> its realised utility up to this month, once played
    # what pages derive from a month that no longer changes (bundles, their words, the month's lines):
    # made once, read by every page that shows the month
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def deal(self) -> int | None:
        """The agreed candidate, if the talks ended in a deal."""
        return next((o.candidate for o in self.offers if o.accepted), None)

    @property
    def sets(self) -> int:
        return self.menu.steps.shape[1]

    @property
    def levels(self) -> int:
        return self.menu.levels

    def valid(self, candidate: int) -> bool:
        return bool(self.menu.valid[0, candidate])

    def bundle(self, candidate: int) -> tuple[np.ndarray, np.ndarray]:
        """Releases (tiers,) and steps of relief (instruments,) of a candidate."""
        key = ("bundle", candidate)
        if key not in self.memo:
            self.memo[key] = self.menu.bundle(0, candidate)
        return self.memo[key]

    def remembered(self, key, make):
        """`make()`, made once for this month (a month's words do not change once it is on the table)."""
        if key not in self.memo:
            self.memo[key] = make()
        return self.memo[key]

    def candidate(self, move: Move) -> int:
        """The candidate a move offers, checked against this month's menu."""
        if not 0 <= move.relief < self.sets:
            raise Refused(400, f"relief={move.relief}: not on this month's menu; allowed: 0..{self.sets - 1}")
        if not 0 <= move.release < self.levels:
            raise Refused(400, f"release={move.release}: not on this month's menu; allowed: 0..{self.levels - 1}")
        candidate = move.relief * self.levels + move.release
        if not self.valid(candidate):
            raise Refused(
                400,
                f"relief={move.relief}, release={move.release}: this bundle is not on this month's menu "
                "(it frees nobody, or repeats a relief set)",
            )
        return candidate


class Table:
    """A pair's game: the world after the months played, their talks, and this month's talks.

    `students` says which sides a student plays now (the others are the built-in strategy's);
    `history` replays the pair's stored moves and handovers, in the order they happened.
    """

    def __init__(self, config: Config, seed: int, months: int, students: dict[str, bool], history=()):
        if (
            config.bargaining.max_offers != 2
            or config.bargaining.protocol != "alternating"
            or config.engine.worlds != 1
        ):
            raise ConfigError("a classroom table needs one world and alternating talks of two offers a month")
        if not 1 <= months <= config.engine.rounds:
            raise ConfigError(f"months={months}: must be within 1..{config.engine.rounds} (the scenario's horizon)")
        self.months = months
        self.students = {role: bool(students.get(role)) for role in ROLES}
        self.model = BargainingModel(config=config, rng=seed)  # the world after the months played
        watch(self.model)  # each bundle's value part by part, for the student's page
        self.moves: dict[int, dict[str, Move]] = {}  # month -> kind -> move
        self.played: list[Talk] = []
        self.talk: Talk | None = None  # this month's talks, waiting for a student; None when all months are played
        self._advance()
        for event in history:
            if isinstance(event, Hand):
                self.hand(event.role, event.person)
            else:
                self.apply(self.mover(event), event)

    @staticmethod
    def mover(move: Move) -> str:
        return MOVER[move.kind]

    @property
    def month(self) -> int:
        """Months played so far (the month being bargained over, counting from 0)."""
        return self.model.round

    @property
    def finished(self) -> bool:
        return self.talk is None

    # ------------------------------------------------------------------------------- moves
    def check(self, role: str, move: Move) -> None:
        """Refuse a move that is not the one the table waits for, or not on the menu."""
        if self.talk is None:
            raise Refused(409, f"the game is over: all {self.months} months are played")
        if move.month != self.talk.month:
            raise Refused(409, f"month={move.month + 1}: this table is at month {self.talk.month + 1}; reload the page")
        if self.talk.waiting != (role, move.kind):
            waiting = TURN_WORDS[self.talk.waiting]
            raise Refused(409, f"{move.kind}: not {role.capitalize()}'s move now; the table waits for {waiting}")
        if move.offers:
            self.talk.candidate(move)
        elif move.accept is None:
            raise Refused(400, f"{move.kind}: needs accept=yes or accept=no")

    def apply(self, role: str, move: Move) -> list[Talk]:
        """Make a move; return the months it completed (played), if any."""
        self.check(role, move)
        self.moves.setdefault(move.month, {})[move.kind] = move
        before = len(self.played)
        self._advance()
        return self.played[before:]

    def hand(self, role: str, person: bool) -> list[Talk]:
        """The side passes to its student (`person`) or to the built-in strategy from its next
        move on; return the months that completes (the built-in strategy does not wait)."""
        self.students[role] = person
        before = len(self.played)
        self._advance()
        return self.played[before:]

    # ------------------------------------------------------------------------------ months
    def _advance(self) -> None:
        """Play months while no student's move is missing."""
        while self.model.round < self.months:
            trial = copy.deepcopy(self.model)
            talk = self._play(trial, self.moves.get(trial.round, {}))
            if talk.waiting:
                self.talk = talk
                return
            self.model = trial
            talk.utility = {role: self.realised_utility(role) for role in ROLES}
            self.played.append(talk)
        self.talk = None

    def _play(self, model: BargainingModel, moves: dict[str, Move]) -> Talk:
        """Play the model's month with the moves known; what happened at the table."""
        talk = Talk(model.round, model.month_label)
        model.talks.seats = {role: self._seat(role, talk, moves, model) for role in ROLES}
        model.talks.outcome = None
        model.step()
        if model.talks.outcome is not None:
            _, outcome = model.talks.outcome
            made = [o for o in outcome.offers if o.made[0]]
            # A student made the offer if the move it came from is stored, and answered it likewise:
            # Washington's offer <- "offer", Minsk's reply (and its counter) <- "reply", Washington's answer <- "answer".
            mine = [("offer" in moves, "reply" in moves), ("reply" in moves, "answer" in moves)]
            talk.offers = [
                Made(o.proposer, int(o.candidate[0]), bool(o.accepted[0]), *mine[k]) for k, o in enumerate(made)
            ]
        talk.waiting = self._waiting(talk, moves)
        return talk

    def _seat(self, role: str, talk: Talk, moves: dict[str, Move], model: BargainingModel):
        def seat(side, worlds: np.ndarray, menu: Menu):
            talk.held, talk.menu, talk.level = True, menu, model.instruments.level[0].copy()
            talk.values[role], talk.reservation[role] = side.utility[0].copy(), float(side.reservation[0])
            talk.parts[role] = getattr(model, role).utility.of(menu, talk.values[role])
            made = moves.get("offer" if role == "washington" else "reply")
            if not self.students[role] and made is None:
                return side  # the built-in strategy, as the engine made it
            proposal, answer = self._choice(role, talk, moves, side.utility[0])
            # No reservation utility: the student judges, as in play mode; a side handed to the
            # built-in strategy after its student's offer answers by the strategy's own rule (None).
            return Seat.taking(side, np.array([proposal]), answer)

        return seat

    def _choice(self, role: str, talk: Talk, moves: dict[str, Move], utility: np.ndarray) -> tuple[int, bool | None]:
        """The student's offer (a candidate) and answer this month; a move not made yet is stood
        in for by the first bundle on the menu and a refusal (the month is then not kept), or,
        where the built-in strategy has the side now, left to it (None)."""
        stand_in = int(np.flatnonzero(np.isfinite(utility))[0]) if np.isfinite(utility).any() else 0
        if role == "washington":
            offer, answer = moves.get("offer"), moves.get("answer")
            if answer is not None:
                verdict = bool(answer.accept)
            else:
                verdict = False if self.students[role] else None
            return (talk.candidate(offer) if offer else stand_in), verdict
        reply = moves.get("reply")
        if reply is None:
            return stand_in, False
        return (talk.candidate(reply) if reply.offers else stand_in), bool(reply.accept)

    def _waiting(self, talk: Talk, moves: dict[str, Move]) -> tuple[str, str] | None:
        if not talk.offers:
            return None  # no talks this month: nobody has a move to make
        if self.students["washington"] and "offer" not in moves:
            return "washington", "offer"
        if self.students["minsk"] and "reply" not in moves:
            return "minsk", "reply"
        countered = not talk.offers[0].accepted and len(talk.offers) > 1
        if countered and self.students["washington"] and "answer" not in moves:
            return "washington", "answer"
        return None

    def decisions(self, role: str) -> tuple[int, int]:
        """(by the student, by the built-in strategy): the side's decisions in the months played.
        Washington decides its offer and, if Minsk countered, its answer; Minsk decides its reply
        (to accept, or to refuse and counter)."""
        made = []
        for talk in self.played:
            if not talk.offers:
                continue
            if role == "washington":
                made.append(talk.offers[0].by_person)
                if len(talk.offers) > 1:
                    made.append(talk.offers[1].answered_by_person)
            else:
                made.append(talk.offers[0].answered_by_person)
        return sum(made), len(made) - sum(made)

    # ----------------------------------------------------------------------------- results
    def realised_utility(self, role: str) -> float:
        """The side's discounted utility over the months played."""
        return float(self.model.recorder.realised_utility(self.model, role)[0])
