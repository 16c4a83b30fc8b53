"""The classroom's and the dashboard's security and faults (issue 18, item 4), case by case: exports
safe in a spreadsheet and whole under 32 downloads at once, bodies refused as they stream past the
limit (a 300 MB body does not raise the server's memory), a token beyond loopback, wrong join codes
throttled, a full disk in one line, session files that are not sessions, a busy port before any
folder, and links other machines can open. Real servers on 127.0.0.1 (or 0.0.0.0), real SQLite."""

from __future__ import annotations

import http.client
import re
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from contextlib import closing, contextmanager
from pathlib import Path

import pandas as pd
import psutil
import pytest
from test_classroom import call, form
from test_dashboard_browser import free_port

from quidproquo.teaching import address
from quidproquo.teaching.classroom import store as store_module
from quidproquo.teaching.classroom.debrief import export, spreadsheet_safe
from quidproquo.teaching.classroom.room import Room
from quidproquo.teaching.classroom.server import Throttle, make_app
from quidproquo.teaching.classroom.store import FILE
from quidproquo.teaching.classroom.table import Move, Refused
from tests_support import qpq

FORM = "application/x-www-form-urlencoded"


@contextmanager
def classroom(folder: Path, env: dict, *args: str):
    """`qpq classroom --session FOLDER ARGS` on a free port: (port, process, what it printed so far), stopped at the end."""
    port = free_port()
    log = folder.parent / f"classroom-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [qpq(), "classroom", "--session", str(folder), "--port", str(port), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 90
        while "instructor page:" not in log.read_text():
            assert process.poll() is None, f"the server stopped: {log.read_text()}"
            assert time.monotonic() < deadline, "the server did not start within 90 s"
            time.sleep(0.2)  # a process starting: no event to wait for
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not listen within 90 s"
                time.sleep(0.2)
        yield port, process, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def played(folder: Path, names=("Ana", "Bob")) -> dict[str, str]:
    """A session in `folder` whose pair has played a month; the students' tokens and the instructor key."""
    room = Room.create(folder, "thaw", 3, seed=4)
    try:
        tokens = {name: room.join(name, room.session.join_code).seat.token for name in names}
        room.pair_waiting()
        first, second = list(tokens.values())[:2]
        room.move(first, Move(0, "offer", 1, 1))
        room.move(second, Move(0, "reply", accept=True))
        return {**tokens, "key": room.session.instructor_key, "code": room.session.join_code}
    finally:
        room.close()


