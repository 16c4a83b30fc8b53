"""The classroom's web server: Starlette routes over a `Room`, served by uvicorn.

Routes: `/` (a student's page: join, then their table), `/join`, `/move`, `/reclaim`, `/state`
(what the page polls); `/instructor` (with the instructor key, once, then a cookie), its
`/state`, `/pair`, `/hand`, `/end`, `/debrief` (the projector's page) and `/export/<file>`. A
request is read as it streams in and refused once it passes a few kilobytes (a 300 MB body is
never held in memory), then parsed here into plain values -- a form or a JSON object of short
strings and integers -- before the room sees it; anything malformed is answered in one line,
and changes nothing. The seat token and the instructor key travel in HttpOnly, SameSite=Strict
cookies. A client that keeps giving a wrong join code is made to wait (`Throttle`).

Beyond loopback (`--host 0.0.0.0` for a room) every request needs the access token the server
prints, in its links and QR code (`access.Admission`, as the dashboard does); the links name
this machine's address on the network, not 0.0.0.0. The port is bound before anything else, so
a busy port is one line and no session folder is made. Every second the server hands to the
built-in strategy the sides whose tables have waited on them for the session's idle time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import socket
import sys
import time
from collections import deque
from pathlib import Path
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from quidproquo.config import ConfigError
from quidproquo.config.schema import DEFAULT_SCENARIO
from quidproquo.teaching.access import Admission, new_token
from quidproquo.teaching.address import is_loopback, link, listen, local
from quidproquo.teaching.classroom import pages
from quidproquo.teaching.classroom.debrief import EXPORTS, FORMATS, debrief, export, outcome
from quidproquo.teaching.classroom.room import DISK_FULL, Room, default_folder
from quidproquo.teaching.classroom.store import FILE, IDLE
from quidproquo.teaching.classroom.table import MOVER, ROLES, TURN_WORDS, Move, Refused

SEAT_COOKIE, KEY_COOKIE, ACCESS_COOKIE = "qpq_seat", "qpq_instructor", "qpq_classroom_token"
BODY_LIMIT = 4096  # bytes: a move or a join is a few dozen
WHOLE = re.compile(r"\d{1,6}")
BUNDLE = re.compile(r"(\d{1,3})\.(\d{1,3})")  # a menu cell: 'relief set.release level'
MOVE_FIELDS = {"offer": {"relief", "release"}, "reply": {"accept"}, "answer": {"accept"}}
REFUSED = (
    b"qpq: this classroom needs its access token: open the link (or the QR code) that `qpq classroom` "
    b"printed where it was started (it ends in ?token=...)\n"
)
WRONG_CODES, WRONG_WINDOW = 5, 60.0  # wrong join codes a client may give in a minute
SEATS_CACHED = 80  # students whose latest pages are kept rendered (a room's seats)


# ------------------------------------------------------------------------------- requests
class Throttle:
    """Wrong join codes, counted per client: after `most` within `window` seconds, the client
    waits until the oldest of them is older than the window (a guesser gets 5 a minute, not 200
    a second). Right codes are never counted, so a class joining from one address is not slowed."""

    def __init__(self, most: int = WRONG_CODES, window: float = WRONG_WINDOW, clients: int = 10_000):
        self.most, self.window, self.clients = most, window, clients
        self.failures: dict[str, deque] = {}

    def check(self, client: str, clock: float | None = None) -> None:
        clock = time.monotonic() if clock is None else clock
        failures = self.failures.get(client)
        while failures and clock - failures[0] > self.window:
            failures.popleft()
        if failures and len(failures) >= self.most:
            wait = int(self.window - (clock - failures[0])) + 1
            raise Refused(
                429, f"code: {self.most} wrong join codes from this device in a minute; wait {wait} s and try again"
            )

    def failed(self, client: str, clock: float | None = None) -> None:
        if len(self.failures) >= self.clients and client not in self.failures:
            self.failures.pop(next(iter(self.failures)))  # bounded memory: forget the oldest client
        self.failures.setdefault(client, deque()).append(time.monotonic() if clock is None else clock)


async def read_body(request: Request) -> bytes:
    """The request's body, read as it streams in and refused as soon as it passes `BODY_LIMIT`."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > BODY_LIMIT):
        raise Refused(413, f"request too large: at most {BODY_LIMIT} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > BODY_LIMIT:
            raise Refused(413, f"request too large: at most {BODY_LIMIT} bytes")
    return bytes(body)


async def read_fields(request: Request) -> tuple[dict[str, object], bool]:
    """The request's fields (a form or a JSON object), and whether it was JSON."""
    body = await read_body(request)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise Refused(400, 'malformed JSON: send an object such as {"month": 1, "kind": "offer", ...}') from None
        if not isinstance(data, dict) or not all(isinstance(v, (str, int, float, bool)) for v in data.values()):
            raise Refused(400, "malformed request: a JSON object of text, numbers and true/false only")
        return data, True
    if kind == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(
                body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body), max_num_fields=12
            )
        except (ValueError, UnicodeDecodeError):
            raise Refused(400, "malformed form") from None
        fields = dict(pairs)
        if len(fields) != len(pairs):
            raise Refused(400, "malformed form: a field is given twice")
        return fields, False
    if not body:
        return {}, False
    raise Refused(400, "send a form (application/x-www-form-urlencoded) or JSON")


def shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


def whole(fields: dict, key: str) -> int:
    value = fields.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**6:
        return value
    if isinstance(value, str) and WHOLE.fullmatch(value):
        return int(value)
    raise Refused(400, f"{key}={shown(value)}: must be a whole number" if key in fields else f"{key}: missing")


def yes_no(fields: dict, key: str) -> bool:
    value = fields.get(key)
    if isinstance(value, bool):
        return value
    if value in ("yes", "no"):
        return value == "yes"
    raise Refused(400, f"{key}={shown(value)}: must be yes or no" if key in fields else f"{key}: missing (yes or no)")


def parse_move(fields: dict) -> Move:
    """A move from a form or JSON object: month (from 1), kind, and the fields the kind takes. An
    offer names its bundle by relief set and release level, or as the menu's cell does
    (`bundle` = 'set.level')."""
    kind = fields.get("kind")
    if kind not in MOVER:
        raise Refused(400, f"kind={shown(kind)}: allowed: {', '.join(MOVER)}")
    if "bundle" in fields and not {"relief", "release"} & set(fields):
        cell = BUNDLE.fullmatch(fields["bundle"]) if isinstance(fields["bundle"], str) else None
        if cell is None:
            raise Refused(400, f"bundle={shown(fields['bundle'])}: must be a cell of the menu, such as 1.2")
        fields = {k: v for k, v in fields.items() if k != "bundle"} | {"relief": cell[1], "release": cell[2]}
    allowed = {"month", "kind"} | MOVE_FIELDS[kind]
    if kind == "reply" and fields.get("accept") in ("no", False):
        allowed |= {"relief", "release"}  # a refusal is a counter-offer
    extra = sorted(set(fields) - allowed)
    if extra:
        raise Refused(400, f"{extra[0]}: not a field of a {kind}; allowed: {', '.join(sorted(allowed))}")
    month = whole(fields, "month")
    if month < 1:
        raise Refused(400, f"month={month}: months count from 1")
    accept = yes_no(fields, "accept") if "accept" in MOVE_FIELDS[kind] else None
    offering = kind == "offer" or (kind == "reply" and accept is False)  # an offer, or a counter-offer
    relief = whole(fields, "relief") if offering else None
    release = whole(fields, "release") if offering else None
    return Move(month - 1, kind, relief, release, accept)


def nonce() -> str:
    return secrets.token_urlsafe(12)


def html(body: str, nonce_: str, status: int = 200, cookies: dict[str, str] | None = None) -> HTMLResponse:
    response = HTMLResponse(body, status_code=status, headers=headers(nonce_))
    for name, value in (cookies or {}).items():
        response.set_cookie(name, value, max_age=60 * 60 * 24 * 30, httponly=True, samesite="strict")
    return response


