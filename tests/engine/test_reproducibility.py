"""A world's result depends only on (seed, world index, parameters); tables are byte-stable."""

import os

import numpy as np
import pandas as pd

from quidproquo.config import load
from quidproquo.engine.model import BargainingModel
from quidproquo.experiments.runner import simulate, write
from tests_support import in_process, model


def tables(m):
    return m.recorder.rounds_table(m), m.recorder.worlds_table(m), m.events.table(), m.recorder.offers_table()


def test_world_17_is_the_same_in_a_1000_world_run_and_a_20_world_run():
    big = tables(model("thaw", worlds=1000, seed=42).run())
    small = tables(model("thaw", worlds=20, seed=42).run())
    for a, b in zip(big, small):
        pd.testing.assert_frame_equal(a[a.world == 17].reset_index(drop=True), b[b.world == 17].reset_index(drop=True))
    offers = big[3][big[3].world == 17]
    assert len(offers) > 0, "world 17 must have had talks, or the comparison would not cover them"


def test_a_world_run_alone_equals_the_same_world_in_company():
    cfg = load(["scenario=thaw", "engine.worlds=50", "engine.seed=5"])
    company = BargainingModel(config=cfg).run()
    alone = BargainingModel(
        config=load(["scenario=thaw", "engine.worlds=1", "engine.seed=5"]), world_ids=np.array([33])
    ).run()
    a, b = company.recorder.worlds_table(company), alone.recorder.worlds_table(alone)
    pd.testing.assert_frame_equal(a[a.world == 33].reset_index(drop=True), b)


def test_same_seed_gives_byte_identical_files(tmp_path):
    cfg = ["scenario=thaw", "engine.worlds=200", "engine.rounds=24", "engine.seed=9", "output.figures=false"]
    write(simulate(load(cfg)), tmp_path / "a")
    write(simulate(load(cfg)), tmp_path / "b")
    for name in ("rounds.parquet", "worlds.parquet", "events.csv", "summary.md"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_a_different_seed_gives_a_different_history():
    a = model("thaw", worlds=50, seed=1).run().recorder
    b = model("thaw", worlds=50, seed=2).run().recorder
    assert not np.array_equal(a.arrests, b.arrests)


def test_a_run_folder_records_its_making_and_qpq_rerun_reproduces_it(tmp_path, env):
    import json
    import subprocess

    from tests_support import qpq

    first = tmp_path / "first"
    done = in_process(
        [
            "run",
            "scenario=thaw",
            "engine.worlds=40",
            "engine.rounds=10",
            "engine.seed=11",
            "actors.minsk.hostage_elasticity=0.7",
            f"hydra.run.dir={first}",
        ],
        cwd=os.getcwd(),
    )
    assert done.returncode == 0, done.stderr
    about = json.loads((first / "run.json").read_text())
    assert about["seed"] == 11 and about["quidproquo"] and about["scenario"] == "thaw"
    assert about["git_commit"] is None or len(about["git_commit"].split("+")[0]) == 40
    assert "hostage_elasticity: 0.7" in (first / "config.yaml").read_text()
    # Everything needed is in the folder: copy it elsewhere and rerun from the copy.
    import shutil

    alone = tmp_path / "copied"
    shutil.copytree(first, alone)
    # A fresh process reruns it: the run's folder, not this process's state, holds its making.
    again = subprocess.run(
        [qpq(), "rerun", str(alone), "--out", str(tmp_path / "again")], capture_output=True, text=True, env=env
    )
    assert again.returncode == 0, again.stderr
    for name in ("rounds.parquet", "worlds.parquet", "events.csv"):
        assert (tmp_path / "again" / name).read_bytes() == (first / name).read_bytes(), name


def test_rerun_of_a_folder_that_holds_no_run_is_one_line(tmp_path, env):

    done = in_process(["rerun", str(tmp_path)], cwd=os.getcwd())
    assert done.returncode == 2 and "no config.yaml" in done.stderr and "Traceback" not in done.stderr


def test_a_rerun_of_a_folder_naming_untrusted_code_refuses_and_runs_nothing(tmp_path, env):
    """Someone sends a run folder whose config.yaml names a module of theirs: importing it would
    run its code (here: write a file). `qpq rerun` refuses before importing anything."""
    import os
    import subprocess

    from tests_support import qpq

    first = tmp_path / "first"
    done = in_process(
        ["run", "scenario=freeze", "engine.worlds=3", "engine.rounds=2", f"hydra.run.dir={first}"], cwd=os.getcwd()
    )
    assert done.returncode == 0, done.stderr
    marker = tmp_path / "it_ran"
    (tmp_path / "gift.py").write_text(
        f"open({str(marker)!r}, 'w').write('x')\ndef utility(components, weights):\n    return 0\n"
    )
    config = (first / "config.yaml").read_text()
    assert "_target_: quidproquo.utility.linear" in config
    (first / "config.yaml").write_text(
        config.replace("_target_: quidproquo.utility.linear", "_target_: gift.utility", 1)
    )
    for target in ("gift.utility", "subprocess.call"):
        (first / "config.yaml").write_text(
            config.replace("_target_: quidproquo.utility.linear", f"_target_: {target}", 1)
        )
        again = subprocess.run(
            [qpq(), "rerun", str(first), "--out", str(tmp_path / "again")],
            capture_output=True,
            text=True,
            env={**env, "PYTHONPATH": os.pathsep.join([str(tmp_path), env.get("PYTHONPATH", "")])},
        )
        says = "can never be trusted" if target == "subprocess.call" else "is not a trusted module"
        assert again.returncode == 2 and says in again.stderr, again.stderr
        assert not marker.exists() and not (tmp_path / "again").exists()
