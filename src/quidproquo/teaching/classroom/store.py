"""The classroom's SQLite file (`classroom.sqlite`): everything a session is, and nothing else.

A session is its settings (scenario, months, seed, join code, instructor key, the seconds after
which an idle seat passes to the built-in strategy), its seats (a student's name and the random
token their browser keeps), its pairs (which seat plays which side; none: the built-in strategy),
every move a student made, and every handover of a side between its student and the built-in
strategy (by the instructor, after an idle spell, or back to a student who reclaims the seat),
placed among the pair's moves by how many moves came before it. Models are not stored: a pair's
game is rebuilt by replaying its moves and handovers in order (`table.py`). The offers and
outcomes of each month played are stored beside them, in the same transaction as the move or
handover that completed the month, so that the export and the instructor's page read them without
replaying; a replay reproduces them.

The file is in WAL mode (readers never wait for the writer); every change is one transaction. A
full disk is `Full` (an `OSError`, ENOSPC), raised from SQLite's own refusal: the change is rolled
back whole. A file that is not a session (corrupt, empty, another program's) is refused when
opened (`NotASession`), before anything is written to it. A session file from before the idle
setting and the handovers gets them when opened (SQLite's ALTER TABLE ADD COLUMN keeps its rows).
"""

from __future__ import annotations

import errno
import sqlite3
import threading
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

FILE = "classroom.sqlite"
IDLE = 60  # seconds without a move after which a student's seat passes to the built-in strategy
SQLITE_FULL = 13  # sqlite3's result code for "database or disk is full"

SCHEMA = """
CREATE TABLE session (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    scenario TEXT NOT NULL,
    months INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    join_code TEXT NOT NULL,
    instructor_key TEXT NOT NULL,
    started TEXT NOT NULL,
    ended TEXT,
    idle INTEGER NOT NULL DEFAULT 60
);
CREATE TABLE seats (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    joined TEXT NOT NULL
);
-- A NULL seat is played by the built-in strategy.
CREATE TABLE pairs (
    id INTEGER PRIMARY KEY,
    seed INTEGER NOT NULL,
    washington INTEGER UNIQUE REFERENCES seats (id),
    minsk INTEGER UNIQUE REFERENCES seats (id),
    formed TEXT NOT NULL
);
-- A student's move: Washington's offer, Minsk's reply (accept, or refuse and counter),
-- Washington's answer to the counter. At most one of each kind per pair and month.
CREATE TABLE moves (
    id INTEGER PRIMARY KEY,
    pair INTEGER NOT NULL REFERENCES pairs (id),
    month INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('offer', 'reply', 'answer')),
    relief INTEGER,
    release INTEGER,
    accept INTEGER,
    made TEXT NOT NULL,
    UNIQUE (pair, month, kind)
);
-- A side of a pair handed to the built-in strategy (person = 0) or back to its student (person = 1),
-- after `moves` of the pair's moves: where it falls when the moves are replayed.
CREATE TABLE handovers (
    id INTEGER PRIMARY KEY,
    pair INTEGER NOT NULL REFERENCES pairs (id),
    role TEXT NOT NULL CHECK (role IN ('washington', 'minsk')),
    person INTEGER NOT NULL CHECK (person IN (0, 1)),
    moves INTEGER NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('instructor', 'idle', 'reclaimed')),
    month INTEGER NOT NULL,
    made TEXT NOT NULL
);
CREATE TABLE offers (
    pair INTEGER NOT NULL REFERENCES pairs (id),
    month INTEGER NOT NULL,
    date TEXT NOT NULL,
    step INTEGER NOT NULL,
    proposer TEXT NOT NULL,
    player TEXT NOT NULL,
    relief_set INTEGER NOT NULL,
    release_level INTEGER NOT NULL,
    candidate INTEGER NOT NULL,
    released INTEGER NOT NULL,
    releases TEXT NOT NULL,
    relief TEXT NOT NULL,
    value_washington REAL NOT NULL,
    value_minsk REAL NOT NULL,
    accepted INTEGER NOT NULL,
    responder TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (pair, month, step)
);
CREATE TABLE outcomes (
    pair INTEGER NOT NULL REFERENCES pairs (id),
    month INTEGER NOT NULL,
    date TEXT NOT NULL,
    talks INTEGER NOT NULL,
    deal INTEGER NOT NULL,
    released_deal INTEGER NOT NULL,
    released_pardon INTEGER NOT NULL,
    released_completion INTEGER NOT NULL,
    arrests INTEGER NOT NULL,
    prisoners_held INTEGER NOT NULL,
    relief_steps INTEGER NOT NULL,
    sanctions_cost REAL NOT NULL,
    moscow_pressure REAL NOT NULL,
    utility_washington REAL NOT NULL,
    utility_minsk REAL NOT NULL,
    PRIMARY KEY (pair, month)
);
"""

