"""The real `qpq` command: outputs of `qpq run`, `qpq scenarios`, and one-line errors.

Most commands run through `qpq`'s entry point in this process (tests_support.in_process); the
installed executable itself answers `--help` and `--version` and one config mistake's exit 2."""

import os
import subprocess

import pandas as pd
import pytest

from tests_support import in_process, qpq

TIERS = ["rank_and_file", "prominent", "foreign"]
ACTORS = ["minsk", "washington", "eu", "moscow", "opposition"]
INSTRUMENTS = ["belavia", "embassy", "potash", "petroleum", "airspace_belavia", "potash_transit", "sectoral_packages"]


def run(*args, env=None, real=False):
    """`qpq ARGS`: in this process, or (`real`) the installed executable in a subprocess."""
    if real:
        return subprocess.run([qpq(), *args], capture_output=True, text=True, env=env, timeout=300)
    return in_process(list(args), cwd=os.getcwd())


def test_qpq_run_writes_every_file_and_column(tmp_path, env):
    out = tmp_path / "thaw"
    done = run(
        "run", "scenario=thaw", "engine.worlds=60", "engine.rounds=14", "engine.seed=7", f"hydra.run.dir={out}", env=env
    )
    assert done.returncode == 0, done.stderr
    assert str(out) in done.stdout
    rounds = pd.read_parquet(out / "rounds.parquet")
    expected = (
        ["world", "round", "date", "prisoners_held"]
        + [f"prisoners_{t}" for t in TIERS]
        + [
            "arrests",
            "released_deal",
            "released_pardon",
            "released_completion",
            "sanctions_cost",
            "us_engaged",
            "moscow_pressure",
            "mobilisation",
        ]
        + [f"utility_{a}" for a in ACTORS]
        + [f"instrument_{i}" for i in INSTRUMENTS]
    )
    assert set(expected) <= set(rounds.columns)
    assert len(rounds) == 60 * 14 and rounds["date"].min() == pd.Timestamp("2025-07-01")
    assert set(rounds["instrument_potash"].astype(str)) <= {"imposed", "lifted", "suspended"}
    worlds = pd.read_parquet(out / "worlds.parquet")
    expected = (
        ["world", "total_released", "total_arrested", "net_change", "first_deal_round", "deals"]
        + [f"lifted_{i}" for i in INSTRUMENTS]
        + [f"utility_{a}" for a in ACTORS]
    )
    assert set(expected) <= set(worlds.columns) and len(worlds) == 60
    events = pd.read_csv(out / "events.csv")
    assert list(events.columns) == ["world", "round", "date", "actor", "kind", "text"]
    assert {"visit", "offer", "deal", "pardon"} <= set(events["kind"])
    for figure in ("prisoners_held.png", "instruments.png", "sanctions_cost.png"):
        assert (out / "figures" / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = (out / "summary.md").read_text()
    assert "thaw" in summary and "figures/prisoners_held.png" in summary and "World 0, first 12 months" in summary
    assert (
        "scenario: thaw" in (out / ".hydra" / "overrides.yaml").read_text()
        or "scenario=thaw" in (out / ".hydra" / "overrides.yaml").read_text()
    )
    assert "engine:" in (out / ".hydra" / "config.yaml").read_text()
    # qpq plot redraws the same figures from the tables alone.
    again = run("plot", str(out), "--out", str(tmp_path / "redrawn"), env=env)
    assert again.returncode == 0, again.stderr
    for figure in ("prisoners_held.png", "instruments.png", "sanctions_cost.png"):
        assert (tmp_path / "redrawn" / figure).read_bytes() == (out / "figures" / figure).read_bytes()


def test_qpq_scenarios_lists_both_with_descriptions(env):
    done = run("scenarios", env=env)
    assert done.returncode == 0
    lines = dict(line.split(None, 1) for line in done.stdout.strip().splitlines())
    assert {"thaw", "freeze"} <= set(lines) and "relief never comes" in lines["freeze"]


@pytest.mark.parametrize(
    "override,key,allowed",
    [
        ("engine.worlds=-5", "engine.worlds", ">= 1"),
        ("engine.worlds=abc", "engine.worlds", "integer"),
        ("scenario=nope", "scenario", "freeze, freeze_2023, thaw"),
        ("engine.wolds=10", "engine.wolds", "worlds, rounds, seed, start"),
        ("actors.minsk.discount=1.5", "actors.minsk.discount", "< 1"),
        ("actors.washington.utility._target_=no.such.function", "actors.washington.utility", "not a trusted module"),
        (
            "actors.washington.strategy={_target_: quidproquo.strategies.linear, exponent: 2}",
            "actors.washington.strategy",
            "exponent",
        ),
    ],
)
def test_config_mistakes_are_one_line_with_exit_code_2(tmp_path, env, override, key, allowed):
    out = tmp_path / "run"
    done = run("run", override, f"hydra.run.dir={out}", env=env, real=override == "engine.worlds=-5")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert key in lines[0] and allowed in lines[0]
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_outputs_are_ordinary_readable_files(tmp_path, env):
    out = tmp_path / "perm"
    done = run("run", "scenario=freeze", "engine.worlds=5", "engine.rounds=3", f"hydra.run.dir={out}", env=env)
    assert done.returncode == 0, done.stderr
    for name in ("rounds.parquet", "worlds.parquet", "events.csv", "summary.md", "figures/prisoners_held.png"):
        assert (out / name).stat().st_mode & 0o044 == 0o044, name  # group and others may read


@pytest.mark.parametrize(
    "command", ["run", "sweep", "compare", "rerun", "plot", "scenarios", "params", "theory", "calibrate", "dashboard"]
)
def test_every_command_answers_help_with_usage_and_at_least_two_examples(command, env):
    done = run(command, "--help", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: qpq {command}")
    examples = done.stdout.split("examples:")[1].strip().splitlines()
    assert 2 <= len(examples) <= 4 and all(line.strip().startswith(f"qpq {command}") for line in examples)


def test_qpq_help_lists_every_command_and_version_names_the_release(env):
    from quidproquo import __version__
    from quidproquo.cli import COMMANDS

    listed = run("--help", env=env, real=True)
    assert listed.returncode == 0 and all(c.name in listed.stdout for c in COMMANDS)
    version = run("--version", env=env, real=True)
    assert version.returncode == 0 and version.stdout.strip() == f"qpq {__version__}"


def test_qpq_params_lists_every_key_with_default_range_and_meaning(env):
    done = run("params", env=env)
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines()[1:]}
    assert "actors.minsk.gesture_rate" in lines and "0.0422" in lines["actors.minsk.gesture_rate"]
    assert (
        ">= 0 and <= 1" in lines["actors.washington.engagement"]
        and "envoy visit" in lines["actors.washington.engagement"]
    )
    assert "washington, eu" in lines["goods.instruments.*.sender"]
    minsk = run("params", "actors.minsk", env=env)
    assert minsk.returncode == 0 and all(
        line.split()[0].startswith("actors.minsk.") for line in minsk.stdout.splitlines()[1:]
    )
    wrong = run("params", "actors.kremlin", env=env)
    assert wrong.returncode == 2 and "no such group" in wrong.stderr


def test_qpq_run_prints_its_folder_and_summary_and_the_summary_lists_the_overrides(tmp_path, env):
    out = tmp_path / "r"
    done = run(
        "run",
        "scenario=freeze",
        "engine.worlds=5",
        "engine.rounds=3",
        "actors.minsk.clemency=0.5",
        f"hydra.run.dir={out}",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert f"summary -> {out / 'summary.md'}" in done.stdout
    summary = (out / "summary.md").read_text()
    assert "`actors.minsk.clemency=0.5`" in summary and "`engine.worlds=5`" in summary


def test_qpq_compare_refuses_hydra_run_dir_with_a_hint(tmp_path, env):
    done = run("compare", "thaw", "freeze", f"hydra.run.dir={tmp_path / 'x'}", env=env)
    assert done.returncode == 2 and "--out" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


def test_importing_the_cli_loads_none_of_the_heavy_libraries(env):
    """`qpq --help` answers in well under a second (benchmarks/startup.py times it): the cli imports
    Hydra, pandas, Mesa, SciPy and matplotlib only in the command that needs them."""
    import sys

    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import quidproquo.cli"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    loaded = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    heavy = {"mesa", "scipy", "matplotlib", "pandas", "hydra", "omegaconf", "numpy"} & loaded
    assert not heavy, f"import quidproquo.cli loads {sorted(heavy)}"


def test_the_cli_knows_calibrates_budgets_without_importing_it():
    from quidproquo import cli
    from quidproquo.experiments.calibrate import BUDGETS

    assert tuple(BUDGETS) == cli.BUDGETS
