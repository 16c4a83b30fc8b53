"""Long commands say what they are doing (issue 24): on a terminal `qpq compare` and `qpq
calibrate` draw a bar a stage on stderr; piped, each prints one summary line instead."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import select
import struct
import termios
import threading

from quidproquo.experiments.progress import Progress
from tests_support import in_process


def terminal_env(env) -> dict:
    """The environment of a program on a terminal: the terminal's own size decides its width, as
    it does for a user (a COLUMNS inherited from the test runner would override the pty's 120)."""
    return {**{k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}, "TERM": "xterm"}


def through_a_terminal(arguments: list[str], cwd, env, zygote, timeout: float = 300) -> tuple[int, str]:
    """`qpq ARGUMENTS` in a process of its own (forked, tests_support.Zygote) with stdin, stdout
    and stderr on a pseudo-terminal of 40 rows and 120 columns; its exit code and all it wrote."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    pid = zygote.start(arguments, cwd, terminal=os.ttyname(child), environ=terminal_env(env))
    # This end stays open until the command has ended, so reading never races its opening the
    # terminal; the command's end is its exit, which a thread waits for.
    code: list[int] = []
    waiting = threading.Thread(target=lambda: code.append(zygote.wait(pid, timeout=timeout)))
    waiting.start()
    chunks = []
    while True:
        ready, _, _ = select.select([main], [], [], 0.05)
        if ready:
            chunks.append(os.read(main, 65536))
        elif not waiting.is_alive():
            break
    waiting.join()
    os.close(child), os.close(main)
    return code[0], b"".join(chunks).decode(errors="replace")


def test_compare_draws_its_stages_on_a_terminal(tmp_path, env, zygote):
    code, text = through_a_terminal(
        ["compare", "thaw", "freeze", "engine.worlds=20", "engine.rounds=12", "output.figures=false", "--out", "cmp"],
        tmp_path,
        env,
        zygote,
    )
    assert code == 0, text[-2000:]
    for stage in ("paired runs", "bootstrap", "decomposition"):
        assert stage in text, stage
    assert "100%|" in text  # a tqdm bar, finished
    assert "qpq: compare:" not in text  # the summary line is for logs, not terminals


def test_calibrate_draws_its_generations_on_a_terminal(tmp_path, env, zygote):
    code, text = through_a_terminal(["calibrate", "--budget", "small", "--out", "cal"], tmp_path, env, zygote)
    assert code == 0, text[-2000:]
    for stage in ("generations", "standard errors", "forecast"):
        assert stage in text, stage
    assert "accepted" in text and "best" in text  # the search's state beside its bar
    assert "<" in text  # tqdm's elapsed<left: the time left


def test_piped_each_command_prints_one_summary_line(tmp_path, env):
    done = in_process(
        ["compare", "thaw", "freeze", "engine.worlds=20", "engine.rounds=12", "output.figures=false", "--out", "cmp"],
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("qpq: compare:")]
    assert len(lines) == 1 and "decomposition 32 combinations" in lines[0] and "bootstrap" in lines[0], done.stderr
    assert "%|" not in done.stderr  # no bars in a log


def test_progress_off_a_terminal_is_one_line():
    stream = io.StringIO()
    progress = Progress("demo", stream=stream)
    for name in ("first", "second"):
        with progress.stage(name, 3, "step") as stage:
            stage.update(3)
    progress.close()
    assert stream.getvalue().count("\n") == 1 and stream.getvalue().startswith("qpq: demo: first 0 s; second 0 s")