def get(url: str, cookie: str | None = None) -> tuple[int, str, str]:
    """(status, body as text -- a Parquet file's bytes with replacements --, the Set-Cookie header)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode(errors="replace"), response.headers.get("Set-Cookie", "")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace"), ""


# ------------------------------------------------------------------------ the exports
@pytest.mark.parametrize("name", ["=cmd|' /C calc'!A0", "@SUM(1+1)", "+1 555 0100", "-2+3"])
def test_exported_cells_that_a_spreadsheet_would_run_are_quoted_as_text(tmp_path, name):
    room = Room.create(tmp_path / "s", "thaw", 2, seed=1)
    try:
        student = room.join(name, room.session.join_code).seat.token
        room.pair_waiting()
        room.move(student, Move(0, "offer", 1, 1))
        written = export(room)
    finally:
        room.close()
    for table, column in (("offers", "player"), ("debrief", "washington")):
        raw = pd.read_csv(written[f"{table}.csv"], dtype=str, keep_default_na=False)
        assert (raw[column] == "'" + name).any(), raw[column].tolist()  # a leading quote: read as text
        assert (
            not raw.map(lambda v: v.startswith(("=", "+", "@")) or (v.startswith("-") and not v[1:2].isdigit()))
            .any()
            .any()
        )
        parquet = pd.read_parquet(written[f"{table}.parquet"])
        assert (parquet[column] == name).any()  # the data file keeps the text as it is


@pytest.mark.parametrize(
    "cell, safe",
    [
        ("=1+1", "'=1+1"),
        ("+A1", "'+A1"),
        ("-A1", "'-A1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ana", "Ana"),
        ("1 (1 foreign national)", "1 (1 foreign national)"),
    ],
)
def test_the_quoting_covers_what_spreadsheets_read_as_formulas(cell, safe):
    frame = pd.DataFrame({"text": [cell], "number": [-3.5]})
    out = spreadsheet_safe(frame)
    assert out.text.tolist() == [safe] and out.number.tolist() == [-3.5]  # numbers stay numbers


def test_32_concurrent_export_downloads_all_succeed_whole(tmp_path, env):
    secrets = played(tmp_path / "s")
    with classroom(tmp_path / "s", env) as (port, _, _):
        base = f"http://127.0.0.1:{port}"
        names = ["offers.csv", "outcomes.csv", "debrief.csv", "offers.parquet"] * 8
        results = [None] * len(names)

        def download(i: int) -> None:
            results[i] = get(f"{base}/instructor/export/{names[i]}", f"qpq_instructor={secrets['key']}")

        threads = [threading.Thread(target=download, args=(i,)) for i in range(len(names))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    assert [r[0] for r in results] == [200] * 32, [r[:2] for r in results if r[0] != 200]
    for name, (_, body, _) in zip(names, results):
        if name == "offers.csv":
            assert (
                body.startswith("pair,month,date,step,proposer,player") and body.count("\n") == 2
            )  # the header and an offer
    leftovers = [p.name for p in (tmp_path / "s").iterdir() if p.name.endswith(".partial")]
    assert not leftovers


# ---------------------------------------------------------------------------- requests
def test_a_300_mb_chunked_join_is_refused_as_it_streams_and_memory_stays_flat(tmp_path, env):
    played(tmp_path / "s")
    with classroom(tmp_path / "s", env) as (port, process, _):
        server = psutil.Process(process.pid)
        get(f"http://127.0.0.1:{port}/")  # warm: the first page builds what a page needs
        before = server.memory_info().rss
        sent, answer = 0, b""
        chunk = b"%x\r\n%s\r\n" % (1 << 20, b"a" * (1 << 20))  # 1 MB chunks, 300 of them
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(
                b"POST /join HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            sock.settimeout(0.05)
            try:
                for _ in range(300):
                    sock.sendall(chunk)
                    sent += 1 << 20
                    try:
                        answer += sock.recv(65536)
                    except TimeoutError:
                        continue
                    if answer:
                        break
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server closed the connection: it read no more
            sock.settimeout(10)
            try:
                while b"\r\n\r\n" not in answer:
                    more = sock.recv(65536)
                    if not more:
                        break
                    answer += more
            except (ConnectionResetError, TimeoutError):
                pass
        after = server.memory_info().rss
        assert process.poll() is None  # still serving
        assert get(f"http://127.0.0.1:{port}/")[0] == 200
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 300 << 20  # refused long before the 300 MB were sent
    assert after - before < 5 << 20, f"RSS rose by {(after - before) / 2**20:.1f} MB"


def test_wrong_join_codes_are_throttled_per_client(tmp_path):
    room = Room.create(tmp_path / "s", "thaw", 2, seed=1)
    try:
        app = make_app(room, "http://127.0.0.1:1/")
        for n in range(5):
            wrong = call(app, "POST", "/join", form(name=f"Eve {n}", code="WRONG1"), FORM, client="10.0.0.7")
            assert wrong.status == 400 and "not this session&#x27;s join code" in wrong.text
        stopped = call(app, "POST", "/join", form(name="Eve", code=room.session.join_code), FORM, client="10.0.0.7")
        assert stopped.status == 429 and "5 wrong join codes from this device in a minute; wait" in stopped.text
        # Another device is not slowed, nor is a class joining right from one address.
        assert (
            call(app, "POST", "/join", form(name="Ana", code=room.session.join_code), FORM, client="10.0.0.8").status
            == 303
        )
        for n in range(12):
            assert call(app, "POST", "/join", form(name=f"S{n}", code=room.session.join_code), FORM).status == 303
        assert len(room.store.seats()) == 13
    finally:
        room.close()


def test_the_throttle_forgets_after_its_window_and_keeps_its_memory_bounded():
    throttle = Throttle(most=2, window=60, clients=3)
    throttle.failed("a", 0), throttle.failed("a", 1)
    with pytest.raises(Refused, match="wait 60 s") as refused:
        throttle.check("a", 1)
    assert refused.value.status == 429
    throttle.check("a", 61)  # the first failure is over a minute old
    for client in "bcdef":
        throttle.failed(client, 2)
    assert len(throttle.failures) == 3


def test_beyond_loopback_every_request_needs_the_printed_token(tmp_path, env):
    secrets = played(tmp_path / "s")
    with classroom(tmp_path / "s", env, "--host", "0.0.0.0") as (port, _, log):
        printed = log.read_text()
        students = re.search(r"students open (\S+) and join", printed).group(1)
        instructor = re.search(r"instructor page: (\S+)", printed).group(1)
        token = re.search(r"\?token=([\w-]+)", students).group(1)
        assert "0.0.0.0" not in students and "0.0.0.0" not in instructor  # links other machines can open
        assert len(token) >= 20 and f"token={token}" in instructor and "qpq: warning: --host 0.0.0.0" in printed
        base = f"http://127.0.0.1:{port}"
        refused = [
            get(f"{base}/"),
            get(f"{base}/state"),
            get(f"{base}/?token=" + token[::-1]),
            get(f"{base}/instructor?key={secrets['key']}"),
            get(f"{base}/", "qpq_classroom_token=wrong"),
        ]
        for status, body, _ in refused:
            assert status == 403 and body.count("\n") == 1 and "needs its access token" in body
        status, body, cookie = get(f"{base}/?token={token}")
        assert status == 200 and "Join the bargaining class" in body
        assert f"qpq_classroom_token={token}; Path=/; HttpOnly; SameSite=Strict" in cookie
        held = f"qpq_classroom_token={token}; qpq_seat={secrets['Ana']}"
        assert "You are Washington" in get(f"{base}/", held)[1]  # the cookie carries the token from then on
        # The instructor's printed link works through the token too (its key goes into a cookie).
        status, page, _ = get(
            instructor.replace(instructor.split("/instructor")[0], base),
            f"qpq_classroom_token={token}; qpq_instructor={secrets['key']}",
        )
        assert status == 200 and "qpq-code" in page


# ------------------------------------------------------------------------------ faults
def test_a_full_disk_at_start_is_one_line_exit_1_and_leaves_no_folder(tmp_path, capsys, monkeypatch):
    """SQLite itself refuses to grow the file (a page limit on the real connection): what a full disk does."""
    from quidproquo import cli

    connect = sqlite3.connect

    def full(*args, **kwargs):
        db = connect(*args, **kwargs)
        db.execute("PRAGMA max_page_count = 1")
        return db

    monkeypatch.setattr(store_module.sqlite3, "connect", full)
    with pytest.raises(SystemExit) as stopped:
        cli.main(["classroom", "--session", str(tmp_path / "s"), "--port", str(free_port())])
    err = capsys.readouterr().err.strip().splitlines()
    assert stopped.value.code == 1 and len(err) == 1, err
    assert err[0].startswith("qpq: error: ") and "No space left on device" in err[0] and str(tmp_path / "s") in err[0]
    assert not (tmp_path / "s").exists()


class FullDisk:
    """The session's SQLite connection on a disk that has filled up: it reads as before, and every
    write is refused as SQLite refuses one then ("database or disk is full", SQLITE_FULL). The
    tests run as root on a roomy disk: the refusal is raised where the store writes, as SQLite
    would raise it (a page limit cannot be used here: a small row fits into a page already there)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def execute(self, sql: str, parameters=()):
        if sql.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE", "CREATE", "ALTER"):
            error = sqlite3.OperationalError("database or disk is full")
            error.sqlite_errorcode = store_module.SQLITE_FULL
            raise error
        return self.db.execute(sql, parameters)

    def executemany(self, sql: str, rows):
        return self.execute(sql)

    def __getattr__(self, name):
        return getattr(self.db, name)


