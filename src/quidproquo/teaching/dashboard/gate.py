"""The gate in front of the dashboard: an access token for anyone beyond this machine, and only
well-formed messages into the page's websocket.

`Gate` wraps Solara's own web application (ASGI). On a loopback address (the default) it lets
every request through, as before. On any other address -- a classroom's network -- each visitor
must bring the access token `qpq dashboard` printed: once in the address (`?token=...`), after
which a cookie carries it; without it, a page gets a one-line 403 and a websocket is closed
before it opens. Every frame a browser sends on the page's websocket must be a Jupyter message
(a JSON object with a `header.msg_type`, read with Solara's own parser); anything else closes
that connection with a one-line reason instead of reaching Solara, which would log a traceback.

`python -m quidproquo.teaching.dashboard.gate --host H --port P` serves the page through the gate with
uvicorn (`serve.py` starts it so).
"""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import json
import os
import secrets
import sys
import warnings
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

COOKIE = "qpq_dashboard_token"
REFUSED = (b"qpq: this dashboard needs its access token: open the link that `qpq dashboard` printed "
           b"where it was started (it ends in ?token=...)\n")
PAGE = "quidproquo.teaching.dashboard.guard"  # the module whose `Page` Solara serves


def is_loopback(host: str) -> bool:
    """Whether an address reaches this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def malformed(frame: str | bytes | None) -> str | None:
    """Why a websocket frame is not a Jupyter message Solara can take, or None if it is one."""
    from solara.server.kernel import deserialize_binary_message

    try:
        message = json.loads(frame) if isinstance(frame, str) else deserialize_binary_message(frame)
    except Exception as e:  # noqa: BLE001 -- any failure to parse is the answer itself
        return f"not a Jupyter message ({type(e).__name__})"
    if not isinstance(message, dict) or not isinstance(message.get("header"), dict):
        return "a Jupyter message is an object with a header"
    if not isinstance(message["header"].get("msg_type"), str):
        return "the header has no msg_type"
    if not isinstance(message.get("content", {}), dict):
        return "the content is not an object"
    if message["header"]["msg_type"].startswith("comm_") and not isinstance(message.get("content", {}).get("comm_id"), str):
        return "a comm message names no comm_id"
    return None


class Gate:
    """ASGI middleware: the access token (when there is one) and the websocket frame check."""

    def __init__(self, app, token: str | None):
        self.app = app
        self.token = token

    def _admitted(self, scope) -> tuple[bool, bool]:
        """(admitted, token came in the address): the token from the query or from the cookie."""
        if self.token is None:
            return True, False
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = query.get("token", [""])[-1]
        if given and hmac.compare_digest(given, self.token):
            return True, True
        cookies = SimpleCookie()
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                try:
                    cookies.load(value.decode("latin-1"))
                except Exception:  # noqa: BLE001 -- a cookie header we cannot read carries no token
                    pass
        held = cookies.get(COOKIE)
        return bool(held and hmac.compare_digest(held.value, self.token)), False

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        admitted, in_address = self._admitted(scope)
        if not admitted:
            if scope["type"] == "websocket":
                await receive()  # the websocket.connect event
                await send({"type": "websocket.close", "code": 1008, "reason": "qpq: access token needed"})
                return
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
            await send({"type": "http.response.body", "body": REFUSED})
            return
        if scope["type"] == "websocket":
            return await self.app(scope, self._checked(receive, send), send)
        if in_address:
            send = self._with_cookie(send)
        return await self.app(scope, receive, send)

    def _with_cookie(self, send):
        async def sending(message):
            if message["type"] == "http.response.start":
                cookie = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict".encode()
                message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie)]}
            await send(message)
        return sending

    @staticmethod
    def _checked(receive, send):
        """`receive` for Solara's websocket: a malformed frame closes the connection with its reason."""
        async def receiving():
            message = await receive()
            if message["type"] == "websocket.receive":
                why = malformed(message.get("text") if message.get("text") is not None else message.get("bytes"))
                if why is not None:
                    print(f"qpq: dashboard: closed a websocket that sent a malformed message: {why}", file=sys.stderr, flush=True)
                    await send({"type": "websocket.close", "code": 1008, "reason": f"qpq: malformed message: {why}"})
                    return {"type": "websocket.disconnect", "code": 1008}
            return message
        return receiving


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="qpq dashboard")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    os.environ["SOLARA_APP"] = PAGE
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = args.host, str(args.port)
    # Solara warns on every page load over plain http that an iframe could not keep its session
    # cookie; the dashboard is never embedded in an iframe.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)
    import uvicorn
    from solara.server.starlette import app as solara_app  # reads SOLARA_APP: import after setting it

    scenario = os.environ.get("QPQ_DASHBOARD_SCENARIO", "thaw")
    if is_loopback(args.host):
        token = None
        print(f"qpq: dashboard at http://{args.host}:{args.port}/ (scenario {scenario}); Ctrl-C stops it", flush=True)
    else:
        token = secrets.token_urlsafe(16)
        print(f"qpq: warning: the dashboard is open to the network on {args.host}; only visitors with this link get in: "
              f"http://{args.host}:{args.port}/?token={token} (scenario {scenario}); Ctrl-C stops it", flush=True)
    uvicorn.run(Gate(solara_app, token), host=args.host, port=args.port, log_level="warning", lifespan="on")


if __name__ == "__main__":
    main()
