"""A class in a browser: `qpq classroom` on 127.0.0.1, an instructor and three students in
separate Playwright contexts of Debian's Chromium, six months, the debrief and the export -- and the
server killed (SIGKILL) in the middle of month 4 and started again on the same session folder.

Every request to anything but the local server is refused, so the pages need no internet. Waits
are for states (`expect`), never for time: a page shows the other side's move when its two-second
poll sees it.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pandas as pd
from playwright.sync_api import expect, sync_playwright
from test_dashboard_browser import CHROMIUM_ARGS, chromium, free_port, only_local
from tests_support import qpq

from quidproquo.teaching.classroom.room import BOT, Room
from quidproquo.teaching.classroom.store import FILE

WAIT = 30_000  # ms: two loaded cores; a page sees a change within its 2 s poll
MONTHS = 6
# Month by month: Washington's offer (relief set, release level) and its answer to a counter-offer;
# Minsk's counter-offer (None: accepts); Cy's (Minsk, against the built-in Washington) counter-offer.
ANA = [(1, 1, None), (0, 3, True), (0, 0, False), (1, 2, None), (2, 1, True), (1, 0, None)]
BOB = [None, (2, 2), (3, 3), None, (1, 3), None]
CY = [None, None, (1, 3), None, None, (0, 1)]
KILL_IN = 4  # the server is killed in month 4, after Washington's offer, before Minsk's reply


class Server:
    """`qpq classroom --session DIR` on a fixed port; started, killed and started again."""

    def __init__(self, folder: Path, port: int, log: Path, env: dict):
        self.folder, self.port, self.log, self.env = folder, port, log, env
        self.url = f"http://127.0.0.1:{port}/"
        self.process: subprocess.Popen | None = None

    def start(self) -> str:
        """Start the server and wait until it answers; what it printed."""
        with self.log.open("a") as out:
            start = out.tell()
            self.process = subprocess.Popen([qpq(), "classroom", "--session", str(self.folder), "--port", str(self.port)],
                                            stdout=out, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url + "state", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert self.process.poll() is None, f"the server stopped: {self.log.read_text()}"
            assert time.monotonic() < deadline, "the server did not answer within 60 s"
            time.sleep(0.2)
        return self.log.read_text()[start:]

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no shutdown, no cleanup
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def rows(folder: Path, table: str) -> pd.DataFrame:
    """A table of the session's database, read straight from the file."""
    with sqlite3.connect(folder / FILE) as db:
        columns = [c[1] for c in db.execute(f"PRAGMA table_info({table})")]
        return pd.DataFrame(db.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4").fetchall(), columns=columns)


def new_page(browser, viewport=(1100, 900)):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    context.route("**/*", only_local)
    return context.new_page()


def join(browser, url: str, name: str, code: str):
    page = new_page(browser)
    page.goto(url)
    page.fill("input[name=name]", name)
    page.fill("input[name=code]", code.lower())  # codes are read off a projector: any case will do
    page.click(".qpq-join button[type=submit]")
    expect(page.locator(".qpq-waiting")).to_contain_text("Wait for your instructor", timeout=WAIT)
    return page


def at_month(page, month: int) -> None:
    expect(page.locator(".qpq-status")).to_contain_text(f"Month {month} of {MONTHS}", timeout=WAIT)


def choose(page, form: str, relief: int, release: int) -> None:
    """Click the menu's cell (relief set, release level), then the form's button."""
    page.locator(f"{form} label:has(input[value='{relief}.{release}'])").click()
    expect(page.locator(f"{form} .qpq-choice")).to_contain_text("Your choice: release")
    page.click(f"{form} button[type=submit]")


def offer(page, month: int, relief: int, release: int) -> None:
    at_month(page, month)
    expect(page.locator(".qpq-offer-form")).to_be_visible(timeout=WAIT)
    choose(page, ".qpq-offer-form", relief, release)
    expect(page.locator(".qpq-turn")).to_contain_text("Waiting for Minsk's reply", timeout=WAIT)


def reply(page, month: int, counter) -> None:
    at_month(page, month)
    expect(page.locator(".qpq-accept-form")).to_be_visible(timeout=WAIT)  # the poll shows Washington's offer
    expect(page.locator(".qpq-offer").first).to_contain_text("Washington offered: release")
    if counter is None:
        page.click(".qpq-accept-form button[type=submit]")
    else:
        choose(page, ".qpq-counter-form", *counter)


def answer(page, accept: bool) -> None:
    expect(page.locator(".qpq-answer-form")).to_be_visible(timeout=WAIT)
    expect(page.locator(".qpq-offer").nth(1)).to_contain_text("Minsk counter-offered: release")
    page.click(f".qpq-answer-form button[value={'yes' if accept else 'no'}]")


def next_month(page, month: int) -> None:
    """Wait until the page shows `month` played."""
    expect(page.locator(f".qpq-month-{month}")).to_contain_text("New political arrests", timeout=WAIT)


def play_month(ana, bob, cy, month: int, ana_only: bool = False) -> None:
    relief, release, _ = ANA[month - 1]
    offer(ana, month, relief, release)
    if ana_only:
        return
    finish_month(ana, bob, cy, month)


def finish_month(ana, bob, cy, month: int) -> None:
    _, _, accepts = ANA[month - 1]
    reply(bob, month, BOB[month - 1])
    if BOB[month - 1] is not None:
        answer(ana, accepts)
    next_month(ana, month)
    next_month(bob, month)
    reply(cy, month, CY[month - 1])
    next_month(cy, month)
    deal = "Deal:" if BOB[month - 1] is None or accepts else "No deal this month."
    expect(ana.locator(f".qpq-month-{month}")).to_contain_text(deal)


def test_a_class_in_the_browser_survives_a_killed_server(tmp_path, env):
    started = time.monotonic()
    folder = tmp_path / "session"
    Room.create(folder, "thaw", MONTHS, seed=7).close()  # a known seed: the choices above are on its menus
    server = Server(folder, free_port(), tmp_path / "server.log", env)
    printed = server.start()
    assert "classroom resumed in" in printed and "warning" not in printed  # 127.0.0.1: no warning
    code = re.search(r"join with the code (\w+)", printed).group(1)
    instructor_url = re.search(r"instructor page: (\S+)", printed).group(1)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium(), headless=True, args=CHROMIUM_ARGS)
            try:
                teacher = new_page(browser, (1280, 1000))
                teacher.goto(instructor_url)
                expect(teacher.locator(".qpq-code")).to_have_text(code, timeout=WAIT)
                assert "key=" not in teacher.url  # the key left the address bar for a cookie
                expect(teacher.locator(".qr svg")).to_be_visible()
                expect(teacher.locator(".qpq-link")).to_have_text(server.url)

                ana, bob, cy = (join(browser, server.url, name, code) for name in ("Ana", "Bob", "Cy"))
                expect(teacher.locator(".qpq-waiting")).to_contain_text("(3): Ana, Bob, Cy", timeout=WAIT)
                teacher.click(".qpq-pair")
                expect(teacher.locator(".qpq-live tr")).to_have_count(3, timeout=WAIT)  # a heading and two pairs
                expect(ana.locator(".qpq-role")).to_have_text("You are Washington", timeout=WAIT)
                expect(bob.locator(".qpq-role")).to_have_text("You are Minsk", timeout=WAIT)
                expect(cy.locator(".qpq-role")).to_have_text("You are Minsk", timeout=WAIT)
                expect(cy.locator(".qpq-partner")).to_have_text(BOT)

                for month in range(1, KILL_IN):
                    play_month(ana, bob, cy, month)
                play_month(ana, bob, cy, KILL_IN, ana_only=True)
                expect(teacher.locator(".qpq-pair-1 .qpq-months")).to_have_text(f"{KILL_IN - 1} of {MONTHS}", timeout=WAIT)
                expect(teacher.locator(".qpq-pair-1")).to_contain_text("Minsk's reply", timeout=WAIT)
                history = ana.locator(".qpq-month-3").text_content()
                live = teacher.locator(".qpq-live").text_content()
                stored = {t: rows(folder, t) for t in ("moves", "offers", "outcomes")}
                # Each month: Ana's offer, Bob's reply, Ana's answer if Bob countered, Cy's reply; then Ana's offer.
                assert len(stored["moves"]) == sum(3 + (BOB[m] is not None) for m in range(KILL_IN - 1)) + 1

                # Every page has caught up before the kill (else its poll would reload it under the test's reload).
                expect(bob.locator(".qpq-accept-form")).to_be_visible(timeout=WAIT)
                at_month(cy, KILL_IN)
                server.kill()
                for t, frame in stored.items():  # every committed move survived the kill
                    pd.testing.assert_frame_equal(rows(folder, t), frame)
                assert "classroom resumed in" in server.start()

                for page in (ana, bob, cy, teacher):
                    page.reload()
                expect(ana.locator(".qpq-month-3")).to_have_text(history, timeout=WAIT)
                expect(ana.locator(".qpq-turn")).to_contain_text("Waiting for Minsk's reply")
                expect(teacher.locator(".qpq-live")).to_have_text(live, timeout=WAIT)
                at_month(cy, KILL_IN)
                finish_month(ana, bob, cy, KILL_IN)
                for month in range(KILL_IN + 1, MONTHS + 1):
                    play_month(ana, bob, cy, month)

                for page in (ana, bob, cy):
                    expect(page.locator(".qpq-status")).to_contain_text(f"All {MONTHS} months are played", timeout=WAIT)
                expect(teacher.locator(".qpq-debrief-ready")).to_be_visible(timeout=WAIT)
                teacher.click(".qpq-debrief-link")
                debrief = teacher.locator(".qpq-debrief")
                expect(debrief).to_be_visible(timeout=WAIT)
                expect(teacher.locator(".qpq-debrief-pairs tr")).to_have_count(3)
                expect(teacher.locator(".qpq-debrief-pairs")).to_contain_text("Ana")
                expect(teacher.locator(".qpq-theory li")).to_have_count(3)
                # The spread names each measure in its first column.
                spread = teacher.locator(".qpq-spread tr")
                expect(spread).to_have_count(8)
                expect(spread.nth(1).locator("th")).to_have_text("deals")
                expect(teacher.locator(".qpq-spread")).to_contain_text("Washington's gain over the built-in strategy")
                expect(teacher.locator(".qpq-ranking-washington")).to_contain_text("Ana")
                expect(teacher.locator(".qpq-ranking-minsk")).to_contain_text("Cy")

                downloads = {}
                for name in ("offers.csv", "outcomes.parquet"):
                    with teacher.expect_download() as info:
                        teacher.click(f"a.qpq-export[href$='{name}']")
                    downloads[name] = tmp_path / f"downloaded-{name}"
                    info.value.save_as(downloads[name])
            finally:
                browser.close()
    finally:
        server.stop()

    offers, outcomes = rows(folder, "offers"), rows(folder, "outcomes")
    for stored in (offers, outcomes):
        stored["month"] += 1  # the export numbers months from 1, as the pages do
    pd.testing.assert_frame_equal(pd.read_csv(downloads["offers.csv"]), offers, check_dtype=False)
    pd.testing.assert_frame_equal(pd.read_parquet(downloads["outcomes.parquet"]), outcomes, check_dtype=False)
    assert len(outcomes) == 2 * MONTHS and outcomes.groupby("pair").month.max().tolist() == [MONTHS] * 2
    # Pair 1's offers are the students' own: one per month, and Bob's counter-offers where he made them.
    ana_offers = offers[(offers.pair == 1) & (offers.proposer == "washington")]
    assert [(r.relief_set, r.release_level) for r in ana_offers.itertuples()] == [(a[0], a[1]) for a in ANA]
    bob_offers = offers[(offers.pair == 1) & (offers.proposer == "minsk")]
    assert [(r.relief_set, r.release_level) for r in bob_offers.itertuples()] == [b for b in BOB if b is not None]
    assert (offers[offers.pair == 2].player.isin(["Cy", BOT])).all()
    assert (folder / "offers.parquet").is_file() and (folder / "outcomes.csv").is_file()  # written into the session folder
    print(f"class of {MONTHS} months with a restart: {time.monotonic() - started:.0f} s")