def test_a_full_disk_on_a_move_is_a_clear_message_and_changes_nothing(tmp_path):
    secrets = played(tmp_path / "s")
    room = Room(tmp_path / "s")
    try:
        app = make_app(room, "http://127.0.0.1:1/")
        pair = room.pairs()[0]
        before = (room.version(), room.store.rows("offers"), room.table(pair).month)
        room.store.db = FullDisk(room.store.db)
        reply = call(
            app, "POST", "/move", form(month=2, kind="offer", bundle="1.1"), FORM, {"qpq_seat": secrets["Ana"]}
        )
        assert reply.status == 507 and "disk is full: nothing was saved; tell your instructor" in reply.text
        assert "Traceback" not in reply.text
        assert (room.version(), room.store.rows("offers"), room.table(pair).month) == before
        assert call(app, "GET", "/", cookies={"qpq_seat": secrets["Ana"]}).status == 200  # the pages still show
        joined = call(app, "POST", "/join", form(name="Late", code=secrets["code"]), FORM)
        assert joined.status == 507 and len(room.store.seats()) == 2
        room.store.db = room.store.db.db  # room again: the same move goes through
        assert (
            call(
                app, "POST", "/move", form(month=2, kind="offer", bundle="1.1"), FORM, {"qpq_seat": secrets["Ana"]}
            ).status
            == 303
        )
    finally:
        room.close()


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not SQLite at all\n" * 200)


