"""Run folders that cannot mix: one run owns its folder, default folders never collide, and a run
killed while its result moves into place leaves a complete result or none."""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import shutil
import signal

import pandas as pd
import pytest
import yaml

from quidproquo.config import load
from quidproquo.experiments import runner
from quidproquo.runs import publish

RUN = ["run", "scenario=freeze", "engine.worlds=5", "engine.rounds=3", "output.figures=false"]


def qpq_in_worker(argv: list[str], cwd: str) -> tuple[int, str]:
    """`qpq ARGV` in this (pool worker) process: its exit code and stderr."""
    from quidproquo import cli

    os.chdir(cwd)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            cli.main(argv)
            code = 0
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    return code, err.getvalue()


@pytest.fixture(scope="module")
def pool():
    with multiprocessing.get_context("spawn").Pool(2) as workers:
        workers.apply(qpq_in_worker, (["scenarios"], os.getcwd()))  # import everything once per worker
        yield workers


def worlds_for(seed: int) -> bytes:
    return runner.simulate(load([*list(RUN[1:]), f"engine.seed={seed}"])).worlds.to_csv(index=False).encode()


def test_two_runs_into_one_folder_never_mix_their_files(pool, tmp_path):
    expected = {5: worlds_for(5), 6: worlds_for(6)}
    for attempt in range(20):
        folder = tmp_path / f"same{attempt}"
        jobs = [
            pool.apply_async(qpq_in_worker, ([*RUN, f"engine.seed={seed}", f"hydra.run.dir={folder}"], str(tmp_path)))
            for seed in (5, 6)
        ]
        results = [job.get(timeout=120) for job in jobs]
        codes = sorted(code for code, _ in results)
        assert codes in ([0, 0], [0, 2]), results
        for code, err in results:
            if code == 2:
                assert "held by" in err and len(err.strip().splitlines()) == 1, (
                    err
                )  # the holder may not have signed yet
        seed = yaml.safe_load((folder / "config.yaml").read_text())["engine"]["seed"]
        assert (folder / "done.json").exists()
        assert pd.read_parquet(folder / "worlds.parquet").to_csv(index=False).encode() == expected[seed], attempt


def test_two_runs_started_together_with_default_folders_get_folders_of_their_own(pool, tmp_path):
    for attempt in range(20):
        cwd = tmp_path / f"together{attempt}"
        cwd.mkdir()
        jobs = [pool.apply_async(qpq_in_worker, ([*RUN, f"engine.seed={seed}"], str(cwd))) for seed in (5, 6)]
        assert [job.get(timeout=120)[0] for job in jobs] == [0, 0]
        folders = sorted((cwd / "outputs" / "freeze").iterdir())
        assert len(folders) == 2
        seeds = sorted(yaml.safe_load((f / "config.yaml").read_text())["engine"]["seed"] for f in folders)
        assert seeds == [5, 6] and all((f / "done.json").exists() for f in folders)


# The child only renames files before it is killed, which is safe in a forked copy of a process
# with threads; Python warns about forking such a process all the same.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_run_killed_inside_the_final_move_leaves_a_complete_result_or_none(tmp_path):
    old = runner.simulate(load([*RUN[1:], "engine.seed=1"]))
    new = runner.simulate(load([*RUN[1:], "engine.seed=2"]))
    # A finished result, being replaced by a new one, written once: each attempt starts from a
    # copy of it (the files are the same bytes; writing them afresh only took time).
    template = tmp_path / "template"
    runner.write(old, template)
    moves = sum(1 for p in runner.stage(new, template).rglob("*") if p.is_file())
    outcomes = set()
    for attempt in range(50):
        folder = tmp_path / f"kill{attempt}"
        shutil.copytree(template, folder)
        kill_at = attempt % (moves + 2)  # before each rename, before done.json, or never
        child = os.fork()
        if child == 0:  # only file renames happen here: safe after fork

            def hook(step, kill_at=kill_at):
                if step == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)

            publish.MOVE_HOOK = hook
            try:
                publish.publish(folder, 5, 0.0)
            finally:
                os._exit(0)
        _, status = os.waitpid(child, 0)
        killed = os.WIFSIGNALED(status)
        if (folder / "done.json").exists():
            config = yaml.safe_load((folder / "config.yaml").read_text())
            assert config["engine"]["seed"] == 2
            assert pd.read_parquet(folder / "worlds.parquet").equals(new.worlds)
            outcomes.add("complete")
        else:
            assert killed
            outcomes.add("none")
    assert outcomes == {"complete", "none"}


def test_a_run_into_a_folder_another_process_holds_stops_in_one_line_and_writes_nothing(tmp_path, capsys):
    from quidproquo import cli
    from tests_support import held_elsewhere

    folder = tmp_path / "held"
    with held_elsewhere(folder) as holder:
        with pytest.raises(SystemExit) as exit_:
            cli.main([*RUN, f"hydra.run.dir={folder}"])
        err = capsys.readouterr().err.strip().splitlines()
        assert exit_.value.code == 2 and len(err) == 1 and f"held by pid {holder.pid}" in err[0]
        assert sorted(p.name for p in folder.iterdir()) == [".lock"]


def test_a_rerun_onto_its_own_folder_is_refused(tmp_path, capsys):
    from quidproquo import cli

    folder = tmp_path / "run"
    cli.main([*RUN, f"hydra.run.dir={folder}"])
    before = (folder / "done.json").read_bytes()
    with pytest.raises(SystemExit) as exit_:
        cli.main(["rerun", str(folder), "--out", str(folder)])
    assert exit_.value.code == 2 and "a rerun writes into another folder" in capsys.readouterr().err
    assert (folder / "done.json").read_bytes() == before


def test_what_a_killed_run_left_half_staged_is_cleared_by_the_next_run(tmp_path):
    from quidproquo import cli

    folder = tmp_path / "run"
    (folder / ".staging").mkdir(parents=True)
    (folder / ".staging" / "worlds.parquet").write_bytes(b"PAR1 half written")  # a kill before the move
    (folder / ".staging" / "leftover.csv").write_text("x\n")
    cli.main([*RUN, f"hydra.run.dir={folder}"])
    assert not (folder / ".staging").exists()
    assert not (folder / "leftover.csv").exists()
    worlds = pd.read_parquet(folder / "worlds.parquet")
    assert len(worlds) == 5 and (folder / "done.json").exists()


def test_a_default_folder_is_named_as_hydras_own_are(tmp_path, monkeypatch):
    """One pattern for a default folder's time (runs/lock.py STAMP): the one conf/config.yaml gives
    Hydra's run and sweep folders, and the one `qpq run` names its own default folder with."""
    from datetime import datetime

    from quidproquo.config import conf_dir
    from quidproquo.runs.lock import STAMP

    hydra = yaml.safe_load((conf_dir() / "config.yaml").read_text())["hydra"]
    assert hydra["run"]["dir"] == f"outputs/${{name}}/${{now:{STAMP}}}"
    assert hydra["sweep"]["dir"] == f"multirun/${{now:{STAMP}}}"
    monkeypatch.chdir(tmp_path)  # (and back, after the run has moved into it)
    code, err = qpq_in_worker([*RUN, "engine.seed=1"], str(tmp_path))
    assert code == 0, err
    (folder,) = (tmp_path / "outputs" / "freeze").iterdir()
    when, _, suffix = folder.name.rpartition("_")  # the time, and the random suffix
    assert abs((datetime.now() - datetime.strptime(when, STAMP)).total_seconds()) < 600 and len(suffix) == 6
