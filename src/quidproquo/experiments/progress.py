"""Progress of a long command (compare, calibrate) on stderr.

On a terminal every stage draws a tqdm bar as it runs. Anywhere else (a log file, a pipe, CI)
bars would be noise, so nothing is drawn while the command works, and `Progress.close` prints
one line with every stage's size and time: `qpq: compare: runs 2 x 5,000 worlds 41 s;
decomposition 32 combinations x 1,000 worlds 19 s; bootstrap 12 outcomes 2 s`.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Stage:
    """One stage of a command: a bar on a terminal, a count and a clock otherwise."""

    def __init__(self, owner: Progress, name: str, total: float, unit: str, what: str):
        self.owner, self.name, self.total, self.unit, self.what = owner, name, total, unit, what
        self.start = time.perf_counter()
        self.bar = None
        if owner.terminal:
            import shutil

            from tqdm import tqdm

            # The terminal's width, or 80 where it reports none (a fresh pseudo-terminal says 0 x 0).
            width = shutil.get_terminal_size((80, 24)).columns or 80
            self.bar = tqdm(
                total=total,
                desc=name,
                unit=unit,
                unit_scale=total >= 10_000,
                file=owner.stream,
                ncols=width,
                leave=True,
            )

    def update(self, n: float = 1) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def set_total(self, total: float) -> None:
        self.total = total
        if self.bar is not None and self.bar.total != total:
            self.bar.total = total
            self.bar.refresh()

    def note(self, text: str) -> None:
        """A short status beside the bar (e.g. the best distance so far); nothing off a terminal."""
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=True)

    def __enter__(self) -> Stage:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()
        self.owner.done.append(f"{self.what} {time.perf_counter() - self.start:.0f} s")


class Progress:
    """The stages of one command; `close` prints the one summary line when stderr is not a terminal."""

    def __init__(self, command: str, stream: TextIO | None = None, terminal: bool | None = None):
        self.command = command
        self.stream = stream or sys.stderr
        self.terminal = self.stream.isatty() if terminal is None else terminal
        self.done: list[str] = []
        self.start = time.perf_counter()

    def stage(self, name: str, total: float, unit: str, what: str | None = None) -> Stage:
        """A stage of `total` `unit`s; `what` is how the summary line names it (default: name)."""
        return Stage(self, name, total, unit, what or name)

    def close(self) -> None:
        if not self.terminal and self.done:
            print(
                f"qpq: {self.command}: {'; '.join(self.done)} ({time.perf_counter() - self.start:.0f} s in all)",
                file=self.stream,
            )


class Silent(Progress):
    """No bars and no line: for callers (tests, notebooks) that did not ask for progress."""

    def __init__(self):
        super().__init__("", terminal=False)

    def stage(self, name: str, total: float, unit: str, what: str | None = None) -> Stage:
        stage = Stage(self, name, total, unit, what or name)
        return stage

    def close(self) -> None:
        pass
