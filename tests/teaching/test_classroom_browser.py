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

from quidproquo.teaching.classroom.room import BOT, Room
from quidproquo.teaching.classroom.store import FILE
from tests_support import qpq

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
            self.process = subprocess.Popen(
                [qpq(), "classroom", "--session", str(self.folder), "--port", str(self.port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
            )
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
                expect(teacher.locator(".qpq-pair-1 .qpq-months")).to_have_text(
                    f"{KILL_IN - 1} of {MONTHS}", timeout=WAIT
                )
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
    assert (folder / "offers.parquet").is_file() and (
        folder / "outcomes.csv"
    ).is_file()  # written into the session folder
    print(f"class of {MONTHS} months with a restart: {time.monotonic() - started:.0f} s")


# ------------------------------------------------------------- no pair waits for an absent student
SEATS_MONTHS = 4
IDLE_S = 12  # the session's idle time: short for the test, long enough that no student moving is taken for absent
PHONE = (390, 844)
DESK = (1024, 768)


def in_viewport(page, selector: str) -> dict:
    """Where `selector` is, measured in the page as loaded (no scrolling): its box, the viewport,
    how far the page is scrolled, and how wide the page is against the window."""
    return page.locator(selector).first.evaluate("""e => {
        const r = e.getBoundingClientRect();
        return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: innerWidth, height: innerHeight,
                scrolled: scrollY, page_width: document.documentElement.scrollWidth,
                inside: r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth};
    }""")


def joined(browser, url: str, name: str, code: str, viewport=DESK):
    page = new_page(browser, viewport)
    page.goto(url)
    page.fill("input[name=name]", name)
    page.fill("input[name=code]", code)
    page.click(".qpq-join button[type=submit]")
    return page


def first_cell(page, form: str) -> None:
    """Click the menu's first cell on offer, then the form's button (the button is in sight: checked apart)."""
    page.locator(f"{form} label:has(input[type=radio])").first.click()
    # News may reload the page meanwhile (a seat handed over): the choice survives it (pages.POLL).
    expect(page.locator(f"{form} .qpq-choice")).to_contain_text("Your choice: release", timeout=WAIT)
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


def washington_offers(page, month: int) -> None:
    at_month_of(page, month)
    expect(page.locator(".qpq-offer-form")).to_be_visible(timeout=WAIT)
    first_cell(page, ".qpq-offer-form")


def minsk_accepts(page, month: int) -> None:
    at_month_of(page, month)
    expect(page.locator(".qpq-accept-form")).to_be_visible(timeout=WAIT)
    with page.expect_navigation():
        page.click(".qpq-accept-form button[type=submit]")


def month_done(page, month: int) -> None:
    """Wait until `month` is played; Washington refuses a counter-offer of the built-in Minsk if one comes."""
    done, answer_ = page.locator(f".qpq-month-{month}"), page.locator(".qpq-answer-form")
    expect(done.or_(answer_).first).to_be_visible(timeout=WAIT)
    if not done.is_visible():
        page.click(".qpq-answer-form button[value=no]")
    expect(done).to_contain_text("New political arrests", timeout=WAIT)


def at_month_of(page, month: int) -> None:
    expect(page.locator(".qpq-status")).to_contain_text(f"Month {month} of {SEATS_MONTHS}", timeout=WAIT)


def test_no_pair_waits_for_an_absent_student(tmp_path, env):
    """Four students in their own contexts (one on a 390 px phone): Bob leaves after month 2 and
    the instructor hands his seat to the built-in strategy; Eve loses her cookie in month 3, her
    seat passes to it after the idle time, and she takes it back by joining again with her name
    and the code. Both pairs play all months; a second "Ana" is refused in one line; the offer
    button is in sight at 1024x768 and at 390 px without scrolling; the projector debrief's first
    screen holds the lesson, the chart and the benchmark, and ranks only the comparable games."""
    started = time.monotonic()
    folder = tmp_path / "session"
    Room.create(folder, "thaw", SEATS_MONTHS, seed=7, idle=IDLE_S).close()
    server = Server(folder, free_port(), tmp_path / "server.log", env)
    printed = server.start()
    code = re.search(r"join with the code (\w+)", printed).group(1)
    instructor_url = re.search(r"instructor page: (\S+)", printed).group(1)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium(), headless=True, args=CHROMIUM_ARGS)
            try:
                teacher = new_page(browser, DESK)
                teacher.goto(instructor_url)
                expect(teacher.locator(".qpq-idle-rule")).to_contain_text(f"{IDLE_S} s", timeout=WAIT)
                ana, bob = joined(browser, server.url, "Ana", code), joined(browser, server.url, "Bob", code)
                dee, eve = joined(browser, server.url, "Dee", code, PHONE), joined(browser, server.url, "Eve", code)
                for page in (ana, bob, dee, eve):
                    expect(page.locator(".qpq-waiting")).to_contain_text("Wait for your instructor", timeout=WAIT)

                # A second Ana (spacing and case aside) is refused, in one line, and gets no seat.
                other = joined(browser, server.url, "  ana ", code)
                refusal = other.locator(".error")
                expect(refusal).to_contain_text("'Ana' is taken in this class", timeout=WAIT)
                assert "\n" not in refusal.inner_text().strip()
                expect(other.locator(".qpq-join")).to_be_visible()
                other.context.close()
                expect(teacher.locator(".qpq-waiting")).to_contain_text("(4): Ana, Bob, Dee, Eve", timeout=WAIT)

                teacher.click(".qpq-pair")
                for page, role in ((ana, "Washington"), (bob, "Minsk"), (dee, "Washington"), (eve, "Minsk")):
                    expect(page.locator(".qpq-role")).to_have_text(f"You are {role}", timeout=WAIT)
                # The choice and its button in sight as the page opens, at 1024x768 and on the phone.
                for page, (width, height) in ((ana, DESK), (dee, PHONE)):
                    at_month_of(page, 1)
                    expect(page.locator(".qpq-offer-form")).to_be_visible(timeout=WAIT)
                    box = in_viewport(page, ".qpq-offer-form .qpq-submit")
                    assert (
                        box["inside"] and box["scrolled"] == 0 and (box["width"], box["height"]) == (width, height)
                    ), box
                    assert box["page_width"] <= width, box  # nothing wider than the window: no sideways scrolling
                    assert in_viewport(page, ".qpq-offer-form label:has(input[type=radio])")["inside"]

                for month in (1, 2):
                    washington_offers(ana, month)
                    washington_offers(dee, month)
                    minsk_accepts(bob, month)
                    minsk_accepts(eve, month)
                    for page in (ana, bob, dee, eve):
                        month_done(page, month)

                # Month 3: Eve's cookie is lost; Dee offers, and the table waits on Eve's empty seat.
                eve.context.clear_cookies()
                eve.reload()
                expect(eve.locator(".qpq-join")).to_be_visible(timeout=WAIT)
                washington_offers(dee, 3)
                waiting_since = time.monotonic()
                # Bob leaves; the instructor hands his seat over and Ana plays on against the built-in Minsk.
                bob.context.close()
                expect(teacher.locator(".qpq-pair-1 .qpq-months")).to_have_text(f"2 of {SEATS_MONTHS}", timeout=WAIT)
                teacher.click(".qpq-pair-1 .qpq-hand-minsk")
                expect(teacher.locator(".qpq-pair-1 .qpq-hand-minsk")).to_have_count(0, timeout=WAIT)
                for month in (3, 4):
                    washington_offers(ana, month)
                    month_done(ana, month)
                expect(ana.locator(".qpq-status")).to_contain_text(
                    f"All {SEATS_MONTHS} months are played", timeout=WAIT
                )
                pair_1_done = time.monotonic() - waiting_since

                # Eve's seat passes to the built-in strategy after the idle time, which answers Dee for her.
                month_done(dee, 3)
                handed_after = time.monotonic() - waiting_since
                assert handed_after >= IDLE_S - 1, handed_after
                # Eve joins again, in the same browser without its cookie: her own seat, not a new one.
                eve.fill("input[name=name]", "eve")
                eve.fill("input[name=code]", code)
                eve.click(".qpq-join button[type=submit]")
                expect(eve.locator(".qpq-welcome")).to_contain_text("you have your seat again", timeout=WAIT)
                expect(eve.locator(".qpq-role")).to_have_text("You are Minsk")
                expect(eve.locator(".qpq-partner")).to_have_text("Dee")
                expect(eve.locator(".qpq-month-2")).to_contain_text("New political arrests")  # her pair's history
                expect(eve.locator(".qpq-bot")).to_have_count(0)
                washington_offers(dee, 4)
                minsk_accepts(eve, 4)
                for page in (dee, eve):
                    expect(page.locator(".qpq-status")).to_contain_text(
                        f"All {SEATS_MONTHS} months are played", timeout=WAIT
                    )
                expect(teacher.locator(".qpq-debrief-ready")).to_be_visible(timeout=WAIT)

                # The projector's debrief: its first screen at 1024x768 holds the lesson, the chart and the
                # theory's benchmark, and nothing of the join block; the seats the built-in strategy played
                # in are not ranked, and say why.
                teacher.click(".qpq-debrief-link")
                expect(teacher.locator(".qpq-debrief")).to_be_visible(timeout=WAIT)
                for selector in (".qpq-lesson", ".qpq-debrief svg.qpq-chart", ".qpq-theory"):
                    box = in_viewport(teacher, selector)
                    assert box["inside"] and box["scrolled"] == 0, (selector, box)
                assert in_viewport(teacher, ".qpq-debrief")["page_width"] <= DESK[0]
                expect(teacher.locator(".qpq-code")).to_have_count(0)
                expect(teacher.locator(".qr")).to_have_count(0)
                expect(teacher.locator(".qpq-theory li")).to_have_count(3)
                unranked = teacher.locator(".qpq-unranked")
                expect(unranked).to_contain_text("Bob (pair 1, Minsk): the built-in strategy made")
                expect(unranked).to_contain_text("Eve (pair 2, Minsk): the built-in strategy made")
                expect(teacher.locator(".qpq-ranking-washington")).to_contain_text("Ana")
                expect(teacher.locator(".qpq-ranking-washington")).to_contain_text("Dee")
                expect(teacher.locator(".qpq-bot-moves")).to_be_visible()
            finally:
                browser.close()
    finally:
        server.stop()

    handovers = rows(folder, "handovers")
    seen = [(h.pair, h.role, h.person, h.reason, h.month) for h in handovers.sort_values("id").itertuples()]
    # Bob's seat by the button after month 2; Eve's in month 3 by the idle clock, back to her before month 4
    # (months counted from 0 in the store).
    assert seen == [(1, "minsk", 0, "instructor", 2), (2, "minsk", 0, "idle", 2), (2, "minsk", 1, "reclaimed", 3)], seen
    outcomes, offers = rows(folder, "outcomes"), rows(folder, "offers")
    assert outcomes.groupby("pair").month.max().tolist() == [SEATS_MONTHS - 1] * 2  # stored from 0: all months played
    assert len(outcomes) == 2 * SEATS_MONTHS
    seats = rows(folder, "seats")
    assert sorted(seats.name) == ["Ana", "Bob", "Dee", "Eve"]  # no second Ana, no second Eve
    minsk_1 = offers[(offers.pair == 1) & (offers.proposer == "minsk")]
    assert set(minsk_1[minsk_1.month >= 2].player) <= {BOT}  # Bob's counter-offers after he left are the built-in's
    print(
        f"pair 1 finished {pair_1_done:.0f} s after Dee's month-3 offer; Eve's seat passed after {handed_after:.0f} s; "
        f"whole test {time.monotonic() - started:.0f} s"
    )
