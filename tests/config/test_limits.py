"""Limits up front and the machine's failures: a run that cannot fit is refused before any
simulation; a full disk is one line with exit code 1; hostile YAML is refused unread."""

from __future__ import annotations

import os
import resource
import subprocess
import time

import pytest

from tests_support import in_process, qpq


def limited(gigabytes: float):
    def limit():
        size = int(gigabytes * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    return limit


def test_under_ulimit_v_a_run_too_large_is_refused_before_any_simulation(tmp_path, env):
    started = time.monotonic()
    done = subprocess.run(
        [qpq(), "run", "scenario=thaw", "engine.worlds=1000000", f"hydra.run.dir={tmp_path / 'big'}"],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=limited(3),
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    line = done.stderr.strip().splitlines()
    assert len(line) == 1 and "need about" in line[0] and "worlds fit" in line[0]
    assert time.monotonic() - started < 30  # the estimate, not an attempt: a simulation would take minutes
    assert not (tmp_path / "big").exists()
    fits = subprocess.run(
        [qpq(), "run", "scenario=thaw", "engine.worlds=2000", f"hydra.run.dir={tmp_path / 'small'}"],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=limited(3),
        timeout=300,
    )
    assert fits.returncode == 0, fits.stderr  # and a run that fits still runs under the same limit


@pytest.mark.parametrize(
    "failure,words",
    [
        ("ENOSPC", "No space left on device"),
        ("EROFS", "Read-only file system"),
        ("EACCES", "Permission denied"),
        ("EDQUOT", "Disk quota exceeded"),
    ],
)
def test_a_full_or_read_only_disk_is_one_line_with_exit_code_1_and_no_result(
    tmp_path, capsys, monkeypatch, failure, words
):
    # The tests run as root, whom file modes do not stop: the disk's refusal is raised where the
    # run writes, as the operating system would raise it.
    import errno

    from quidproquo import cli
    from quidproquo.runs import storage

    def refused(path, write):
        raise OSError(getattr(errno, failure), words, str(path))

    monkeypatch.setattr(storage, "atomic", refused)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run", "scenario=freeze", "engine.worlds=3", "engine.rounds=2", f"hydra.run.dir={tmp_path / 'r'}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_.value.code == 1 and len(err) == 1 and err[0].startswith("qpq: error: ") and words in err[0], err
    assert str(tmp_path / "r") in err[0]  # it names where it could not write
    assert not (tmp_path / "r" / "done.json").exists()


@pytest.mark.parametrize(
    "text,says",
    [
        ('# @package _global_\nname: lol\na: &a ["x","x","x"]\nb: [*a,*a,*a]\n', "YAML aliases are not allowed"),
        ("# @package _global_\nname: loop\na: &a [1]\nb: *a\n", "YAML aliases are not allowed"),
        ("# @package _global_\nname: huge\n" + "#" * 1_000_100 + "\n", "a scenario may have at most 1,000,000"),
    ],
)
def test_hostile_or_huge_scenario_files_are_refused_unread(tmp_path, env, text, says):
    (tmp_path / "conf" / "scenario").mkdir(parents=True)
    (tmp_path / "conf" / "scenario" / "mine.yaml").write_text(text)
    started = time.monotonic()
    done = in_process(
        ["run", "scenario=mine", f"hydra.searchpath=[file://{tmp_path / 'conf'}]", f"hydra.run.dir={tmp_path / 'out'}"],
        cwd=os.getcwd(),
    )
    assert done.returncode == 2 and says in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert time.monotonic() - started < 20 and not (tmp_path / "out").exists()
