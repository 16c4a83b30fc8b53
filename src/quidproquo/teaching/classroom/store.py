"""The classroom's SQLite file (`classroom.sqlite`): everything a session is, and nothing else.

A session is its settings (scenario, months, seed, join code, instructor key), its seats (a
student's name and the random token their browser keeps), its pairs (which seat plays which side;
none: the built-in strategy) and every move a student made. Models are not stored: a pair's game
is rebuilt by replaying its moves (`table.py`). The offers and outcomes of each month played are
stored beside the moves, in the same transaction as the move that completed the month, so that
the export and the instructor's page read them without replaying; a replay reproduces them.

The file is in WAL mode (readers never wait for the writer); every change is one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

FILE = "classroom.sqlite"

SCHEMA = """
CREATE TABLE session (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    scenario TEXT NOT NULL,
    months INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    join_code TEXT NOT NULL,
    instructor_key TEXT NOT NULL,
    started TEXT NOT NULL,
    ended TEXT
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

OFFER_COLUMNS = ("pair", "month", "date", "step", "proposer", "player", "relief_set", "release_level", "candidate",
                 "released", "releases", "relief", "value_washington", "value_minsk", "accepted")
OUTCOME_COLUMNS = ("pair", "month", "date", "talks", "deal", "released_deal", "released_pardon", "released_completion",
                   "arrests", "prisoners_held", "relief_steps", "sanctions_cost", "moscow_pressure",
                   "utility_washington", "utility_minsk")


def now() -> str:
    return datetime.now().isoformat(timespec="seconds")


@dataclass(frozen=True)
class Session:
    scenario: str
    months: int
    seed: int
    join_code: str
    instructor_key: str
    started: str
    ended: str | None


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
class MoveRow:
    pair: int
    month: int
    kind: str
    relief: int | None
    release: int | None
    accept: bool | None


class Store:
    """The session's SQLite file. Each method is one query or one transaction."""

    def __init__(self, path: Path):
        self.path = Path(path)
        # One connection, used under the room's lock: the server's threads never share it at once.
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA busy_timeout = 5000")

    @classmethod
    def create(cls, path: Path, session: Session) -> Store:
        """A new session file; refuses to overwrite one."""
        if Path(path).exists():
            raise FileExistsError(path)
        store = cls(path)
        store.db.execute("PRAGMA journal_mode = WAL")
        with store.transaction() as db:
            # Statement by statement: executescript would commit the open transaction first.
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute("INSERT INTO session VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
                       (session.scenario, session.months, session.seed, session.join_code, session.instructor_key,
                        session.started, session.ended))
        return store

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self):
        """BEGIN IMMEDIATE .. COMMIT, or ROLLBACK on any error: a change is whole or absent."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield _Cursor(self.db)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # ----------------------------------------------------------------------------- session
    def session(self) -> Session:
        row = self.db.execute("SELECT scenario, months, seed, join_code, instructor_key, started, ended FROM session").fetchone()
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

    def seats(self) -> list[SeatRow]:
        return [SeatRow(*row) for row in self.db.execute("SELECT id, name, token, joined FROM seats ORDER BY id")]

    def waiting(self) -> list[SeatRow]:
        """Seats in no pair yet, in the order they joined."""
        return [SeatRow(*row) for row in self.db.execute(
            "SELECT id, name, token, joined FROM seats WHERE id NOT IN "
            "(SELECT washington FROM pairs WHERE washington IS NOT NULL UNION SELECT minsk FROM pairs WHERE minsk IS NOT NULL) "
            "ORDER BY id")]

    # ------------------------------------------------------------------------------- pairs
    def add_pairs(self, pairs: Iterable[tuple[int | None, int | None]], seed_of) -> list[int]:
        """New pairs of (Washington's seat, Minsk's seat); `seed_of(pair number)` gives each its world's seed."""
        made = []
        with self.transaction() as db:
            for washington, minsk in pairs:
                number = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM pairs").fetchone()[0]
                db.execute("INSERT INTO pairs VALUES (?, ?, ?, ?, ?)", (number, seed_of(number), washington, minsk, now()))
                made.append(number)
        return made

    def pairs(self) -> list[PairRow]:
        return [PairRow(*row) for row in self.db.execute("SELECT id, seed, washington, minsk, formed FROM pairs ORDER BY id")]

    def pair_of(self, seat: int) -> tuple[PairRow, str] | None:
        """The seat's pair and the side it plays there."""
        row = self.db.execute("SELECT id, seed, washington, minsk, formed FROM pairs WHERE washington = ? OR minsk = ?",
                              (seat, seat)).fetchone()
        if row is None:
            return None
        pair = PairRow(*row)
        return pair, ("washington" if pair.washington == seat else "minsk")

    # ------------------------------------------------------------------------------- moves
    def moves(self, pair: int) -> list[MoveRow]:
        rows = self.db.execute("SELECT pair, month, kind, relief, release, accept FROM moves WHERE pair = ? ORDER BY id", (pair,))
        return [MoveRow(p, m, k, r, g, None if a is None else bool(a)) for p, m, k, r, g, a in rows]

    def record(self, move: MoveRow, offers: list[tuple], outcomes: list[tuple]) -> None:
        """A move, with the offers and outcomes of the months it completed: one transaction."""
        with self.transaction() as db:
            db.execute("INSERT INTO moves (pair, month, kind, relief, release, accept, made) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (move.pair, move.month, move.kind, move.relief, move.release,
                        None if move.accept is None else int(move.accept), now()))
            self._results(db, offers, outcomes)

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
            seats, pairs, moves, ended = self.db.execute(
                "SELECT (SELECT COUNT(*) FROM seats), (SELECT COUNT(*) FROM pairs), (SELECT COUNT(*) FROM moves), "
                "(SELECT ended FROM session)").fetchone()
            return f"{seats}.{pairs}.{moves}.{ended or ''}"
        moves, ended = self.db.execute("SELECT (SELECT COUNT(*) FROM moves WHERE pair = ?), (SELECT ended FROM session)",
                                       (pair,)).fetchone()
        return f"{pair}.{moves}.{ended or ''}"


class _Cursor:
    """The connection inside a transaction (execute / executemany only: executescript would commit)."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db

    def execute(self, sql: str, parameters=()):
        return self._db.execute(sql, parameters)

    def executemany(self, sql: str, rows):
        return self._db.executemany(sql, rows)
