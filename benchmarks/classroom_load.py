"""A class of 60 on one server: `qpq classroom` on 127.0.0.1 under 60 students (30 pairs) and an
instructor, driving the server's real routes as the pages do, and the time each request takes.

Each student joins by name and code, then behaves as their page does: it asks `/state` every two
seconds, loads the page (`/`) when the state changed, and when the page waits for their move,
thinks for 1 to 3 seconds (seeded) and makes one (`/move`: an offer, a reply -- accept or counter
-- or an answer, chosen from the cells the page offers), then loads the page again. The
instructor's page asks `/instructor/state` and reloads `/instructor` likewise. Bounded: 6 months,
at most `--seconds` (default 240) of play, on 127.0.0.1 only.

Prints, per kind of request, how many, the median, the 95th percentile and the slowest, in
milliseconds; the budget is p95 <= 300 ms for a move and for a page; and the machine's load
average and cores (the clients run on the same machine, in this process's threads).

    python benchmarks/classroom_load.py [--students 60] [--months 6] [--seconds 240] [--seed 3]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

from quidproquo.teaching.classroom.room import Room

HERE = Path(__file__).resolve().parents[1]
QPQ = Path(sys.executable).with_name("qpq")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CELL = re.compile(r'name="bundle" value="(\d+\.\d+)"')


class Client:
    """One browser: its cookies, its connection to 127.0.0.1, and the time of each request."""

    def __init__(self, port: int, timings: dict[str, list[float]], lock: threading.Lock):
        self.port, self.timings, self.lock = port, timings, lock
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, kind: str, method: str, path: str, fields: dict | None = None) -> tuple[int, str, dict]:
        body = urlencode(fields).encode() if fields is not None else None
        headers = {
            **(FORM if body is not None else {}),
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        start = time.perf_counter()
        for attempt in (0, 1):  # a kept-alive connection the server closed: open a new one, once
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode(errors="replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        elapsed = 1000 * (time.perf_counter() - start)
        with self.lock:
            self.timings.setdefault(kind, []).append(elapsed)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        return response.status, text, dict(response.getheaders())


def turn(page: str) -> tuple[str, int] | None:
    """The move the page waits for from this student: (kind, month), or None."""
    for kind, css in (("offer", "qpq-offer-form"), ("reply", "qpq-accept-form"), ("answer", "qpq-answer-form")):
        if css in page:
            month = re.search(r'name="month" value="(\d+)"', page)
            return kind, int(month.group(1))
    return None


def student(client: Client, name: str, code: str, rng: random.Random, until: float, done: threading.Event) -> None:
    status, _, _ = client.request("join", "POST", "/join", {"name": name, "code": code})
    assert status == 303, f"{name} could not join: {status}"
    while not done.is_set():  # wait to be paired
        time.sleep(1)
        if "qpq-role" in client.request("page", "GET", "/")[1]:
            break
    version, page = None, client.request("page", "GET", "/")[1]
    while time.monotonic() < until and not done.is_set():
        if "months are played" in page or "class has ended" in page:
            return
        waiting = turn(page)
        if waiting is not None:
            time.sleep(rng.uniform(1, 3))  # the student thinks
            kind, month = waiting
            fields = {"month": month, "kind": kind}
            cells = CELL.findall(page)
            if kind == "offer":
                fields["bundle"] = rng.choice(cells)
            elif kind == "reply":
                if rng.random() < 0.5:
                    fields["accept"] = "yes"
                else:
                    fields |= {"accept": "no", "bundle": rng.choice(cells)}
            else:
                fields["accept"] = rng.choice(("yes", "no"))
            status, text, _ = client.request("move", "POST", "/move", fields)
            assert status in (303, 409), f"{name}'s {kind} was refused: {status} {text[:300]}"
            page = client.request("page", "GET", "/")[1]
            continue
        time.sleep(2)  # the page's poll
        now = client.request("state", "GET", "/state")[1]
        if now != version:
            version = now
            page = client.request("page", "GET", "/")[1]


def instructor(client: Client, key: str, until: float, done: threading.Event) -> None:
    client.request("instructor page", "GET", f"/instructor?key={key}")
    version = None
    while time.monotonic() < until and not done.is_set():
        time.sleep(2)
        now = client.request("instructor state", "GET", "/instructor/state")[1]
        if now != version:
            version = now
            client.request("instructor page", "GET", "/instructor")


def waiting(teacher: Client) -> int:
    """How many students wait to be paired, as the instructor's page says."""
    found = re.search(r"Waiting to be paired \((\d+)\)", teacher.request("seats", "GET", "/instructor")[1])
    return int(found.group(1)) if found else 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=240)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    if not 2 <= args.students <= 80 or not 1 <= args.months <= 12 or not 10 <= args.seconds <= 900:
        sys.exit("classroom_load: --students 2..80, --months 1..12, --seconds 10..900")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "session"
        room = Room.create(
            folder, "thaw", args.months, seed=args.seed, idle=3600
        )  # nobody idles out: every move is a client's
        code, key = room.session.join_code, room.session.instructor_key
        room.close()
        port = free_port()
        server = subprocess.Popen(
            [str(QPQ), "classroom", "--session", str(folder), "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            print(server.stdout.readline().strip(), flush=True)  # the server's first line: it has started
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        sys.exit("classroom_load: the server did not listen within 60 s")
                    time.sleep(0.2)
            timings: dict[str, list[float]] = {}
            lock, done = threading.Lock(), threading.Event()
            started = time.monotonic()
            until = started + args.seconds
            teacher = Client(port, timings, lock)
            teacher.request("instructor page", "GET", f"/instructor?key={key}")
            threads = [
                threading.Thread(
                    target=student,
                    args=(
                        Client(port, timings, lock),
                        f"student {n:02d}",
                        code,
                        random.Random(args.seed * 1000 + n),
                        until,
                        done,
                    ),
                    daemon=True,
                )
                for n in range(args.students)
            ]
            for thread in threads:
                thread.start()
            while waiting(teacher) < args.students:  # every student has joined
                time.sleep(0.5)
            teacher.request("pair", "POST", "/instructor/pair", {})
            watcher = threading.Thread(target=instructor, args=(teacher, key, until, done), daemon=True)
            watcher.start()
            for thread in threads:
                thread.join(timeout=max(until - time.monotonic(), 0) + 30)
            done.set()
            watcher.join(timeout=10)
            took = time.monotonic() - started
            live = teacher.request("instructor page", "GET", "/instructor")[1]
            finished = live.count(">finished<")
        finally:
            server.terminate()
            server.wait(timeout=30)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"classroom load: {args.students} students ({args.students // 2} pairs), {args.months} months, thaw; "
        f"{took:.0f} s of play; load average {load} ({os.cpu_count()} cores; the clients run here too)"
    )
    print(f"{'request':<20}{'count':>7}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}")
    for kind in ("join", "page", "move", "state", "instructor page", "instructor state"):
        ms = timings.get(kind, [])
        if ms:
            print(f"{kind:<20}{len(ms):>7}{np.median(ms):>11.0f}{np.percentile(ms, 95):>9.0f}{max(ms):>9.0f}")
    verdict = {kind: np.percentile(timings[kind], 95) <= 300 for kind in ("page", "move") if timings.get(kind)}
    print("budget p95 <= 300 ms: " + ", ".join(f"{kind} {'within' if ok else 'ABOVE'}" for kind, ok in verdict.items()))
    print(f"pairs that finished all {args.months} months: {finished} of {args.students // 2}")


if __name__ == "__main__":
    main()
