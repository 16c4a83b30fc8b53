"""The gate in front of the dashboard: an access token for anyone beyond this machine, and only
well-formed messages into the page's websocket.

`Gate` wraps Solara's own web application (ASGI) in the teaching servers' `access.Admission`: on
a loopback address (the default) every request goes through; on any other address -- a
classroom's network -- each visitor must bring the access token `qpq dashboard` printed. Every
frame a browser sends on the page's websocket must be a Jupyter message Solara can take (a JSON
object with a `channel`, a `header.msg_type`, and for a widget's message a `comm_id` and its
data, read with Solara's own parser); anything else closes that connection with a one-line
reason, logged in one line, instead of reaching Solara, which would log a traceback.

`python -m quidproquo.teaching.dashboard.gate --host H --port P` binds the address first (a busy
port or a bad host is one line, exit 2), then serves the page through the gate with uvicorn
(`serve.py` starts it so).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings

from quidproquo.config import ConfigError
from quidproquo.config.schema import DEFAULT_SCENARIO
from quidproquo.teaching.access import Admission, new_token
from quidproquo.teaching.address import is_loopback, link, listen

COOKIE = "qpq_dashboard_token"
REFUSED = (
    b"qpq: this dashboard needs its access token: open the link that `qpq dashboard` printed "
    b"where it was started (it ends in ?token=...)\n"
)
PAGE = "quidproquo.teaching.dashboard.guard"  # the module whose `Page` Solara serves
__all__ = ["Gate", "is_loopback", "main", "malformed"]


def malformed(frame: str | bytes | None) -> str | None:
    """Why a websocket frame is not a Jupyter message Solara can take, or None if it is one."""
    from solara.server.kernel import deserialize_binary_message

    try:
        message = json.loads(frame) if isinstance(frame, str) else deserialize_binary_message(frame)
    except Exception as e:
        return f"not a Jupyter message ({type(e).__name__})"
    if not isinstance(message, dict) or not isinstance(message.get("header"), dict):
        return "a Jupyter message is an object with a header"
    if not isinstance(message.get("channel"), str):
        return "the message names no channel"  # Solara reads msg["channel"] first of all
    kind = message["header"].get("msg_type")
    if not isinstance(kind, str):
        return "the header has no msg_type"
    for part in ("content", "metadata", "parent_header"):
        if not isinstance(message.get(part, {}), dict):
            return f"the {part} is not an object"
    content = message.get("content", {})
    if kind.startswith("comm_") and not isinstance(content.get("comm_id"), str):
        return "a comm message names no comm_id"
    # A widget's handler reads these without checking (and its traceback would go to the log).
    if kind == "comm_open" and not (
        isinstance(content.get("target_name"), str) and isinstance(content.get("data", {}), dict)
    ):
        return "a comm_open names no target_name, or its data is not an object"
    if kind == "comm_msg" and not (
        isinstance(content.get("data"), dict) and isinstance(content["data"].get("method"), str)
    ):
        return "a comm_msg has no data with a method"
    return None


class Gate(Admission):
    """ASGI middleware: the access token (when there is one) and the websocket frame check."""

    def __init__(self, app, token: str | None):
        super().__init__(app, token, COOKIE, REFUSED)

    async def inside(self, scope, receive, send):
        if scope["type"] == "websocket":
            receive = self._checked(receive, send)
        return await self.app(scope, receive, send)

    @staticmethod
    def _checked(receive, send):
        """`receive` for Solara's websocket: a malformed frame closes the connection with its reason."""

        async def receiving():
            message = await receive()
            if message["type"] == "websocket.receive":
                why = malformed(message.get("text") if message.get("text") is not None else message.get("bytes"))
                if why is not None:
                    print(
                        f"qpq: dashboard: closed a websocket that sent a malformed message: {why}",
                        file=sys.stderr,
                        flush=True,
                    )
                    await send({"type": "websocket.close", "code": 1008, "reason": f"qpq: malformed message: {why}"})
                    return {"type": "websocket.disconnect", "code": 1008}
            return message

        return receiving


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="qpq dashboard")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    try:
        sock = listen(args.host, args.port)  # first: a busy port or a bad host is one line, not uvicorn's
    except ConfigError as err:
        print(f"qpq: error: {err}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None
    os.environ["SOLARA_APP"] = PAGE
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = args.host, str(args.port)
    # Solara warns on every page load over plain http that an iframe could not keep its session
    # cookie; the dashboard is never embedded in an iframe.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)
    import uvicorn
    from solara.server.starlette import app as solara_app  # reads SOLARA_APP: import after setting it

    scenario = os.environ.get("QPQ_DASHBOARD_SCENARIO", DEFAULT_SCENARIO)
    if is_loopback(args.host):
        token = None
        print(f"qpq: dashboard at {link(args.host, args.port)[0]} (scenario {scenario}); Ctrl-C stops it", flush=True)
    else:
        token = new_token()
        address, hint = link(args.host, args.port, f"/?token={token}")
        print(
            f"qpq: warning: the dashboard is open to the network on {args.host}; only visitors with this link get in: "
            f"{address} (scenario {scenario}){'; ' + hint if hint else ''}; Ctrl-C stops it",
            flush=True,
        )
    config = uvicorn.Config(Gate(solara_app, token), log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
