"""The classroom session: joining, pairing, moves checked and stored, one table per pair.

`Room` is the session behind the pages: everything a request may change goes through one of its
methods, under one lock, and into the store in one transaction. Nothing a student sends reaches a
config key, a `_target_` or a path: a name is stored as text, and a move is a month, a kind and
small integers checked against the pair's current menu (`table.Table.check`). A pair's table is
kept in memory and rebuilt from the stored moves and handovers when it is not there (after a
restart).

No pair waits for an absent student: the instructor can hand any student's side to the built-in
strategy (`hand`), and a side the table has waited on for the session's idle time (default 60 s)
passes to it by itself (`tick`, called every second by the server). A student takes their seat
back from any device by joining again with their name and the join code, or with the button on
their own page (`reclaim`). Names are unique in a room, compared as people would (case and
spacing aside): joining with a name whose seat is held by its student is refused in one line
(a name whose seat the built-in strategy holds is that student coming back).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from quidproquo.config import Config, ConfigError, load
from quidproquo.runs.lock import fresh_name
from quidproquo.teaching.classroom import words
from quidproquo.teaching.classroom.store import (
    FILE,
    IDLE,
    Full,
    HandoverRow,
    MoveRow,
    NotASession,
    PairRow,
    SeatRow,
    Session,
    Store,
    now,
)
from quidproquo.teaching.classroom.table import ROLES, Hand, Move, Refused, Table, Talk
from quidproquo.teaching.play import SETTINGS, scenarios

SEATS = 80  # students in a room at most
NAME_LENGTH = 40
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read off a projector
BOT = "built-in strategy"
IDLE_RANGE = (1, 3600)  # seconds: a test uses a few, a seminar a minute
DISK_FULL = "the server's disk is full: nothing was saved; tell your instructor (then try again)"


def session_config(scenario: str) -> Config:
    """The config every pair of the session plays: one of the scenarios a person may play
    (`play.scenarios`), on one world, with play's settings (`play.SETTINGS`: an envoy every
    month, an offer and a counter-offer). The seed is each pair's own (`pair_seed`)."""
    if scenario not in scenarios():
        raise ConfigError(f"scenario={scenario}: no such scenario; allowed: {', '.join(scenarios())}")
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    return load([f"scenario={scenario}", "engine.worlds=1", "engine.seed=0", *SETTINGS])


def pair_seed(session_seed: int, pair: int) -> int:
    """A pair's world seed, from the session's seed and the pair's number only: a pair's game never
    depends on how many pairs there are. Within the dashboard's seed range (0..999), so that a
    pair's world can be opened in `qpq dashboard` with the same seed."""
    return int(np.random.SeedSequence([session_seed, pair]).generate_state(1)[0] % 1000)


def default_folder() -> Path:
    return fresh_name(Path("classrooms") / date.today().isoformat())


def clean_name(name) -> str:
    """A student's name as stored: text, trimmed, 1..40 characters, no control characters."""
    if not isinstance(name, str):
        raise Refused(400, "name: must be text")
    name = " ".join(name.split())
    if not name:
        raise Refused(400, "name: type your name (1 to 40 characters)")
    if len(name) > NAME_LENGTH:
        raise Refused(400, f"name: at most {NAME_LENGTH} characters (this one has {len(name)})")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise Refused(400, "name: letters, digits, spaces and punctuation only")
    return name


@dataclass(frozen=True)
class Place:
    """A seat in the room and where it sits: its pair and side, if paired; and whether its
    student plays it now (False: the built-in strategy holds it, `since` which handover)."""

    seat: SeatRow
    pair: PairRow | None
    role: str | None
    playing: bool = True
    since: HandoverRow | None = None


@dataclass(frozen=True)
class Joined:
    """A seat taken by joining: a new one, or the student's own, reclaimed (`back`)."""

    seat: SeatRow
    back: bool = False


