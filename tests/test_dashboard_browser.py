"""The dashboard in a browser: `qpq dashboard` on 127.0.0.1, driven by Playwright in headless Chromium.

Debian's chromium is used (`.ci/run` installs it); Playwright never downloads a browser here.
Every request to anything but the local server is refused, so the test also shows the page
needs no CDN.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from tests_support import qpq

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
WAIT = 30_000  # ms: a step re-renders two figures, a Reset composes a config


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "Debian's chromium is needed: apt-get install -y chromium (.ci/run does it)"
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path, env):
    """`qpq dashboard` on a free port; stopped at the end, whatever happened."""
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen([qpq(), "dashboard", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert process.poll() is None, f"the server stopped: {(tmp_path / 'server.log').read_text()}"
            assert time.monotonic() < deadline, "the server did not answer within 60 s"
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()  # SIGTERM reaches uvicorn itself: `qpq dashboard` execs it
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def only_local(route) -> None:
    if route.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
        route.continue_()
    else:
        route.abort()


def choose(page, select, option: str) -> None:
    """Open a Vuetify select and click the option whose text contains `option`."""
    select.click()
    page.locator(".menuable__content__active .v-list-item", has_text=option).first.click()


def chart(page) -> str:
    return page.locator(".qpq-prisoners img").first.get_attribute("src")


def step(page, month: int) -> None:
    page.get_by_role("button", name="Step").click()
    expect(page.locator(".qpq-summary")).to_contain_text(f"month {month} of", timeout=WAIT)


def test_dashboard_in_a_browser(server, tmp_path):
    started = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1150})
            page.route("**/*", only_local)
            page.goto(server)
            summary, parameters = page.locator(".qpq-summary"), page.locator(".qpq-parameters")
            expect(summary).to_contain_text("thaw", timeout=60_000)

            # Another scenario: its own values on the sliders.
            page.locator(".qpq-scenario-freeze").click()
            expect(summary).to_contain_text("freeze: ", timeout=WAIT)
            expect(parameters).to_contain_text("US envoy visit probability 0;")
            # A slider, applied by Mesa's Reset.
            slider = page.locator(".v-input", has_text="US envoy visit probability").locator("[role=slider]")
            slider.focus()
            for _ in range(4):
                slider.press("ArrowRight")
            expect(slider).to_have_attribute("aria-valuenow", "0.2")
            page.get_by_role("button", name="Reset").click()
            expect(parameters).to_contain_text("US envoy visit probability 0.2;", timeout=WAIT)

            before = chart(page)
            expect(page.locator(".qpq-event-log")).to_contain_text("No events yet")
            for month in (1, 2, 3):
                step(page, month)
            assert chart(page) != before
            events = page.locator(".qpq-event")
            expect(events.first).to_be_visible()
            assert any(re.match(r"2025-0\d ", text) for text in events.all_inner_texts())

            # Play mode: Washington's seat, three months of offers.
            choose(page, page.locator(".v-select", has_text="seat (play mode)"), "washington")
            page.get_by_role("button", name="Reset").click()
            expect(page.locator(".qpq-play")).to_contain_text("You are Washington", timeout=WAIT)
            expect(summary).to_contain_text("nothing run yet")
            # (relief set offered, share of the price): the relief menu lists world 0's sets, best value first
            plays, logged = [(1, "1/4 of the price"), (2, "1/2 of the price"), (0, "all of the price")], []
            for month, (relief, release) in enumerate(plays, start=1):
                page.locator(".qpq-relief").click()
                item = page.locator(".menuable__content__active .v-list-item").nth(relief)
                chosen = item.inner_text().strip()
                item.click()
                # Wait for the page to show the choice before making the next one: state, not time.
                expect(page.locator(".qpq-relief .v-select__selection")).to_have_text(chosen, timeout=WAIT)
                choose(page, page.locator(".qpq-release"), release)
                expect(page.locator(".qpq-release .v-select__selection")).to_contain_text(release, timeout=WAIT)
                step(page, month)
                words = "for " + chosen
                logged.append(words + " --")
                expect(page.locator(".qpq-event", has_text="Washington proposes").first).to_contain_text(logged[-1], timeout=WAIT)
            offers = page.locator(".qpq-event", has_text="Washington proposes").all_inner_texts()
            assert len(offers) == 3  # one offer a month in world 0's log, newest first
            for text, words in zip(reversed(offers), logged):
                assert words in text

            print(f"play mode reached after {time.monotonic() - started:.0f} s")
            page.locator(".qpq-finish").click()
            expect(page.locator(".qpq-verdict")).to_contain_text("built-in strategy", timeout=WAIT)
            page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        finally:
            browser.close()
    assert Path(tmp_path / "dashboard.png").stat().st_size > 10_000
