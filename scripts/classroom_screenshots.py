"""The classroom's figures for docs/seminar.md, made from real sessions in headless Chromium.

    .venv/bin/python scripts/classroom_screenshots.py [--out docs/figures]

Plays two sessions in this process through `Room` (the methods the server's routes call), then
serves each with `qpq classroom --session` on 127.0.0.1 and photographs it with Playwright and
Debian's chromium (nothing is downloaded; every request beyond the local server is refused):

- classroom_debrief_1024x768.png: the projector page (/instructor/debrief) of a finished class of
  seven students (three pairs and one against the built-in strategy), its first screen only;
- classroom_student_1024x768.png, classroom_student_390.png: Washington's page in month 2 with a
  cell clicked, as it opens at 1024x768 and on a 390 px phone (no scrolling).

The server is stopped at the end, whatever happened.
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from quidproquo.teaching.classroom.room import Room
from quidproquo.teaching.classroom.server import SEAT_COOKIE
from quidproquo.teaching.classroom.table import Move

ROOT = Path(__file__).resolve().parents[1]
QPQ = str(Path(sys.executable).with_name("qpq"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def play(room: Room, tokens: dict[int, str], months: int, choices) -> None:
    """Play every pair's table up to `months` months: whoever the table waits for moves, as
    `choices(pair, month, kind, talk)` says -- (relief, release) for an offer, a bool for an answer."""
    for pair in room.pairs():
        while True:
            table = room.table(pair)
            talk = table.talk
            if talk is None or talk.month >= months:
                break
            role, kind = talk.waiting
            token = tokens[pair.seat_of(role)]
            said = choices(pair.id, talk.month, kind, talk)
            if kind == "offer":
                room.move(token, Move(talk.month, kind, *said))
            elif kind == "reply" and said is not True:
                room.move(token, Move(talk.month, kind, *said, accept=False))
            else:
                room.move(token, Move(talk.month, kind, accept=bool(said)))


def cell(talk, relief: int, release: int) -> tuple[int, int]:
    """The menu's cell nearest (relief, release) that is on offer."""
    for s in range(min(relief, talk.sets - 1), -1, -1):
        for g in list(range(release, talk.levels)) + list(range(release - 1, -1, -1)):
            if talk.valid(s * talk.levels + g):
                return s, g
    raise AssertionError("an empty menu")


def class_choices(pair: int, month: int, kind: str, talk):
    """Each pair its own style, so the debrief has something to compare."""
    if kind == "offer":
        return cell(talk, (pair + month) % 3, (pair + 2 * month) % talk.levels)
    if kind == "reply":
        return True if (pair + month) % 3 else cell(talk, 1 + pair % 2, pair % 2)
    return month % 2 == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serving:
    """`qpq classroom --session DIR` on a free port of 127.0.0.1, stopped on leaving."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.url = f"http://127.0.0.1:{self.port}/"

    def __enter__(self):
        self.log = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(
            [QPQ, "classroom", "--session", str(self.folder), "--port", str(self.port)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url + "state", timeout=2):
                    break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.log.seek(0)
                    raise SystemExit(f"the classroom server did not start: {self.log.read()}") from None
                time.sleep(0.2)
        self.log.seek(0)
        self.instructor = re.search(r"instructor page: (\S+)", self.log.read()).group(1)
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def context(browser, viewport: tuple[int, int]):
    made = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    made.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith("http://127.0.0.1") else route.abort()
    )
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("needs Debian's chromium: apt-get install -y chromium (scripts/ensure-browser)")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # A finished class: 7 students, 6 months.
        room = Room.create(Path(tmp) / "class", "thaw", 6, seed=7)
        tokens = {}
        for name in ("Ana", "Bob", "Cy", "Dee", "Eli", "Fay", "Gus"):
            seat = room.join(name, room.session.join_code).seat
            tokens[seat.id] = seat.token
        room.pair_waiting()
        play(room, tokens, 6, class_choices)
        room.close()
        # A class in month 2: Washington's turn to offer.
        room = Room.create(Path(tmp) / "student", "thaw", 6, seed=7)
        ana, bob = (room.join(name, room.session.join_code).seat for name in ("Ana", "Bob"))
        room.pair_waiting()
        play(room, {ana.id: ana.token, bob.id: bob.token}, 1, class_choices)
        room.close()

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
            try:
                with Serving(Path(tmp) / "class") as server:
                    page = context(browser, (1024, 768)).new_page()
                    page.goto(server.instructor)
                    page.goto(server.url + "instructor/debrief")
                    expect(page.locator(".qpq-lesson")).to_be_visible(timeout=30_000)
                    page.screenshot(path=str(args.out / "classroom_debrief_1024x768.png"))
                with Serving(Path(tmp) / "student") as server:
                    for viewport, name in (
                        ((1024, 768), "classroom_student_1024x768.png"),
                        ((390, 844), "classroom_student_390.png"),
                    ):
                        made = context(browser, viewport)
                        made.add_cookies([{"name": SEAT_COOKIE, "value": ana.token, "url": server.url}])
                        page = made.new_page()
                        page.goto(server.url)
                        form = page.locator(".qpq-offer-form")
                        expect(form).to_be_visible(timeout=30_000)
                        form.locator("label:has(input[type=radio])").nth(
                            6
                        ).click()  # relief 1 at half the price: its parts show why relief costs
                        expect(form.locator(".qpq-choice")).to_contain_text("Your choice: release")
                        page.evaluate("window.scrollTo(0, 0)")
                        page.screenshot(path=str(args.out / name))
            finally:
                browser.close()
    for name in ("classroom_debrief_1024x768.png", "classroom_student_1024x768.png", "classroom_student_390.png"):
        print(f"wrote {args.out / name}")


if __name__ == "__main__":
    main()
