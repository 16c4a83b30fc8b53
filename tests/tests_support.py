"""Helpers shared by test modules: configs composed with the real Hydra tree, small models, the
`qpq` binary. (Fixtures live in conftest.py; helpers live here, where modules can import them.)"""

from __future__ import annotations

import contextlib
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
