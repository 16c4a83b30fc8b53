"""The dashboard in a browser: `qpq dashboard` on 127.0.0.1, driven by Playwright in headless Chromium.

Debian's chromium is used (`.ci/run` installs it); Playwright never downloads a browser here.
Every request to anything but the local server is refused, so the test also shows the page
needs no CDN.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from quidproquo.teaching.play import WORLDS
from tests_support import qpq

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
WAIT = 30_000  # ms: a step re-renders two charts, a Reset composes a config


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "Debian's chromium is needed: apt-get install -y chromium (.ci/run does it)"
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(log_path: Path, env: dict):
    """`qpq dashboard` on a free port, yielding its address; stopped at the end, whatever happened."""
    port = free_port()
    log = log_path.open("w")
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
            assert process.poll() is None, f"the server stopped: {log_path.read_text()}"
            assert time.monotonic() < deadline, "the server did not answer within 60 s"
            time.sleep(0.3)  # polling a port that is not open yet: there is no event to wait for
        yield url
    finally:
        process.terminate()  # SIGTERM reaches uvicorn itself: `qpq dashboard` execs it
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def server(tmp_path, env):
    with serving(tmp_path / "server.log", env) as url:
        yield url


def only_local(route) -> None:
    if route.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
        route.continue_()
    else:
        route.abort()


def choose(page, choice: str, option: str) -> None:
    """Click the option of a choice (`.qpq-seat`, `.qpq-relief`, ...) whose text contains `option`,
    and wait until the page shows it chosen."""
    page.locator(f"{choice} .qpq-option", has_text=option).first.click()
    expect(page.locator(f"{choice} .qpq-option-chosen")).to_contain_text(option, timeout=WAIT)


def chart(page) -> str:
    """The prisoners chart as drawn: its SVG's markup, which changes with every month shown."""
    return page.locator(".qpq-prisoners svg").first.evaluate("s => s.outerHTML")


def step(page, month: int) -> None:
    page.get_by_role("button", name="Step").click()
    expect(page.locator(".qpq-summary")).to_contain_text(f"month {month} of", timeout=WAIT)


def open_page(browser, url: str, width: int, height: int):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.route("**/*", only_local)
    page.goto(url)
    expect(page.locator(".qpq-summary")).to_contain_text("Thaw", timeout=60_000)
    return page