def headers(nonce_: str) -> dict[str, str]:
    # Only this page's own script and style run; nothing is loaded from anywhere else.
    return {
        "Content-Security-Policy": f"default-src 'none'; script-src 'nonce-{nonce_}'; style-src 'nonce-{nonce_}'; "
        "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def see_other(url: str, cookies: dict[str, str] | None = None) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    for name, value in (cookies or {}).items():
        response.set_cookie(name, value, max_age=60 * 60 * 24 * 30, httponly=True, samesite="strict")
    return response


# ---------------------------------------------------------------------------------- app
def make_app(room: Room, link_: str, token: str | None = None, ticking: bool = False):
    """The classroom's routes; `link_` is the address students open (with the access token, if
    any). Beyond loopback, `token` is the access token every request needs. `ticking` starts the
    idle clock (every second, `Room.tick`) with the server."""
    import qrcode
    import qrcode.image.svg

    qr_svg = qrcode.make(link_, image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")
    throttle = Throttle()

    rendered: dict[tuple, str] = {}  # a student's page per state of their pair: each change is loaded by everyone
    placeholder = f"qpq-nonce-{secrets.token_hex(8)}"  # where each response's own nonce goes

    def seat_view(token_, error: str | None = None, status: int = 200, welcome: str | None = None) -> HTMLResponse:
        n = nonce()
        # The committed state, read without the room's lock: a page already rendered for it is
        # sent at once, while another pair's move holds the room.
        looked = room.look(token_)
        if looked is None:
            return html(pages.join_page(n, error), n, status)
        body = rendered.get((*looked, error, welcome))
        if body is None:
            with room.lock:  # the tables in memory are the committed state while the lock is held
                place = room.place(token_)
                if place is None:
                    return html(pages.join_page(n, error), n, status)
                version = room.version(place.pair.id) if place.pair else f"unpaired.{room.version()}"
                table = partner = None
                if place.pair is not None:
                    table = room.table(place.pair)
                    partner = room.playing(place.pair, "minsk" if place.role == "washington" else "washington")
                body = pages.seat_page(
                    placeholder,
                    version,
                    place.seat.name,
                    place,
                    partner,
                    table,
                    room.session.months,
                    room.ended,
                    room.idle,
                    error,
                    welcome,
                )
                key = (
                    place.seat.id,
                    place.pair.id if place.pair else None,
                    place.role,
                    place.playing,
                    version,
                    error,
                    welcome,
                )
            if len(rendered) >= 4 * SEATS_CACHED:
                rendered.pop(next(iter(rendered)), None)  # the oldest: bounded memory
            rendered[key] = body
        return html(body.replace(placeholder, n), n, status)

    async def join(request: Request) -> Response:
        fields: dict = {}
        client = request.client.host if request.client else "?"
        as_json = request.headers.get("content-type", "").startswith("application/json")
        try:
            throttle.check(client)
            fields, as_json = await read_fields(request)
            extra = sorted(set(fields) - {"name", "code"})
            if extra:
                raise Refused(400, f"{extra[0]}: not a field of a join; allowed: code, name")
            try:
                joined = await run_in_threadpool(room.join, fields.get("name"), fields.get("code"))
            except Refused as refused:
                if str(refused).startswith("code:"):
                    throttle.failed(client)
                raise
        except Refused as refused:
            n = nonce()
            if as_json:
                return JSONResponse({"error": str(refused)}, status_code=refused.status)
            name = fields.get("name") if isinstance(fields.get("name"), str) else ""
            return html(pages.join_page(n, str(refused), name[:40]), n, refused.status)
        if as_json:
            response = JSONResponse({"seat": joined.seat.id, "name": joined.seat.name, "back": joined.back})
            response.set_cookie(SEAT_COOKIE, joined.seat.token, httponly=True, samesite="strict")
            return response
        return see_other("/?back=1" if joined.back else "/", {SEAT_COOKIE: joined.seat.token})

    async def move(request: Request) -> Response:
        token_ = request.cookies.get(SEAT_COOKIE)
        as_json = request.headers.get("content-type", "").startswith("application/json")
        try:
            fields, as_json = await read_fields(request)
            played = await run_in_threadpool(room.move, token_, parse_move(fields))
        except Refused as refused:
            if as_json:
                return JSONResponse({"error": str(refused)}, status_code=refused.status)
            return await run_in_threadpool(seat_view, token_, str(refused), refused.status)
        if as_json:
            return JSONResponse({"played": [talk.month + 1 for talk in played]})
        return see_other("/")

    async def reclaim(request: Request) -> Response:
        token_ = request.cookies.get(SEAT_COOKIE)
        try:
            await read_fields(request)
            await run_in_threadpool(room.reclaim, token_)
        except Refused as refused:
            return await run_in_threadpool(seat_view, token_, str(refused), refused.status)
        return see_other("/?back=1")

    async def student_page(request: Request) -> Response:
        welcome = "Welcome back: you have your seat again." if request.query_params.get("back") else None
        return await run_in_threadpool(seat_view, request.cookies.get(SEAT_COOKIE), None, 200, welcome)

    async def state(request: Request) -> Response:
        def version():  # the committed state, without the room's lock
            looked = room.look(request.cookies.get(SEAT_COOKIE))
            return {"version": "no seat" if looked is None else looked[-1]}

        return JSONResponse(await run_in_threadpool(version), headers={"Cache-Control": "no-store"})

    # ---------------------------------------------------------------------- instructor
    def instructor_ok(request: Request) -> bool:
        key = request.cookies.get(KEY_COOKIE, "")
        return secrets.compare_digest(key.encode(), room.session.instructor_key.encode())

    def instructor_view(error: str | None = None, status: int = 200) -> HTMLResponse:
        n = nonce()
        with room.lock:
            names = room.names()
            waiting = [seat.name for seat in room.store.waiting()]
            live = []
            for pair in room.pairs():
                table = room.table(pair)
                row = {
                    "pair": pair.id,
                    "months": table.month,
                    "waiting": "finished"
                    if table.finished
                    else "class ended"
                    if room.ended
                    else TURN_WORDS[table.talk.waiting],
                }
                for role in ROLES:
                    row[role] = room.playing(pair, role, names)
                    row[f"{role}_hand"] = pair.seat_of(role) is not None and table.students[role] and not table.finished
                live.append({**row, **outcome(table)})
            body = pages.instructor_page(
                n, room.version(), room.session, link_, qr_svg, waiting, live, room.ended or room.finished(), error
            )
        return html(body, n, status)

    def debrief_view() -> HTMLResponse:
        n = nonce()
        with room.lock:
            result = debrief(room)
            body = pages.debrief_page(n, room.version(), room.session, result, len(room.pairs()))
        try:
            export(room)  # the export follows the debrief into the session folder
        except OSError as err:
            print(
                f"qpq: classroom: could not write the export into {room.folder}: {err.strerror or err}",
                file=sys.stderr,
                flush=True,
            )
        return html(body, n)

    def keyed(endpoint):
        async def guarded(request: Request) -> Response:
            if not instructor_ok(request):
                n = nonce()
                return html(pages.key_page(n), n, 403)
            return await endpoint(request)

        return guarded

    async def instructor(request: Request) -> Response:
        key = request.query_params.get("key")
        if key is not None:
            if secrets.compare_digest(key.encode(), room.session.instructor_key.encode()):
                # The key leaves the address bar (and the projected screen) at once: a cookie keeps it.
                return see_other("/instructor", {KEY_COOKIE: key})
            n = nonce()
            return html(pages.key_page(n), n, 403)
        return await keyed(lambda _: run_in_threadpool(instructor_view))(request)

    async def instructor_state(request: Request) -> Response:
        if not instructor_ok(request):
            return JSONResponse({"error": "instructor key needed"}, status_code=403)
        return JSONResponse({"version": await run_in_threadpool(room.version)}, headers={"Cache-Control": "no-store"})

    def instructor_action(action):
        async def endpoint(request: Request) -> Response:
            try:
                fields, _ = await read_fields(request)
                await run_in_threadpool(action, fields)
            except Refused as refused:
                return await run_in_threadpool(instructor_view, str(refused), refused.status)
            return see_other("/instructor")

        return keyed(endpoint)

    def hand(fields: dict) -> None:
        extra = sorted(set(fields) - {"pair", "role"})
        if extra:
            raise Refused(400, f"{extra[0]}: not a field of a handover; allowed: pair, role")
        room.hand(whole(fields, "pair"), fields.get("role"))

    async def download(request: Request) -> Response:
        if not instructor_ok(request):
            return JSONResponse({"error": "instructor key needed"}, status_code=403)
        name = request.path_params["name"]
        allowed = {f"{n}.{k}" for n in EXPORTS for k in FORMATS}
        if name not in allowed:  # only the export's own file names: never a path from the request
            return JSONResponse({"error": f"{name}: allowed: {', '.join(sorted(allowed))}"}, status_code=404)
        try:
            written = await run_in_threadpool(export, room)
            content = await run_in_threadpool(written[name].read_bytes)  # one whole file, whatever another export does
        except OSError as err:
            return JSONResponse({"error": f"{DISK_FULL if err.errno == 28 else err.strerror or err}"}, status_code=507)
        media = "text/csv; charset=utf-8" if name.endswith(".csv") else "application/vnd.apache.parquet"
        return Response(
            content,
            media_type=media,
            headers={"Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="{name}"'},
        )

    @contextlib.asynccontextmanager
    async def lifespan(app):
        async def clock():
            while True:
                await asyncio.sleep(1)
                try:
                    await run_in_threadpool(room.tick)
                except Exception as err:
                    print(f"qpq: classroom: the idle clock: {type(err).__name__}: {err}", file=sys.stderr, flush=True)

        task = asyncio.create_task(clock()) if ticking else None
        yield
        if task is not None:
            task.cancel()

    app = Starlette(
        routes=[
            Route("/", student_page, methods=["GET"]),
            Route("/join", join, methods=["POST"]),
            Route("/move", move, methods=["POST"]),
            Route("/reclaim", reclaim, methods=["POST"]),
            Route("/state", state, methods=["GET"]),
            Route("/instructor", instructor, methods=["GET"]),
            Route("/instructor/state", instructor_state, methods=["GET"]),
            Route("/instructor/pair", instructor_action(lambda _: room.pair_waiting()), methods=["POST"]),
            Route("/instructor/hand", instructor_action(hand), methods=["POST"]),
            Route("/instructor/end", instructor_action(lambda _: room.end()), methods=["POST"]),
            Route("/instructor/debrief", keyed(lambda _: run_in_threadpool(debrief_view)), methods=["GET"]),
            Route("/instructor/export/{name}", download, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    return app if token is None else Admission(app, token, ACCESS_COOKIE, REFUSED)


# ---------------------------------------------------------------------------- serving
def open_room(
    folder: Path | None, scenario: str | None, months: int | None, idle: int | None = None
) -> tuple[Room, bool]:
    """The session in `folder` resumed, or a new one (in `folder`, or a fresh default folder);
    and whether it was resumed."""
    if folder is not None and (Path(folder) / FILE).is_file():
        room = Room(folder)
        for given, stored, option in (
            (scenario, room.session.scenario, "scenario="),
            (months, room.session.months, "--months "),
            (idle, room.session.idle, "--idle "),
        ):
            if given is not None and given != stored:
                room.close()
                raise ConfigError(
                    f"{option}{given}: session {folder} plays {option}{stored}; leave it out to resume the session"
                )
        return room, True
    return Room.create(
        folder or default_folder(),
        scenario or DEFAULT_SCENARIO,
        6 if months is None else months,
        idle=IDLE if idle is None else idle,
    ), False


def serve(room: Room, resumed: bool, host: str, port: int, sock: socket.socket | None = None) -> None:
    """Serve the room until Ctrl-C (on `sock`, if bound already)."""
    import uvicorn

    from quidproquo.runs.lock import hold

    hold(room.folder)  # one server per session: two would each keep their own tables
    sock = sock or listen(host, port)
    token = None if is_loopback(host) else new_token()
    student_link, hint = link(host, port, "/" if token is None else f"/?token={token}")
    s = room.session
    print(
        f"qpq: classroom {'resumed' if resumed else 'started'} in {room.folder} "
        f"(scenario {s.scenario}, {s.months} months, seed {s.seed}; an idle seat passes to the built-in strategy "
        f"after {s.idle} s)",
        flush=True,
    )
    if token is not None:
        print(
            f"qpq: warning: --host {host} lets other machines reach this server; only the printed links (with their "
            "access token) get in, and students need the join code to take a seat",
            file=sys.stderr,
            flush=True,
        )
    print(f"qpq: students open {student_link} and join with the code {s.join_code}", flush=True)
    if hint:
        print(f"qpq: {hint}", flush=True)
    here = link(
        local(host), port, f"/instructor?key={s.instructor_key}" + ("" if token is None else f"&token={token}")
    )[0]
    print(f"qpq: instructor page: {here} (Ctrl-C stops the server)", flush=True)
    config = uvicorn.Config(make_app(room, student_link, token, ticking=True), log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