class Room:
    """A classroom session in its folder (`classroom.sqlite`)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        path = self.folder / FILE
        if not path.is_file():
            raise ConfigError(f"--session {folder}: holds no {FILE}; leave --session out to start a new session")
        try:
            self.store = Store(path)
        except NotASession as why:
            raise ConfigError(
                f"--session {folder}: {FILE} is not a classroom session ({why}); "
                "give a session folder `qpq classroom` made, or leave --session out"
            ) from None
        self.session: Session = self.store.session()
        self.config = session_config(self.session.scenario)
        self.lock = threading.RLock()  # one request at a time changes or reads the tables
        self.tables: dict[int, Table] = {}
        self.baselines: dict[tuple[int, int], Table] = {}
        # pair -> (what its table waits for, since when, time.monotonic): the idle clock; after a
        # restart it starts again at the first look
        self.since: dict[int, tuple[tuple | None, float]] = {}

    @classmethod
    def create(cls, folder: Path, scenario: str, months: int, seed: int | None = None, idle: int = IDLE) -> Room:
        """A new session in `folder` (made if missing; it must hold no session yet). On a full
        disk nothing is left behind: `store.Full` (an OSError), and no session folder."""
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise ConfigError(f"--session {folder}: is a file, not a folder")
        if (folder / FILE).exists():
            raise ConfigError(f"--session {folder}: already holds a session")
        config = session_config(scenario)
        if not 1 <= months <= config.engine.rounds:
            raise ConfigError(
                f"--months={months}: must be within 1..{config.engine.rounds} (scenario {scenario}'s horizon)"
            )
        if isinstance(idle, bool) or not isinstance(idle, int) or not IDLE_RANGE[0] <= idle <= IDLE_RANGE[1]:
            raise ConfigError(
                f"--idle={idle!r}: must be a whole number of seconds within {IDLE_RANGE[0]}..{IDLE_RANGE[1]}"
            )
        made = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        try:
            Store.create(
                folder / FILE,
                Session(
                    scenario,
                    months,
                    secrets.randbelow(1000) if seed is None else seed,
                    code,
                    secrets.token_urlsafe(16),
                    now(),
                    None,
                    idle,
                ),
            ).close()
        except BaseException:
            for leftover in (FILE, f"{FILE}-wal", f"{FILE}-shm", f"{FILE}-journal"):
                (folder / leftover).unlink(missing_ok=True)
            if made:
                folder.rmdir()
            raise
        return cls(folder)

    def close(self) -> None:
        self.store.close()

    @property
    def idle(self) -> int:
        return self.session.idle

    # ---------------------------------------------------------------------------- students
    def join(self, name, code) -> Joined:
        """A seat for a student who gives their name and the session's join code: a new one, or
        their own back if the built-in strategy holds it (they come back from another device)."""
        if not isinstance(code, str) or not secrets.compare_digest(
            code.strip().upper().encode(), self.session.join_code.encode()
        ):
            raise Refused(400, "code: not this session's join code (ask your instructor)")
        name = clean_name(name)
        with self.lock:
            if self.ended:
                raise Refused(409, "the class has ended")
            taken = self.store.seat_named(name)
            if taken is not None:
                place = self._place(taken)
                if place.pair is None or place.playing:
                    raise Refused(
                        409,
                        f"name: {taken.name!r} is taken in this class; if it is you on another device, "
                        f"wait until your seat passes to the built-in strategy ({self.idle} s without a "
                        "move) and join again with the same name, or add an initial (e.g. "
                        f"{(taken.name + ' B.')[:NAME_LENGTH]!r})",
                    )
                seat = self._stored(lambda: self.store.new_token(taken.id, secrets.token_urlsafe(24)))
                self._hand(place.pair, place.role, True, "reclaimed")
                return Joined(seat, back=True)
            seat = self._stored(lambda: self.store.add_seat(name, secrets.token_urlsafe(24), SEATS))
        if seat is None:
            raise Refused(409, f"the room is full ({SEATS} seats)")
        return Joined(seat)

    def place(self, token) -> Place | None:
        """The seat a browser's token names, its pair and side, and who plays it; None for an unknown token."""
        if not isinstance(token, str) or not token or len(token) > 100:
            return None
        with self.lock:
            seat = self.store.seat_by_token(token)
            return None if seat is None else self._place(seat)

    def look(self, token) -> tuple | None:
        """What a page request needs first, read from the committed state without the lock
        (`Store.look`): (seat, pair, role, playing, version), or None for an unknown token."""
        if not isinstance(token, str) or not token or len(token) > 100:
            return None
        return self.store.look(token)

    def _place(self, seat: SeatRow) -> Place:
        found = self.store.pair_of(seat.id)
        if found is None:
            return Place(seat, None, None)
        pair, role = found
        playing = self.table(pair).students[role]
        hands = [h for h in self.store.handovers(pair.id) if h.role == role]
        return Place(seat, pair, role, playing, None if playing or not hands else hands[-1])

    def move(self, token, move: Move) -> list[Talk]:
        """A student's move at their pair's table: checked, played, stored; the months it completed."""
        place = self.place(token)
        if place is None:
            raise Refused(409, "no seat: join the session first")
        if place.pair is None:
            raise Refused(409, "you are not paired yet: wait for your instructor")
        with self.lock:
            if self.ended:
                raise Refused(409, "the class has ended: no more moves")
            if not place.playing:
                raise Refused(409, "the built-in strategy plays your seat now: take it back first (the button above)")
            table = self.table(place.pair)
            table.check(place.role, move)  # before anything changes
            try:
                played = table.apply(place.role, move)
                offers, outcomes = self.results(place.pair, table, played)
                self._stored(
                    lambda: self.store.record(
                        MoveRow(place.pair.id, move.month, move.kind, move.relief, move.release, move.accept),
                        offers,
                        outcomes,
                    )
                )
            except BaseException:
                self.tables.pop(place.pair.id, None)  # rebuilt from what the store holds
                raise
            self._watch(place.pair.id, table)
        return played

    def reclaim(self, token) -> None:
        """A student takes their side back from the built-in strategy (the button on their page)."""
        place = self.place(token)
        if place is None or place.pair is None:
            raise Refused(409, "no seat to take back: join the session first")
        with self.lock:
            if self.ended:
                raise Refused(409, "the class has ended")
            if place.playing:
                return  # already theirs: a second click changes nothing
            self._hand(place.pair, place.role, True, "reclaimed")

    # ----------------------------------------------------------------------- handovers
    def hand(self, pair_id, role, reason: str = "instructor") -> None:
        """The instructor's button: the student's side of a pair passes to the built-in strategy."""
        with self.lock:
            if self.ended:
                raise Refused(409, "the class has ended")
            pair = next((p for p in self.store.pairs() if p.id == pair_id), None)
            if pair is None or role not in ROLES:
                raise Refused(
                    400, f"pair={pair_id!r}, role={role!r}: no such side (a pair's number, and washington or minsk)"
                )
            if pair.seat_of(role) is None:
                raise Refused(409, f"pair {pair.id}'s {role.capitalize()} is the built-in strategy already")
            if self.table(pair).students[role]:
                self._hand(pair, role, False, reason)

    def _hand(self, pair: PairRow, role: str, person: bool, reason: str, clock: float | None = None) -> None:
        table = self.table(pair)
        handover = HandoverRow(pair.id, role, person, len(self.store.moves(pair.id)), reason, table.month)
        try:
            played = table.hand(role, person)
            offers, outcomes = self.results(pair, table, played)
            self._stored(lambda: self.store.hand(handover, offers, outcomes))
        except BaseException:
            self.tables.pop(pair.id, None)
            raise
        self._watch(pair.id, table, clock)

    def tick(self, clock: float | None = None) -> list[tuple[int, str]]:
        """Hand to the built-in strategy every side its table has waited on for the idle time;
        the (pair, side)s handed. The server calls it every second."""
        clock = time.monotonic() if clock is None else clock
        handed = []
        with self.lock:
            if self.ended:
                return handed
            for pair in self.store.pairs():
                table = self.table(pair)
                waiting, since = self.since.get(pair.id, (None, clock))
                if table.talk is None or table.talk.waiting is None:
                    continue
                if waiting != self._state(table):
                    self.since[pair.id] = (self._state(table), clock)
                elif clock - since >= self.idle:
                    role = table.talk.waiting[0]
                    self._hand(pair, role, False, "idle", clock)
                    handed.append((pair.id, role))
        return handed

    @staticmethod
    def _state(table: Table) -> tuple:
        return (table.month, table.talk.waiting if table.talk else None)

    def _watch(self, pair: int, table: Table, clock: float | None = None) -> None:
        """Start the pair's idle clock again: its table changed."""
        self.since[pair] = (self._state(table), time.monotonic() if clock is None else clock)

    def handovers(self, pair: PairRow) -> list[HandoverRow]:
        with self.lock:
            return self.store.handovers(pair.id)

    def _stored(self, write):
        """A write to the store; a full disk is a one-line refusal (nothing was written)."""
        try:
            return write()
        except Full:
            raise Refused(507, DISK_FULL) from None

    # ---------------------------------------------------------------------------- the pairs
    def pair_waiting(self) -> list[int]:
        """Seat the students waiting, two by two in the order they joined (the first plays
        Washington); a student left alone plays against the built-in strategy -- as Washington in
        odd-numbered pairs, as Minsk in even ones, so that a class sees both. The new pairs' numbers."""
        with self.lock:
            if self.ended:
                raise Refused(409, "the class has ended")
            waiting = [seat.id for seat in self.store.waiting()]
            couples = [(waiting[i], waiting[i + 1]) for i in range(0, len(waiting) - 1, 2)]
            if len(waiting) % 2:
                alone = waiting[-1]
                number = len(self.store.pairs()) + len(couples) + 1
                couples.append((alone, None) if number % 2 else (None, alone))
            made = self._stored(
                lambda: self.store.add_pairs(couples, lambda number: pair_seed(self.session.seed, number))
            )
            for pair in self.store.pairs():
                if pair.id in made:
                    self._watch(pair.id, self.table(pair))  # its first month's menu, and any months without talks
            return made

    def pairs(self) -> list[PairRow]:
        with self.lock:
            return self.store.pairs()

    def names(self) -> dict[int, str]:
        with self.lock:
            return {seat.id: seat.name for seat in self.store.seats()}

    def player(self, pair: PairRow, role: str, names: dict[int, str] | None = None) -> str:
        seat = pair.seat_of(role)
        return BOT if seat is None else (names or self.names())[seat]

    def playing(self, pair: PairRow, role: str, names: dict[int, str] | None = None) -> str:
        """Who plays the side now: the student, the built-in strategy, or the built-in strategy in a student's seat."""
        name = self.player(pair, role, names)
        if name == BOT or self.table(pair).students[role]:
            return name
        return f"{BOT} (for {name})"

    def table(self, pair: PairRow) -> Table:
        """The pair's table, replayed from its stored moves and handovers if it is not in memory."""
        with self.lock:
            table = self.tables.get(pair.id)
            if table is None:
                table = Table(
                    self.config,
                    pair.seed,
                    self.session.months,
                    {role: pair.seat_of(role) is not None for role in ROLES},
                    self.history(pair.id),
                )
                # Months completed without a student's move (no talks) have rows to write too;
                # rows already written are kept as they are. On a full disk the page still shows:
                # the rows wait for the next rebuild.
                recorded = self.store.months_recorded(pair.id)
                missing = [talk for talk in table.played if talk.month not in recorded]
                with contextlib.suppress(Full):
                    self.store.record_results(*self.results(pair, table, missing))
                self.tables[pair.id] = table
            return table

    def history(self, pair: int) -> list:
        """The pair's moves and handovers in the order they happened: a handover after the moves before it."""
        moves = [Move(m.month, m.kind, m.relief, m.release, m.accept) for m in self.store.moves(pair)]
        events, k = [], 0
        for handover in self.store.handovers(pair):
            events += moves[k : handover.moves]
            k = max(k, handover.moves)
            events.append(Hand(handover.role, handover.person))
        return events + moves[k:]

    def baseline(self, pair: PairRow, months: int) -> Table:
        """The built-in strategies on the pair's world (the same seed, nobody seated), for `months`."""
        with self.lock:
            key = (pair.id, months)
            if key not in self.baselines:
                self.baselines[key] = Table(self.config, pair.seed, max(months, 1), {})
            return self.baselines[key]

    # ------------------------------------------------------------------------------ session
    @property
    def ended(self) -> bool:
        return self.session.ended is not None

    def end(self) -> None:
        with self.lock:
            self._stored(self.store.end)
            self.session = self.store.session()

    def finished(self) -> bool:
        """Every pair has played all its months (and there is at least one pair)."""
        with self.lock:
            pairs = self.store.pairs()
            return bool(pairs) and all(self.table(pair).finished for pair in pairs)

    def version(self, pair: int | None = None) -> str:
        with self.lock:
            return self.store.version(pair)

    # ------------------------------------------------------------------------------ records
    def results(self, pair: PairRow, table: Table, played: list[Talk]) -> tuple[list[tuple], list[tuple]]:
        """The offers and outcome rows of months played (see `store.OFFER_COLUMNS`, `OUTCOME_COLUMNS`):
        each offer names who made it and who answered it -- the student, or the built-in strategy."""
        model, names = table.model, self.names()
        instruments = model.instruments
        record = model.recorder
        offers, outcomes = [], []
        who = lambda role, person: self.player(pair, role, names) if person else BOT  # noqa: E731
        for talk in played:
            for step, made in enumerate(talk.offers):
                releases, steps = talk.bundle(made.candidate)
                relief_set, release_level = divmod(made.candidate, talk.levels)
                responder = "minsk" if made.proposer == "washington" else "washington"
                offers.append(
                    (
                        pair.id,
                        talk.month,
                        talk.date,
                        step,
                        made.proposer,
                        who(made.proposer, made.by_person),
                        int(relief_set),
                        int(release_level),
                        made.candidate,
                        int(releases.sum()),
                        words.people(releases, model),
                        words.relief(steps, talk.level, model),
                        float(talk.values["washington"][made.candidate]),
                        float(talk.values["minsk"][made.candidate]),
                        int(made.accepted),
                        who(responder, made.answered_by_person),
                    )
                )
            r = talk.month
            washington = instruments.of("washington")
            outcomes.append(
                (
                    pair.id,
                    r,
                    talk.date,
                    int(talk.held),
                    int(talk.deal is not None),
                    int(record.tier_flows["released_deal"][r, 0].sum()),
                    int(record.tier_flows["released_pardon"][r, 0].sum()),
                    int(record.tier_flows["completed"][r, 0].sum()),
                    int(record.tier_flows["arrests"][r, 0].sum()),
                    int(record.prisoners[r, 0].sum()),
                    int(record.levels[r, 0][washington].sum()),
                    float(record.sanctions_cost[r, 0]),
                    float(record.moscow_pressure[r, 0]),
                    talk.utility["washington"],
                    talk.utility["minsk"],
                )
            )
        return offers, outcomes