def _foreign(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, caption TEXT)")


def _older_layout(path: Path) -> None:
    played(path.parent / "made")
    (path.parent / "made" / FILE).rename(path)
    with closing(sqlite3.connect(path)) as db, db:  # closed: its write-ahead log is in the file
        db.execute("ALTER TABLE seats DROP COLUMN joined")


@pytest.mark.parametrize(
    "make, says",
    [
        (_empty, "holds no tables (an empty file?)"),
        (_garbage, "SQLite cannot read it"),
        (_foreign, "it has no session table"),
        (_older_layout, "seats table has no joined column"),
    ],
)
def test_a_session_file_that_is_not_a_session_is_one_line_exit_2_and_stays_as_it_was(tmp_path, capsys, make, says):
    from quidproquo import cli

    folder = tmp_path / "s"
    folder.mkdir()
    make(folder / FILE)
    before = (folder / FILE).read_bytes()
    with pytest.raises(SystemExit) as stopped:
        cli.main(["classroom", "--session", str(folder), "--port", str(free_port())])
    err = capsys.readouterr().err.strip().splitlines()
    assert stopped.value.code == 2 and len(err) == 1 and err[0].startswith("qpq: error: --session "), err
    assert "is not a classroom session" in err[0] and says in err[0]
    assert (folder / FILE).read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == [FILE] + (["made"] if make is _older_layout else [])