# `player` made the offer and `responder` answered it: a student's name, or the built-in strategy's.
OFFER_COLUMNS = (
    "pair",
    "month",
    "date",
    "step",
    "proposer",
    "player",
    "relief_set",
    "release_level",
    "candidate",
    "released",
    "releases",
    "relief",
    "value_washington",
    "value_minsk",
    "accepted",
    "responder",
)
OUTCOME_COLUMNS = (
    "pair",
    "month",
    "date",
    "talks",
    "deal",
    "released_deal",
    "released_pardon",
    "released_completion",
    "arrests",
    "prisoners_held",
    "relief_steps",
    "sanctions_cost",
    "moscow_pressure",
    "utility_washington",
    "utility_minsk",
)


def now() -> str:
    return datetime.now().isoformat(timespec="seconds")


class Full(OSError):
    """The disk (or the session file's limit) is full: SQLite refused to grow the file."""


class NotASession(ValueError):
    """The file is not a classroom session: corrupt, empty, or another program's database."""


# The tables and columns a session file must have (the columns a file from before the idle setting
# and the handovers lacks are added when it is opened: `_upgrade`).
COLUMNS = {
    "session": ("scenario", "months", "seed", "join_code", "instructor_key", "started", "ended"),
    "seats": ("id", "name", "token", "joined"),
    "pairs": ("id", "seed", "washington", "minsk", "formed"),
    "moves": ("id", "pair", "month", "kind", "relief", "release", "accept", "made"),
    "offers": OFFER_COLUMNS[:-1],
    "outcomes": OUTCOME_COLUMNS,
}


@dataclass(frozen=True)
class Session:
    scenario: str
    months: int
    seed: int
    join_code: str
    instructor_key: str
    started: str
    ended: str | None
    idle: int = IDLE  # seconds without a move before a seat passes to the built-in strategy


@dataclass(frozen=True)
class SeatRow:
    id: int
    name: str
    token: str
    joined: str


@dataclass(frozen=True)
class PairRow:
    id: int
    seed: int
    washington: int | None  # seat id; None: the built-in strategy
    minsk: int | None
    formed: str

    def seat_of(self, role: str) -> int | None:
        return self.washington if role == "washington" else self.minsk


@dataclass(frozen=True)
class HandoverRow:
    pair: int
    role: str
    person: bool  # True: back to the seat's student; False: to the built-in strategy
    moves: int  # the pair's moves stored before it
    reason: str  # 'instructor', 'idle' or 'reclaimed'
    month: int  # the month the table was at (from 0)


@dataclass(frozen=True)
class MoveRow:
    pair: int
    month: int
    kind: str
    relief: int | None
    release: int | None
    accept: bool | None