def test_dashboard_in_a_browser(server, tmp_path):
    started = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), headless=True, args=CHROMIUM_ARGS)
        try:
            page = open_page(browser, server, 1500, 1150)
            summary, parameters = page.locator(".qpq-summary"), page.locator(".qpq-parameters")
            # Month 0 is drawn before any step: the chart is there, with the worlds' starting count.
            expect(page.locator(".qpq-prisoners svg")).to_have_count(1)
            expect(summary).to_contain_text("nothing run yet")

            # Another scenario, by its human name and with its description: its own values on the sliders.
            freeze = page.locator(".qpq-scenario-freeze")
            expect(freeze).to_have_text("Freeze: no talks")
            freeze.click()
            expect(summary).to_contain_text("Freeze: no talks: ", timeout=WAIT)
            expect(page.locator(".qpq-scenario-description")).to_contain_text("No US engagement")
            expect(parameters).to_contain_text("US envoy visit probability 0;")
            # A slider, its value always shown, applied by Mesa's Reset.
            knob = page.locator(".qpq-knob-washington_engagement")
            expect(knob.locator(".qpq-knob-label")).to_have_text("US envoy visit probability: 0")
            slider = knob.locator("[role=slider]")
            slider.focus()
            for _ in range(4):
                slider.press("ArrowRight")
            expect(slider).to_have_attribute("aria-valuenow", "0.2")
            expect(knob.locator(".qpq-knob-label")).to_have_text("US envoy visit probability: 0.2", timeout=WAIT)
            page.get_by_role("button", name="Reset").click()
            expect(parameters).to_contain_text("US envoy visit probability 0.2;", timeout=WAIT)

            before = chart(page)
            expect(page.locator(".qpq-event-log")).to_contain_text("No events yet")
            for month in (1, 2, 3):
                step(page, month)
            assert chart(page) != before
            events = page.locator(".qpq-event")
            expect(events.first).to_be_visible()
            texts = events.all_inner_texts()
            assert any(re.match(r"2025-0\d ", text) for text in texts)
            assert not any("rank_and_file" in text for text in texts)  # human labels in the log

            # The Info panel: about the model, things to notice, things to try.
            page.get_by_text("About this model").click()
            expect(page.locator(".qpq-try")).to_contain_text("Things to try", timeout=WAIT)

            # Play mode: Washington's seat, three months of offers.
            worlds = page.locator(".qpq-knob-worlds")
            expect(worlds.locator(".qpq-knob-label")).to_have_text(re.compile(r": 100$"))
            choose(page, ".qpq-seat", "Washington")
            # The worlds slider says how many run while a person plays, before and after Reset.
            expect(worlds.locator(".qpq-knob-label")).to_have_text(re.compile(rf": {WORLDS}$"), timeout=WAIT)
            expect(worlds.locator(".qpq-knob-note")).to_have_text(f"at most {WORLDS} while a person plays")
            expect(worlds.locator("[role=slider]")).to_have_attribute("aria-valuenow", str(WORLDS))
            page.get_by_role("button", name="Reset").click()
            expect(page.locator(".qpq-play")).to_contain_text("You are Washington", timeout=WAIT)
            expect(page.locator(".qpq-prisoners svg")).to_have_attribute(
                "aria-label", re.compile(rf", {WORLDS} worlds$"), timeout=WAIT
            )
            expect(worlds.locator(".qpq-knob-label")).to_have_text(re.compile(rf": {WORLDS}$"))
            expect(summary).to_contain_text("at the table")
            # (relief set offered, share of the price): the relief menu lists world 0's sets, best value first
            plays, offered = [(1, "price^(1/3)"), (2, "price^(2/3)"), (0, "all of the price")], []
            for month, (relief, release) in enumerate(plays, start=1):
                item = page.locator(".qpq-relief .qpq-option").nth(relief)
                chosen = item.inner_text().strip()
                item.click()
                # Wait for the page to show the choice before making the next one: state, not time.
                expect(page.locator(".qpq-relief .qpq-option-chosen")).to_have_text(chosen, timeout=WAIT)
                choose(page, ".qpq-release", release)
                # The sentence under the choices is a widget of its own that may arrive after the
                # buttons: wait until it names the chosen release and relief (state, not time).
                released = page.locator(".qpq-release .qpq-option-chosen").inner_text().split(": ", 1)[1].strip()
                expect(page.locator(".qpq-offer")).to_contain_text(f"release {released} for {chosen}", timeout=WAIT)
                # The offer as the form words it is the offer the log records.
                words = re.search(r"release (.+) for (.+)\. Press", page.locator(".qpq-offer").inner_text())
                offered.append(f"Washington proposes: release {words[1]} for {words[2]} --")
                step(page, month)
                expect(page.locator(".qpq-event", has_text="Washington proposes").first).to_contain_text(
                    offered[-1], timeout=WAIT
                )
            # One offer a month in world 0's log, newest first (waited for: the log re-renders in steps).
            expect(page.locator(".qpq-event", has_text="Washington proposes")).to_have_count(3, timeout=WAIT)
            logged = page.locator(".qpq-event", has_text="Washington proposes").all_inner_texts()
            assert len(logged) == 3
            for text, words in zip(reversed(logged), offered):
                assert words in text

            print(f"play mode reached after {time.monotonic() - started:.0f} s")
            page.locator(".qpq-finish").click()
            expect(page.locator(".qpq-verdict")).to_contain_text("built-in strategy", timeout=WAIT)
            # The verdict says what decided it, part by part, and counts the deals.
            expect(page.locator(".qpq-verdict-words")).to_contain_text("What decided it: ")
            expect(page.locator(".qpq-verdict-words")).to_contain_text(
                re.compile(rf"Deals: yours in \d+ of {3 * WORLDS} world-months")
            )
            page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        finally:
            browser.close()
    assert Path(tmp_path / "dashboard.png").stat().st_size > 10_000