@pytest.mark.parametrize("session", [True, False])
def test_a_busy_port_is_one_line_before_any_session_folder_is_made(tmp_path, capsys, monkeypatch, session):
    from quidproquo import cli

    monkeypatch.chdir(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as stopped:
            cli.main(["classroom", "--port", str(port), *(["--session", str(tmp_path / "s")] if session else [])])
    err = capsys.readouterr().err.strip().splitlines()
    assert stopped.value.code == 2 and len(err) == 1 and f"--port {port}: cannot listen there" in err[0], err
    assert "the port is taken" in err[0]
    assert not (tmp_path / "s").exists() and not (tmp_path / "classrooms").exists()


@pytest.mark.parametrize(
    "host, says", [("no-such-host.invalid", "not an address of this machine"), ("192.0.2.55", "cannot listen there")]
)
def test_a_host_this_machine_does_not_have_is_one_line(tmp_path, capsys, host, says):
    from quidproquo import cli

    with pytest.raises(SystemExit) as stopped:
        cli.main(["classroom", "--session", str(tmp_path / "s"), "--host", host, "--port", str(free_port())])
    err = capsys.readouterr().err.strip().splitlines()
    assert stopped.value.code == 2 and len(err) == 1 and says in err[0] and not (tmp_path / "s").exists(), err


@pytest.mark.parametrize(
    "args, says",
    [
        (["--idle", "soon"], "--idle='soon': must be a whole number of seconds"),
        (["--idle", "0"], "--idle=0: must be a whole number of seconds within 1..3600"),
        (["--idle", "99999"], "within 1..3600"),
    ],
)
def test_a_bad_idle_time_is_one_line(tmp_path, capsys, args, says):
    from quidproquo import cli

    with pytest.raises(SystemExit) as stopped:
        cli.main(["classroom", "--session", str(tmp_path / "s"), "--port", str(free_port()), *args])
    err = capsys.readouterr().err.strip().splitlines()
    assert stopped.value.code == 2 and len(err) == 1 and says in err[0] and not (tmp_path / "s").exists(), err


# --------------------------------------------------------------------------- addresses
@pytest.mark.parametrize("host", ["0.0.0.0", "::", ""])
def test_a_server_on_every_interface_prints_an_address_others_can_open(host):
    printed, hint = address.link(host, 8766, "/?token=x")
    assert "0.0.0.0" not in printed and "[::]" not in printed and printed.endswith(":8766/?token=x")
    own = address.own_address()
    if own is not None:
        assert printed == f"http://{own}:8766/?token=x" and hint is None
    else:  # no network but loopback: the host name, and how to find the address
        assert printed == f"http://{socket.gethostname()}:8766/?token=x" and "hostname -I" in hint


@pytest.mark.parametrize(
    "host, shown",
    [
        ("127.0.0.1", "http://127.0.0.1:9/"),
        ("192.168.1.20", "http://192.168.1.20:9/"),
        ("::1", "http://[::1]:9/"),
        ("classroom.local", "http://classroom.local:9/"),
    ],
)
def test_a_named_host_is_printed_as_it_is(host, shown):
    assert address.link(host, 9) == (shown, None)


# ------------------------------------------------------------------------- dashboard
@pytest.mark.parametrize("case", ["busy port", "unknown host", "foreign address"])
def test_a_dashboard_that_cannot_listen_is_one_line_exit_2(env, case):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        args = {
            "busy port": ["--port", str(taken.getsockname()[1])],
            "unknown host": ["--host", "no-such-host.invalid", "--port", str(free_port())],
            "foreign address": ["--host", "192.0.2.55", "--port", str(free_port())],
        }[case]
        done = subprocess.run([qpq(), "dashboard", *args], capture_output=True, text=True, env=env, timeout=120)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and lines[0].startswith("qpq: error: --host "), done.stderr
    assert ("cannot listen there" if case != "unknown host" else "not an address of this machine") in lines[0]
    assert "uvicorn" not in done.stderr.lower() and "Traceback" not in done.stderr


def test_an_http_client_is_answered_413_for_a_declared_large_body(tmp_path, env):
    played(tmp_path / "s")
    with classroom(tmp_path / "s", env) as (port, _, _):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("POST", "/join", body=b"name=" + b"x" * 10_000, headers={"Content-Type": FORM})
        response = connection.getresponse()
        assert response.status == 413 and "at most 4096 bytes" in response.read().decode()