class Store:
    """The session's SQLite file. Each method is one query or one transaction."""

    def __init__(self, path: Path, check: bool = True):
        self.path = Path(path)
        self._local = threading.local()  # each server thread's read-only connection (`reader`)
        self._readers: list[sqlite3.Connection] = []
        # One connection, used under the room's lock: the server's threads never share it at once.
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA busy_timeout = 5000")
            if check:
                self._check()
                self._upgrade()
        except BaseException:
            self.db.close()
            raise

    def _check(self) -> None:
        """Refuse a file that is not a session, before anything is written to it."""
        try:
            tables = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [t for t in COLUMNS if t not in tables]
            if missing:
                raise NotASession(f"it has no {missing[0]} table" if tables else "it holds no tables (an empty file?)")
            for table, columns in COLUMNS.items():
                have = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
                absent = [c for c in columns if c not in have]
                if absent:
                    raise NotASession(f"its {table} table has no {absent[0]} column")
            if self.db.execute("SELECT COUNT(*) FROM session").fetchone()[0] != 1:
                raise NotASession("its session table does not hold one session")
        except sqlite3.DatabaseError as err:
            raise NotASession(f"SQLite cannot read it: {err}") from None

    def _upgrade(self) -> None:
        """Give a session file from before the idle setting and the handovers what they added."""
        have = lambda table: {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}  # noqa: E731
        changes = []
        if "idle" not in have("session"):
            changes.append(f"ALTER TABLE session ADD COLUMN idle INTEGER NOT NULL DEFAULT {IDLE}")
        if "responder" not in have("offers"):
            changes.append("ALTER TABLE offers ADD COLUMN responder TEXT NOT NULL DEFAULT ''")
        if not have("handovers"):
            changes.append(
                SCHEMA[
                    SCHEMA.index("CREATE TABLE handovers") : SCHEMA.index(";", SCHEMA.index("CREATE TABLE handovers"))
                ]
            )
        if changes:
            with self.transaction() as db:
                for change in changes:
                    db.execute(change)

    @classmethod
    def create(cls, path: Path, session: Session) -> Store:
        """A new session file; refuses to overwrite one."""
        if Path(path).exists():
            raise FileExistsError(path)
        store = cls(path, check=False)
        try:
            with store.refusals():
                store.db.execute("PRAGMA journal_mode = WAL")
            with store.transaction() as db:
                # Statement by statement: executescript would commit the open transaction first.
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(
                    "INSERT INTO session VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        session.scenario,
                        session.months,
                        session.seed,
                        session.join_code,
                        session.instructor_key,
                        session.started,
                        session.ended,
                        session.idle,
                    ),
                )
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        self.db.close()
        for reader in self._readers:
            reader.close()
        self._readers.clear()

    def reader(self) -> sqlite3.Connection:
        """This thread's read-only connection: in WAL mode it reads the last committed state
        without waiting for the writer (or the room's lock)."""
        reader = getattr(self._local, "db", None)
        if reader is None:
            reader = sqlite3.connect(
                f"file:{self.path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
            )
            reader.execute("PRAGMA busy_timeout = 5000")
            self._local.db = reader
            self._readers.append(reader)
        return reader

    def look(self, token: str) -> tuple | None:
        """In one read of the committed state: (seat id, pair id or None, role or None, whether
        the seat's student plays it, the version of what its page shows), or None for an
        unknown token. What a page request needs to know before it needs the room."""
        db = self.reader()
        db.execute("BEGIN")
        try:
            seat = db.execute("SELECT id FROM seats WHERE token = ?", (token,)).fetchone()
            if seat is None:
                return None
            pair = db.execute(
                "SELECT id, washington, minsk FROM pairs WHERE washington = ? OR minsk = ?", (seat[0], seat[0])
            ).fetchone()
            if pair is None:
                seats, pairs, moves, hands, ended = db.execute(
                    "SELECT (SELECT COUNT(*) FROM seats), (SELECT COUNT(*) FROM pairs), (SELECT COUNT(*) FROM moves), "
                    "(SELECT COUNT(*) FROM handovers), (SELECT ended FROM session)"
                ).fetchone()
                return seat[0], None, None, True, f"unpaired.{seats}.{pairs}.{moves}.{hands}.{ended or ''}"
            role = "washington" if pair[1] == seat[0] else "minsk"
            last = db.execute(
                "SELECT person FROM handovers WHERE pair = ? AND role = ? ORDER BY id DESC LIMIT 1", (pair[0], role)
            ).fetchone()
            moves, hands, ended = db.execute(
                "SELECT (SELECT COUNT(*) FROM moves WHERE pair = ?), (SELECT COUNT(*) FROM handovers WHERE pair = ?), "
                "(SELECT ended FROM session)",
                (pair[0], pair[0]),
            ).fetchone()
            return seat[0], pair[0], role, bool(last[0]) if last else True, f"{pair[0]}.{moves}.{hands}.{ended or ''}"
        finally:
            db.execute("COMMIT")

    @contextmanager
    def refusals(self):
        """SQLite's "database or disk is full" as `Full`, the transaction (if any) rolled back."""
        try:
            yield
        except sqlite3.OperationalError as err:
            if getattr(err, "sqlite_errorcode", None) != SQLITE_FULL and "full" not in str(err):
                raise
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise Full(errno.ENOSPC, "No space left on device: the session file cannot grow", str(self.path)) from None

    @contextmanager
    def transaction(self):
        """BEGIN IMMEDIATE .. COMMIT, or ROLLBACK on any error: a change is whole or absent. SQLite's
        "database or disk is full" is `Full`."""
        with self.refusals():
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield _Cursor(self.db)
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    # ----------------------------------------------------------------------------- session
    def session(self) -> Session:
        row = self.db.execute(
            "SELECT scenario, months, seed, join_code, instructor_key, started, ended, idle FROM session"
        ).fetchone()
        return Session(*row)

    def end(self) -> None:
        with self.transaction() as db:
            db.execute("UPDATE session SET ended = ? WHERE ended IS NULL", (now(),))

    # ------------------------------------------------------------------------------- seats
    def add_seat(self, name: str, token: str, most: int) -> SeatRow | None:
        """A new seat, or None when the room already has `most` seats (checked in the same transaction)."""
        with self.transaction() as db:
            if db.execute("SELECT COUNT(*) FROM seats").fetchone()[0] >= most:
                return None
            joined = now()
            cursor = db.execute("INSERT INTO seats (name, token, joined) VALUES (?, ?, ?)", (name, token, joined))
            return SeatRow(cursor.lastrowid, name, token, joined)

    def seat_by_token(self, token: str) -> SeatRow | None:
        row = self.db.execute("SELECT id, name, token, joined FROM seats WHERE token = ?", (token,)).fetchone()
        return SeatRow(*row) if row else None

    def seat_named(self, name: str) -> SeatRow | None:
        """The seat whose name is `name`, compared as people would (case and spacing aside)."""
        key = " ".join(name.split()).casefold()
        return next((seat for seat in self.seats() if " ".join(seat.name.split()).casefold() == key), None)

    def new_token(self, seat: int, token: str) -> SeatRow:
        """The seat with a new token: the browser that reclaims it holds the seat; the old token no longer does."""
        with self.transaction() as db:
            db.execute("UPDATE seats SET token = ? WHERE id = ?", (token, seat))
        return SeatRow(*self.db.execute("SELECT id, name, token, joined FROM seats WHERE id = ?", (seat,)).fetchone())

    def seats(self) -> list[SeatRow]:
        return [SeatRow(*row) for row in self.db.execute("SELECT id, name, token, joined FROM seats ORDER BY id")]

    def waiting(self) -> list[SeatRow]:
        """Seats in no pair yet, in the order they joined."""
        return [
            SeatRow(*row)
            for row in self.db.execute(
                "SELECT id, name, token, joined FROM seats WHERE id NOT IN "
                "(SELECT washington FROM pairs WHERE washington IS NOT NULL UNION SELECT minsk FROM pairs WHERE minsk IS NOT NULL) "
                "ORDER BY id"
            )
        ]

    # ------------------------------------------------------------------------------- pairs
    def add_pairs(self, pairs: Iterable[tuple[int | None, int | None]], seed_of) -> list[int]:
        """New pairs of (Washington's seat, Minsk's seat); `seed_of(pair number)` gives each its world's seed."""
        made = []
        with self.transaction() as db:
            for washington, minsk in pairs:
                number = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM pairs").fetchone()[0]
                db.execute(
                    "INSERT INTO pairs VALUES (?, ?, ?, ?, ?)", (number, seed_of(number), washington, minsk, now())
                )
                made.append(number)
        return made

    def pairs(self) -> list[PairRow]:
        return [
            PairRow(*row)
            for row in self.db.execute("SELECT id, seed, washington, minsk, formed FROM pairs ORDER BY id")
        ]

    def pair_of(self, seat: int) -> tuple[PairRow, str] | None:
        """The seat's pair and the side it plays there."""
        row = self.db.execute(
            "SELECT id, seed, washington, minsk, formed FROM pairs WHERE washington = ? OR minsk = ?", (seat, seat)
        ).fetchone()
        if row is None:
            return None
        pair = PairRow(*row)
        return pair, ("washington" if pair.washington == seat else "minsk")

    # ------------------------------------------------------------------------------- moves
    def moves(self, pair: int) -> list[MoveRow]:
        rows = self.db.execute(
            "SELECT pair, month, kind, relief, release, accept FROM moves WHERE pair = ? ORDER BY id", (pair,)
        )
        return [MoveRow(p, m, k, r, g, None if a is None else bool(a)) for p, m, k, r, g, a in rows]

    def record(self, move: MoveRow, offers: list[tuple], outcomes: list[tuple]) -> None:
        """A move, with the offers and outcomes of the months it completed: one transaction."""
        accept = None if move.accept is None else int(move.accept)
        row = {"pair": move.pair, "month": move.month, "kind": move.kind, "relief": move.relief}
        self._happened("moves", {**row, "release": move.release, "accept": accept}, offers, outcomes)

    def handovers(self, pair: int) -> list[HandoverRow]:
        rows = self.db.execute(
            "SELECT pair, role, person, moves, reason, month FROM handovers WHERE pair = ? ORDER BY id", (pair,)
        )
        return [HandoverRow(p, r, bool(person), m, reason, month) for p, r, person, m, reason, month in rows]

    def hand(self, handover: HandoverRow, offers: list[tuple], outcomes: list[tuple]) -> None:
        """A handover, with the offers and outcomes of the months it completed: one transaction."""
        row = {"pair": handover.pair, "role": handover.role, "person": int(handover.person), "moves": handover.moves}
        self._happened("handovers", {**row, "reason": handover.reason, "month": handover.month}, offers, outcomes)

    def _happened(self, table: str, row: dict, offers: list[tuple], outcomes: list[tuple]) -> None:
        """One row of `table` (moves or handovers, a fixed name), stamped with the time it was
        made, and the results of the months it completed, in one transaction."""
        columns = [*row, "made"]
        with self.transaction() as db:
            db.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                (*row.values(), now()),
            )
            self._results(db, offers, outcomes)

    def months_recorded(self, pair: int) -> set[int]:
        """The months whose outcome rows the pair has (from 0)."""
        return {row[0] for row in self.db.execute("SELECT month FROM outcomes WHERE pair = ?", (pair,))}

    def record_results(self, offers: list[tuple], outcomes: list[tuple]) -> None:
        """Offers and outcomes of months no student's move completed (a pair's months without talks)."""
        if offers or outcomes:
            with self.transaction() as db:
                self._results(db, offers, outcomes)

    @staticmethod
    def _results(db, offers: list[tuple], outcomes: list[tuple]) -> None:
        # OR IGNORE: a month's rows are written once; a replay after a restart produces the same rows.
        db.executemany(f"INSERT OR IGNORE INTO offers VALUES ({', '.join('?' * len(OFFER_COLUMNS))})", offers)
        db.executemany(f"INSERT OR IGNORE INTO outcomes VALUES ({', '.join('?' * len(OUTCOME_COLUMNS))})", outcomes)

    def rows(self, table: str) -> list[tuple]:
        """Every row of the offers or outcomes table, in pair and month order."""
        order = {"offers": "pair, month, step", "outcomes": "pair, month"}[table]  # the two exportable tables only
        return self.db.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()

    def version(self, pair: int | None = None) -> str:
        """A short fingerprint that changes whenever anything a page shows changes."""
        if pair is None:
            seats, pairs, moves, hands, ended = self.db.execute(
                "SELECT (SELECT COUNT(*) FROM seats), (SELECT COUNT(*) FROM pairs), (SELECT COUNT(*) FROM moves), "
                "(SELECT COUNT(*) FROM handovers), (SELECT ended FROM session)"
            ).fetchone()
            return f"{seats}.{pairs}.{moves}.{hands}.{ended or ''}"
        moves, hands, ended = self.db.execute(
            "SELECT (SELECT COUNT(*) FROM moves WHERE pair = ?), (SELECT COUNT(*) FROM handovers WHERE pair = ?), "
            "(SELECT ended FROM session)",
            (pair, pair),
        ).fetchone()
        return f"{pair}.{moves}.{hands}.{ended or ''}"


class _Cursor:
    """The connection inside a transaction (execute / executemany only: executescript would commit)."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db

    def execute(self, sql: str, parameters=()):
        return self._db.execute(sql, parameters)

    def executemany(self, sql: str, rows):
        return self._db.executemany(sql, rows)
