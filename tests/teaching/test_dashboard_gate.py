"""The dashboard's gate: an access token beyond loopback, and malformed messages answered in one line.

Real servers (`qpq dashboard`), real HTTP and websocket clients, and Debian's Chromium for the
page: a forged control value sent over the page's own websocket must show one line in the page,
never a traceback, and the server log keeps the traceback for whoever runs it.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager

import pytest
import websockets
from playwright.sync_api import expect, sync_playwright
from test_dashboard_browser import CHROMIUM_ARGS, chromium, free_port, only_local

from quidproquo.teaching.dashboard.gate import is_loopback, malformed
from tests_support import qpq


@contextmanager
def dashboard(tmp_path, env, *args):
    """`qpq dashboard ARGS` on a free port: (base url on 127.0.0.1, the log file), stopped at the end."""
    port = free_port()
    log_path = tmp_path / f"server-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [qpq(), "dashboard", "--port", str(port), *args], stdout=log, stderr=subprocess.STDOUT, env=env
        )
        try:
            deadline = time.monotonic() + 90
            while "Ctrl-C stops it" not in log_path.read_text():
                assert process.poll() is None, f"the server stopped: {log_path.read_text()}"
                assert time.monotonic() < deadline, "the server did not start within 90 s"
                time.sleep(0.2)
            url = f"http://127.0.0.1:{port}/"
            while True:  # the line is printed before uvicorn listens
                try:
                    urllib.request.urlopen(url, timeout=5)
                    break
                except urllib.error.HTTPError:
                    break  # it answers (403 without a token)
                except OSError:
                    assert time.monotonic() < deadline, "the server did not answer within 90 s"
                    time.sleep(0.2)
            yield url, log_path
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def get(url: str, cookie: str | None = None) -> tuple[int, str, str]:
    """(status, body, set-cookie) of a GET."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(), "\n".join(response.headers.get_all("Set-Cookie") or [])
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), ""


def websocket_closes(base: str, cookie: str, frames: list[str | bytes]) -> tuple[int, str]:
    """Open the page's kernel websocket, send frames, and return how the server closed it."""
    url = base.replace("http://", "ws://") + f"jupyter/api/kernels/{uuid.uuid4()}/channels?session_id={uuid.uuid4()}"

    async def talk():
        try:
            async with websockets.connect(url, additional_headers={"Cookie": cookie}, open_timeout=30) as ws:
                for frame in frames:
                    await ws.send(frame)
                while True:
                    await asyncio.wait_for(ws.recv(), 30)
        except websockets.ConnectionClosed as e:
            return e.rcvd.code if e.rcvd else 1006, e.rcvd.reason if e.rcvd else ""
        except websockets.InvalidStatus as e:
            return e.response.status_code, ""

    return asyncio.run(talk())