# ------------------------------------------------------------------------- a projector
PROJECTOR = (1024, 768)


def chart_text_px(page) -> dict[str, float]:
    """Each chart's smallest text in CSS pixels as shown, measured in the page: every text
    element's font size (its own or the SVG's) times the drawn width over the viewBox width."""
    from quidproquo.teaching.dashboard.charts import WIDTH

    out = {}
    for name in ("prisoners", "indicators"):
        svg = page.locator(f".qpq-{name} svg").first
        expect(svg).to_be_visible(timeout=WAIT)
        box, scale, smallest = svg.evaluate("""s => {
            const scale = s.getBoundingClientRect().width / s.viewBox.baseVal.width;
            const sizes = [...s.querySelectorAll('text')].filter(t => t.textContent.trim())
                .map(t => parseFloat(getComputedStyle(t).fontSize));
            return [s.viewBox.baseVal.width, scale, Math.min(...sizes) * scale];
        }""")
        assert box == WIDTH and scale > 0
        out[name] = smallest
    return out


def test_the_page_reads_on_a_projector(server):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), headless=True, args=CHROMIUM_ARGS)
        try:
            page = open_page(browser, server, *PROJECTOR)
            step(page, 1)
            body = page.inner_text("body")
            for developer_control in ("Play Interval", "Render Interval", "Use Threads", "PAGE 0", "Page 0"):
                assert developer_control not in body
            # Every slider shows its value without being touched.
            labels = page.locator(".qpq-knob-label").all_inner_texts()
            assert len(labels) >= 10 and all(re.search(r": -?[\d.]+$", label) for label in labels)
            # Chart text at least 16 CSS px with the sidebar open ...
            with_sidebar = chart_text_px(page)
            assert min(with_sidebar.values()) >= 16, with_sidebar
            for selector in (".qpq-summary", ".qpq-parameters", ".qpq-event"):
                size = page.locator(selector).first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
                assert size >= 16, (selector, size)
            # ... and the charts grow with the room the folded sidebar leaves.
            drawer = page.locator(".v-navigation-drawer")
            assert drawer.bounding_box()["width"] <= 0.3 * PROJECTOR[0]
            before = page.locator(".qpq-prisoners svg").first.bounding_box()["width"]
            page.locator(".v-app-bar__nav-icon").first.click()  # the menu button folds the sidebar
            expect(drawer).not_to_be_in_viewport(timeout=WAIT)
            page.wait_for_function(
                "w => document.querySelector('.qpq-prisoners svg').getBoundingClientRect().width > w + 150",
                arg=before,
                timeout=WAIT,
            )
            folded = chart_text_px(page)
            assert all(folded[name] > with_sidebar[name] for name in folded), (with_sidebar, folded)
        finally:
            browser.close()


def screenshot(path: Path, months: int = 6) -> None:
    """The page at 1024x768 after a few months of thaw, for the README (`python
    tests/teaching/test_dashboard_browser.py --screenshot docs/figures/dashboard_1024x768.png`, with PYTHONPATH=tests)."""
    with serving(Path(os.devnull), dict(os.environ)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), headless=True, args=CHROMIUM_ARGS)
        try:
            page = open_page(browser, url, *PROJECTOR)
            for month in range(1, months + 1):
                step(page, month)
            page.screenshot(path=str(path))
        finally:
            browser.close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--screenshot"] and len(sys.argv) == 3:
        screenshot(Path(sys.argv[2]))
        print(f"wrote {sys.argv[2]}")
    else:
        sys.exit("usage: PYTHONPATH=tests python tests/teaching/test_dashboard_browser.py --screenshot PATH.png")
