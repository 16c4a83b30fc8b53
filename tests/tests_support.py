"""Helpers shared by test modules: configs composed with the real Hydra tree, small models, the
`qpq` binary. (Fixtures live in conftest.py; helpers live here, where modules can import them.)"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path

from quidproquo.config import load
from quidproquo.engine.model import BargainingModel

ROOT = Path(__file__).resolve().parents[1]


def one_line_error(capsys, argv, last: bool = False) -> str:
    """Run `qpq argv` in this process and return its error: exit code 2, one line, no traceback
    (with `last`, the error is the last line of what it printed)."""
    import pytest

    from quidproquo import cli

    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2, err
    lines = err.strip().splitlines()
    assert (last or len(lines) == 1) and lines and lines[-1].startswith("qpq: error: "), err
    assert "Traceback" not in err
    return lines[-1]


def model(scenario: str = "thaw", worlds: int = 3, seed: int = 0, **changes) -> BargainingModel:
    """A model built from a composed scenario; `changes` are Hydra overrides ("a.b" = value)."""
    cfg = load(
        [
            f"scenario={scenario}",
            f"engine.worlds={worlds}",
            f"engine.seed={seed}",
            *(f"{k}={v}" for k, v in changes.items()),
        ]
    )
    return BargainingModel(config=cfg)


def qpq() -> str:
    """The real `qpq` console script installed beside this interpreter."""
    return str(Path(sys.executable).with_name("qpq"))


def model_with_utility(key: str, node: dict, worlds: int = 2, rounds: int = 6) -> BargainingModel:
    cfg = load(["scenario=thaw", f"engine.worlds={worlds}", f"engine.rounds={rounds}"])
    actor = key.split(".")[1]
    getattr(cfg.actors, actor).utility = node
    return BargainingModel(config=cfg)


@contextlib.contextmanager
def held_elsewhere(folder: Path):
    """Another process holding `folder`'s lock (runs/lock.py) for the block: yields that process."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from quidproquo.runs.lock import hold; hold({str(folder)!r}); "
            "print('held', flush=True); import time; time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def in_process(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`qpq ARGV` run through its entry point in this process, in `cwd`, as `subprocess.run(...,
    capture_output=True, text=True)` would report it: the exit code, stdout and stderr.

    Nothing the command changes outlives the call: the working folder, the environment
    (`--trust` sets QPQ_TRUST; `env` sets more for the call), sys.argv, sys.path, logging's
    handlers and levels (Hydra configures them per job), Hydra's global state, and the worker
    processes joblib keeps for reuse (they keep the folder they started in). A sweep on Ray is
    not for this: the Ray it starts outlives the call; run it as a subprocess."""
    import io
    import logging
    import os

    from hydra.core.global_hydra import GlobalHydra

    from quidproquo import cli

    saved_env, saved_cwd, saved_argv, saved_path = dict(os.environ), os.getcwd(), sys.argv, list(sys.path)
    loggers = {name: (lg.level, list(lg.handlers), lg.propagate) for name, lg in _loggers().items()}
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        os.environ.pop("HYDRA_FULL_ERROR", None)  # as the `env` fixture gives a subprocess
        os.environ.update(env or {})
        os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli.main([str(a) for a in argv])
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
                if isinstance(exit_.code, str):
                    print(exit_.code, file=sys.stderr)
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        sys.argv, sys.path[:] = saved_argv, saved_path
        for name, lg in _loggers().items():
            level, handlers, propagate = loggers.get(name, (logging.NOTSET, [], True))
            lg.setLevel(level)
            lg.handlers[:] = handlers
            lg.propagate = propagate
        if GlobalHydra.instance().is_initialized():
            GlobalHydra.instance().clear()
        _stop_pooled_workers()
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def _loggers() -> dict:
    import logging

    return {"": logging.getLogger(), **{n: logging.getLogger(n) for n in list(logging.root.manager.loggerDict)}}


def _stop_pooled_workers() -> None:
    """Stop the worker processes joblib's loky backend keeps between calls (hydra/launcher=joblib):
    they keep the working folder they started in, so the next sweep's relative folders would be
    resolved in the last test's folder."""
    loky = sys.modules.get("joblib.externals.loky.reusable_executor")
    if loky is not None and loky._executor is not None:
        loky._executor.shutdown(wait=True, kill_workers=True)
        loky._executor = None


# ------------------------------------------------------------------ commands to kill, forked
# One process (a session's, conftest.py's `zygote`) imports quidproquo once, then forks a child
# for each command to kill: each child is a real process of its own, in a new session (so its
# group is its own), killed for real, without paying the imports again; it runs a test's
# `prelude` first (e.g. a smaller budget). A child is killed by its own hook just before a step of
# the final move into place (runs/publish.py MOVE_HOOK, where a kill matters most), after a
# delay, or once a file it writes exists.
ZYGOTE = """
import glob, json, os, signal, sys, time
from quidproquo.runs import publish
from quidproquo import cli
import hydra, matplotlib.pyplot, mesa, pandas, scipy.optimize
import quidproquo.experiments.compare, quidproquo.experiments.runner, quidproquo.experiments.plots
import quidproquo.experiments.sweep, quidproquo.experiments.calibrate
# What every command does first, done once here so that no child pays for it: a composition
# (Hydra's config search path, the scenario files) and a figure drawn (matplotlib's fonts).
import io
from quidproquo.config import load
load(["scenario=thaw"])
figure = matplotlib.pyplot.figure()
figure.text(0.5, 0.5, "warm")
figure.savefig(io.BytesIO(), format="png")
matplotlib.pyplot.close(figure)

def code_of(status):
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)

print("ready", flush=True)
for line in sys.stdin:
    ask = json.loads(line)
    if "wait" in ask:  # the child's exit code; SIGKILL to its whole group after `timeout` s or once `until` exists
        pid, until = ask["wait"], ask["until"]
        deadline = None if ask["timeout"] is None else time.monotonic() + ask["timeout"]
        while True:
            done, status = os.waitpid(pid, os.WNOHANG if deadline is not None or until else 0)
            if done:
                break
            if (deadline is not None and time.monotonic() >= deadline) or (until and glob.glob(until)):
                os.killpg(pid, signal.SIGKILL)
                _, status = os.waitpid(pid, 0)
                break
            time.sleep(0.005)
        print(code_of(status), flush=True)
        continue
    pid = os.fork()
    if pid == 0:
        os.setsid()
        os.chdir(ask["cwd"])
        if ask["terminal"]:  # a pseudo-terminal's end, by name: stdin, stdout and stderr on it, as in a shell
            tty = os.open(ask["terminal"], os.O_RDWR)  # (a new session's first terminal: its controlling one)
            os.dup2(tty, 0), os.dup2(tty, 1), os.dup2(tty, 2)
            sys.stdout.reconfigure(line_buffering=True)  # as Python sets it up on a terminal
        else:
            null = os.open(os.devnull, os.O_RDWR)
            err = os.open(ask["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC) if ask["stderr"] else null
            os.dup2(null, 0), os.dup2(null, 1), os.dup2(err, 2)
        if ask["environ"] is not None:
            os.environ.clear()
            os.environ.update(ask["environ"])
        exec(ask["prelude"])
        at = ask["at"]
        if at >= 0:
            publish.MOVE_HOOK = lambda step: step == at and os.killpg(0, signal.SIGKILL)
        code = 0
        try:
            cli.main(ask["argv"])
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        except BaseException:
            import traceback
            traceback.print_exc()
            code = 1
        sys.stdout.flush(), sys.stderr.flush()
        os._exit(code)
    print(pid, flush=True)
"""


class Zygote:
    """The process that forks the commands to kill (ZYGOTE)."""

    def __init__(self, env: dict):
        self.process = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        assert self.process.stdout.readline().strip() == "ready"

    def ask(self, **ask) -> int:
        self.process.stdin.write(json.dumps(ask) + "\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def start(
        self,
        argv: list[str],
        cwd: Path,
        at_step: int | None = None,
        stderr: Path | None = None,
        prelude: str = "",
        terminal: str | None = None,
        environ: dict[str, str] | None = None,
    ) -> int:
        """`qpq ARGV` in a child of its own (after the Python `prelude`), killed just before step
        `at_step` of a move; its pid. Its stdin, stdout and stderr are the terminal device named
        `terminal` when given (a pty's, `os.ttyname`), else nothing, with stderr into `stderr`;
        `environ` replaces its environment."""
        at = -1 if at_step is None else at_step
        return self.ask(
            argv=[str(a) for a in argv],
            cwd=str(cwd),
            at=at,
            stderr=str(stderr) if stderr else None,
            prelude=prelude,
            terminal=terminal,
            environ=environ,
        )

    def wait(self, pid: int, timeout: float | None = None, until: Path | str | None = None) -> int:
        """The child's return code (negative when killed), killed with its group after `timeout`
        s or as soon as a path matching the glob `until` exists."""
        return self.ask(wait=pid, timeout=timeout, until=str(until) if until else None)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def command_env() -> dict:
    """The environment of a `qpq` a test starts (a subprocess, the zygote's children): this one's,
    without Hydra's full-error switch and without trusted modules."""
    import os

    return {k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", "QPQ_TRUST")}
