"""The classroom's web server: Starlette routes over a `Room`, served by uvicorn.

Routes: `/` (a student's page: join, then their table), `/join`, `/move`, `/state` (what the
page polls); `/instructor` (with the instructor key, once, then a cookie), its `/state`, `/pair`,
`/end` and `/export/<file>`. A request is read whole (a few kilobytes at most) and parsed here
into plain values -- a form or a JSON object of short strings and integers -- before the room sees
it; anything malformed is answered 400 with one line, and changes nothing. The seat token and
the instructor key travel in HttpOnly, SameSite=Strict cookies.
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import sys
from pathlib import Path
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from quidproquo.teaching.classroom import pages
from quidproquo.teaching.classroom.debrief import EXPORTS, FORMATS, debrief, export, outcome
from quidproquo.teaching.classroom.room import Room, default_folder
from quidproquo.teaching.classroom.store import FILE
from quidproquo.teaching.classroom.table import MOVER, TURN_WORDS, Move, Refused
from quidproquo.config import ConfigError
from quidproquo.teaching.dashboard.gate import is_loopback

SEAT_COOKIE, KEY_COOKIE = "qpq_seat", "qpq_instructor"
BODY_LIMIT = 4096  # bytes: a move or a join is a few dozen
WHOLE = re.compile(r"\d{1,6}")
MOVE_FIELDS = {"offer": {"relief", "release"}, "reply": {"accept"}, "answer": {"accept"}}


# ------------------------------------------------------------------------------- requests
async def read_fields(request: Request) -> tuple[dict[str, object], bool]:
    """The request's fields (a form or a JSON object), and whether it was JSON."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > BODY_LIMIT):
        raise Refused(400, f"request too large: at most {BODY_LIMIT} bytes")
    body = await request.body()
    if len(body) > BODY_LIMIT:
        raise Refused(400, f"request too large: at most {BODY_LIMIT} bytes")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise Refused(400, "malformed JSON: send an object such as {\"month\": 1, \"kind\": \"offer\", ...}") from None
        if not isinstance(data, dict) or not all(isinstance(v, (str, int, float, bool)) for v in data.values()):
            raise Refused(400, "malformed request: a JSON object of text, numbers and true/false only")
        return data, True
    if kind == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True, max_num_fields=12)
        except (ValueError, UnicodeDecodeError):
            raise Refused(400, "malformed form") from None
        fields = dict(pairs)
        if len(fields) != len(pairs):
            raise Refused(400, "malformed form: a field is given twice")
        return fields, False
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
    """A move from a form or JSON object: month (from 1), kind, and the fields the kind takes."""
    kind = fields.get("kind")
    if kind not in MOVER:
        raise Refused(400, f"kind={shown(kind)}: allowed: {', '.join(MOVER)}")
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
    return {"Content-Security-Policy": f"default-src 'none'; script-src 'nonce-{nonce_}'; style-src 'nonce-{nonce_}'; "
                                       "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
                                       "frame-ancestors 'none'",
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def see_other(url: str, cookies: dict[str, str] | None = None) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    for name, value in (cookies or {}).items():
        response.set_cookie(name, value, max_age=60 * 60 * 24 * 30, httponly=True, samesite="strict")
    return response


# ---------------------------------------------------------------------------------- app
def make_app(room: Room, link: str) -> Starlette:
    """The classroom's routes; `link` is the address students open."""
    import qrcode
    import qrcode.image.svg

    qr_svg = qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")

    def seat_view(token, error: str | None = None, status: int = 200) -> HTMLResponse:
        n = nonce()
        place = room.place(token)
        if place is None:
            return html(pages.join_page(n, error), n, status)
        table = partner = None
        if place.pair is not None:
            table = room.table(place.pair)
            partner = room.player(place.pair, "minsk" if place.role == "washington" else "washington")
        version = room.version(place.pair.id if place.pair else None) if place.pair else f"unpaired.{room.version()}"
        return html(pages.seat_page(n, version, place.seat.name, place.role, place.pair.id if place.pair else None, partner,
                                    table, room.session.months, room.ended, error), n, status)

    async def student(request: Request) -> Response:
        return await run_in_threadpool(seat_view, request.cookies.get(SEAT_COOKIE))

    async def join(request: Request) -> Response:
        fields: dict = {}
        try:
            fields, as_json = await read_fields(request)
            extra = sorted(set(fields) - {"name", "code"})
            if extra:
                raise Refused(400, f"{extra[0]}: not a field of a join; allowed: code, name")
            seat = await run_in_threadpool(room.join, fields.get("name"), fields.get("code"))
        except Refused as refused:
            n = nonce()
            if request.headers.get("content-type", "").startswith("application/json"):
                return JSONResponse({"error": str(refused)}, status_code=refused.status)
            name = fields.get("name") if isinstance(fields.get("name"), str) else ""
            return html(pages.join_page(n, str(refused), name[:40]), n, refused.status)
        if as_json:
            response = JSONResponse({"seat": seat.id, "name": seat.name})
            response.set_cookie(SEAT_COOKIE, seat.token, httponly=True, samesite="strict")
            return response
        return see_other("/", {SEAT_COOKIE: seat.token})

    async def move(request: Request) -> Response:
        token = request.cookies.get(SEAT_COOKIE)
        as_json = request.headers.get("content-type", "").startswith("application/json")
        try:
            fields, as_json = await read_fields(request)
            played = await run_in_threadpool(room.move, token, parse_move(fields))
        except Refused as refused:
            if as_json:
                return JSONResponse({"error": str(refused)}, status_code=refused.status)
            return await run_in_threadpool(seat_view, token, str(refused), refused.status)
        if as_json:
            return JSONResponse({"played": [talk.month + 1 for talk in played]})
        return see_other("/")

    async def state(request: Request) -> Response:
        def version():
            place = room.place(request.cookies.get(SEAT_COOKIE))
            if place is None:
                return {"version": "no seat"}
            return {"version": room.version(place.pair.id) if place.pair else f"unpaired.{room.version()}"}
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
                row = {"pair": pair.id, "washington": room.player(pair, "washington", names),
                       "minsk": room.player(pair, "minsk", names), "months": table.month,
                       "waiting": "finished" if table.finished else
                                  "class ended" if room.ended else TURN_WORDS[table.talk.waiting]}
                live.append({**row, **outcome(table)})
            shown_debrief = None
            if room.ended or room.finished():
                shown_debrief = debrief(room)
                export(room)
            body = pages.instructor_page(n, room.version(), room.session, link, qr_svg, waiting, live, shown_debrief, error)
        return html(body, n, status)

    async def instructor(request: Request) -> Response:
        key = request.query_params.get("key")
        if key is not None:
            if secrets.compare_digest(key.encode(), room.session.instructor_key.encode()):
                # The key leaves the address bar (and the projected screen) at once: a cookie keeps it.
                return see_other("/instructor", {KEY_COOKIE: key})
            n = nonce()
            return html(pages.key_page(n), n, 403)
        if not instructor_ok(request):
            n = nonce()
            return html(pages.key_page(n), n, 403)
        return await run_in_threadpool(instructor_view)

    async def instructor_state(request: Request) -> Response:
        if not instructor_ok(request):
            return JSONResponse({"error": "instructor key needed"}, status_code=403)
        return JSONResponse({"version": await run_in_threadpool(room.version)}, headers={"Cache-Control": "no-store"})

    def instructor_action(action):
        async def endpoint(request: Request) -> Response:
            if not instructor_ok(request):
                n = nonce()
                return html(pages.key_page(n), n, 403)
            try:
                await run_in_threadpool(action)
            except Refused as refused:
                return await run_in_threadpool(instructor_view, str(refused), refused.status)
            return see_other("/instructor")
        return endpoint

    async def download(request: Request) -> Response:
        if not instructor_ok(request):
            return JSONResponse({"error": "instructor key needed"}, status_code=403)
        name = request.path_params["name"]
        allowed = {f"{n}.{k}" for n in EXPORTS for k in FORMATS}
        if name not in allowed:  # only the export's own file names: never a path from the request
            return JSONResponse({"error": f"{name}: allowed: {', '.join(sorted(allowed))}"}, status_code=404)
        written = await run_in_threadpool(export, room)
        media = "text/csv" if name.endswith(".csv") else "application/vnd.apache.parquet"
        return FileResponse(written[name], media_type=media, filename=name, headers={"Cache-Control": "no-store"})

    return Starlette(routes=[
        Route("/", student, methods=["GET"]),
        Route("/join", join, methods=["POST"]),
        Route("/move", move, methods=["POST"]),
        Route("/state", state, methods=["GET"]),
        Route("/instructor", instructor, methods=["GET"]),
        Route("/instructor/state", instructor_state, methods=["GET"]),
        Route("/instructor/pair", instructor_action(room.pair_waiting), methods=["POST"]),
        Route("/instructor/end", instructor_action(room.end), methods=["POST"]),
        Route("/instructor/export/{name}", download, methods=["GET"]),
    ])


# ---------------------------------------------------------------------------- serving
def open_room(folder: Path | None, scenario: str | None, months: int | None) -> tuple[Room, bool]:
    """The session in `folder` resumed, or a new one (in `folder`, or a fresh default folder);
    and whether it was resumed."""
    if folder is not None and (Path(folder) / FILE).is_file():
        room = Room(folder)
        for given, stored, option in ((scenario, room.session.scenario, "scenario="), (months, room.session.months, "--months ")):
            if given is not None and given != stored:
                room.close()
                raise ConfigError(f"{option}{given}: session {folder} plays {option}{stored}; leave it out to resume the session")
        return room, True
    return Room.create(folder or default_folder(), scenario or "thaw", 6 if months is None else months), False


def public_link(host: str, port: int) -> str:
    """The address students type: the host itself, or this machine's address on the local
    network when the server listens on every interface."""
    if host in ("0.0.0.0", "::", ""):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.connect(("192.0.2.1", 9))  # a UDP "connect" sends nothing: it only picks the outgoing interface
                host = probe.getsockname()[0]
            except OSError:
                host = socket.gethostname()
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so that a taken port is one line, not a server's traceback."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as err:
        raise ConfigError(f"--host {host} --port {port}: cannot listen there ({err.strerror or err})") from None
    return sock


def serve(room: Room, resumed: bool, host: str, port: int) -> None:
    """Serve the room until Ctrl-C."""
    import uvicorn

    from quidproquo.runs.lock import hold

    hold(room.folder)  # one server per session: two would each keep their own tables
    sock = listen(host, port)
    link = public_link(host, port)
    s = room.session
    print(f"qpq: classroom {'resumed' if resumed else 'started'} in {room.folder} "
          f"(scenario {s.scenario}, {s.months} months, seed {s.seed})", flush=True)
    if not is_loopback(host):
        print(f"qpq: warning: --host {host} lets other machines reach this server; students need the join code to take a seat",
              file=sys.stderr, flush=True)
    print(f"qpq: students open {link} and join with the code {s.join_code}", flush=True)
    here = public_link("127.0.0.1" if host in ("0.0.0.0", "::", "") else host, port)
    print(f"qpq: instructor page: {here}instructor?key={s.instructor_key} (Ctrl-C stops the server)", flush=True)
    config = uvicorn.Config(make_app(room, link), log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