@pytest.mark.parametrize(
    "host,loopback",
    [
        ("127.0.0.1", True),
        ("127.8.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("::", False),
        ("classroom.local", False),
    ],
)
def test_only_loopback_addresses_go_without_a_token(host, loopback):
    assert is_loopback(host) is loopback


WELL_FORMED = {
    "channel": "shell",
    "header": {"msg_type": "comm_msg"},
    "content": {"comm_id": "abc", "data": {"method": "update", "state": {}}},
}


def _with(**changes) -> str:
    message = json.loads(json.dumps(WELL_FORMED))
    for path, value in changes.items():
        node, *keys = path.split("__")
        target = message if not keys else message[node]
        key = keys[-1] if keys else node
        if value is None:
            target.pop(key)
        else:
            target[key] = value
    return json.dumps(message)


@pytest.mark.parametrize(
    "frame,why",
    [
        ("not json", "not a Jupyter message"),
        ("[1, 2]", "object with a header"),
        ('{"header": 5}', "object with a header"),
        (_with(channel=None), "names no channel"),  # issue 18: Solara read msg["channel"] and logged a traceback
        (_with(channel=3), "names no channel"),
        (_with(header={"msg_type": 7}), "no msg_type"),
        (_with(content=[]), "content is not an object"),
        (_with(metadata="x"), "metadata is not an object"),
        (_with(parent_header=[1]), "parent_header is not an object"),
        (_with(content__comm_id=12), "no comm_id"),
        (_with(content__data=None), "no data with a method"),
        (_with(content__data={"state": {}}), "no data with a method"),
        (_with(header={"msg_type": "comm_open"}), "names no target_name"),
        (b"\x00\x00", "not a Jupyter message"),
    ],
)
def test_malformed_frames_are_named(frame, why):
    assert why in malformed(frame)


def test_a_well_formed_message_passes():
    assert malformed(json.dumps(WELL_FORMED)) is None
    assert (
        malformed(_with(header={"msg_type": "comm_open"}, content={"comm_id": "x", "target_name": "jupyter.widget"}))
        is None
    )


def test_beyond_loopback_every_visitor_needs_the_printed_token(tmp_path, env):
    with dashboard(tmp_path, env, "--host", "0.0.0.0") as (base, log):
        first = log.read_text().splitlines()[0]
        assert first.startswith("qpq: warning: the dashboard is open to the network on 0.0.0.0")
        assert "http://0.0.0.0" not in first  # the link names an address other machines can open
        token = re.search(r"\?token=([\w-]+)", first).group(1)
        assert len(token) >= 20

        status, body, _ = get(base)
        assert status == 403 and body.count("\n") == 1 and "access token" in body
        assert get(base + "?token=" + token[::-1])[0] == 403
        assert get(base + "?scenario=freeze", cookie="qpq_dashboard_token=wrong")[0] == 403
        status, body, cookie = get(base + "?token=" + token)
        assert status == 200 and f"qpq_dashboard_token={token}; Path=/; HttpOnly" in cookie
        assert get(base + "?scenario=freeze", cookie=f"qpq_dashboard_token={token}")[0] == 200
        # The page's websocket: refused before it opens without the cookie.
        code, reason = websocket_closes(base, "", [])
        assert code in (403, 1008), (code, reason)


def test_malformed_websocket_frames_close_in_one_line_and_leave_no_traceback(tmp_path, env):
    with dashboard(tmp_path, env) as (base, log):
        assert log.read_text().startswith("qpq: dashboard at http://127.0.0.1:")
        status, _, cookie = get(base)
        assert status == 200
        frames = ["not json", '{"header": 5}', b"\xff\xff\xff\xff", _with(channel=None), _with(content__data={})]
        for frame in frames:
            code, reason = websocket_closes(base, cookie.split(";")[0], [frame])  # the session cookie
            assert code == 1008 and reason.startswith("qpq: malformed message:"), (code, reason)
        # The server is still serving, and its log has one line for each, no traceback.
        assert get(base)[0] == 200
        text = log.read_text()
        assert text.count("closed a websocket that sent a malformed message") == len(frames)
        assert "Traceback" not in text


@pytest.mark.browser
def test_through_the_token_link_the_page_works_and_a_forged_value_gets_one_line(tmp_path, env):
    """A visitor with the link uses the page (its websocket carries the cookie); a control value
    no control would send, forged on the page's own websocket, is answered in the page."""
    with dashboard(tmp_path, env, "--host", "0.0.0.0") as (base, log):
        token = re.search(r"\?token=([\w-]+)", log.read_text()).group(1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium(), headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                page.route("**/*", only_local)
                # Keep the page's websocket and what it sends, to forge a message on it.
                page.add_init_script("""
                    const send = WebSocket.prototype.send;
                    window.__sent = [];
                    WebSocket.prototype.send = function (data) {
                        window.__socket = this;
                        if (typeof data === 'string') window.__sent.push(data);
                        return send.call(this, data);
                    };""")
                page.goto(base + "?token=" + token)
                summary = page.locator(".qpq-summary")
                expect(summary).to_contain_text("Thaw", timeout=60_000)
                page.get_by_role("button", name="Step").click()
                expect(summary).to_contain_text("month 1 of", timeout=30_000)

                # Move a slider with the page's own control, then send the same message with a value no slider sends.
                slider = page.locator(".qpq-knob-worlds [role=slider]")
                slider.focus()
                slider.press("ArrowRight")
                expect(page.locator(".qpq-knob-worlds")).to_contain_text("worlds: 101", timeout=30_000)
                page.wait_for_function('window.__sent.some(m => /"v_model"\\s*:\\s*101\\b/.test(m))', timeout=30_000)
                page.evaluate("""() => {
                    const sent = window.__sent.filter(m => /"v_model"\\s*:\\s*101\\b/.test(m)).pop();
                    window.__socket.send(sent.replace(/("v_model"\\s*:\\s*)101\\b/, '$1 1000000000'));
                }""")
                error = page.locator(".qpq-error")
                expect(error).to_contain_text(
                    "qpq: the page could not take that: worlds=1000000000: must be within 1..500", timeout=30_000
                )
                shown = page.locator("body").inner_text()
                assert "Traceback" not in shown and "site-packages" not in shown and ".py" not in shown

                page.locator(".qpq-error-continue").click()
                expect(summary).to_contain_text("nothing run yet", timeout=30_000)
            finally:
                browser.close()
        text = log.read_text()
        assert "a visitor's action failed" in text and "worlds=1000000000" in text
