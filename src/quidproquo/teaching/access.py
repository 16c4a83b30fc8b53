"""The access token of a teaching server beyond loopback: written once for the dashboard and the classroom.

On a loopback address (the default) nobody but this machine can connect, and `Admission` lets
every request through. On any other address -- a classroom's network -- each visitor must bring
the access token the server printed: once in the address (`?token=...`, as the printed link and
its QR code carry it), after which an HttpOnly, SameSite=Strict cookie carries it. Without it a
page gets a one-line 403 and a websocket is closed before it opens.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qs


def new_token() -> str:
    return secrets.token_urlsafe(16)


class Admission:
    """ASGI middleware: lets through only requests that carry the token (all, when there is none)."""

    def __init__(self, app, token: str | None, cookie: str, refused: bytes):
        self.app, self.token, self.cookie, self.refused = app, token, cookie, refused

    def admitted(self, scope) -> tuple[bool, bool]:
        """(admitted, the token came in the address): the token from the query or from the cookie."""
        if self.token is None:
            return True, False
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = query.get("token", [""])[-1]
        if given and hmac.compare_digest(given.encode(), self.token.encode()):
            return True, True
        cookies = SimpleCookie()
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                with contextlib.suppress(Exception):
                    cookies.load(value.decode("latin-1"))
        held = cookies.get(self.cookie)
        return bool(held and hmac.compare_digest(held.value.encode(), self.token.encode())), False

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        admitted, in_address = self.admitted(scope)
        if not admitted:
            if scope["type"] == "websocket":
                await receive()  # the websocket.connect event
                await send({"type": "websocket.close", "code": 1008, "reason": "qpq: access token needed"})
                return
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                }
            )
            await send({"type": "http.response.body", "body": self.refused})
            return
        return await self.inside(
            scope, receive, self._with_cookie(send) if in_address and scope["type"] == "http" else send
        )

    async def inside(self, scope, receive, send):
        """The admitted request, handed to the application (a subclass may check more)."""
        return await self.app(scope, receive, send)

    def _with_cookie(self, send):
        async def sending(message):
            if message["type"] == "http.response.start":
                cookie = f"{self.cookie}={self.token}; Path=/; HttpOnly; SameSite=Strict".encode()
                message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie)]}
            await send(message)

        return sending
