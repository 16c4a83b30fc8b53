"""Calibration to the Belarus record and the calibrated scenario's fit."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from quidproquo.config import load, value_of, with_changes
from quidproquo.engine.model import BargainingModel
from quidproquo.experiments import calibrate
from tests_support import ROOT, in_process


def test_the_observed_figures_are_read_from_the_data():
    obs = calibrate.observed(pd.Period("2024-07", freq="M"))
    assert obs.initial == 1409  # political_prisoners.csv 2024-07-03
    assert list(obs.counts.political_prisoners) == [1391, 1376, 1317, 1299, 1250, 1244, 1234, 1183]
    assert list(obs.counts["round"]) == [0, 1, 2, 3, 5, 6, 7, 10]  # 2025-06-03 is the stock at the end of May
    assert obs.pardons == {"2024H2": 227.0, "2025H1": 73.0}
    assert (obs.visit_releases, obs.visit_months) == (18.0, 3.0)
    assert obs.arrests_mean == pytest.approx((63 + 52 + 46 + 35 + 18 + 39) / 6)


def test_a_fitted_parameter_set_by_an_event_changes_the_event():
    base = load(["scenario=belarus_2025"])
    engagement = next(p for p in calibrate.PARAMETERS if p.name == "engagement_2025")
    cfg = with_changes(base, {engagement.key: 0.8})
    assert cfg.actors.washington.engagement == 0.0  # before 2025: no envoys
    assert value_of(cfg, engagement.key) == 0.8 and value_of(base, engagement.key) == 0.35


def calibrate_small(out: Path, scenario_dir: Path, env) -> subprocess.CompletedProcess:
    """`qpq calibrate --budget small --out OUT --write-scenario SCENARIO_DIR`, as a user runs it."""
    return in_process(
        ["calibrate", "--budget", "small", "--out", str(out), "--write-scenario", str(scenario_dir)],
        cwd=os.getcwd(),
        env={k: v for k, v in env.items() if os.environ.get(k) != v},  # what `env` sets beyond this process's
    )


def test_qpq_calibrate_runs_end_to_end_and_its_scenario_runs(tmp_path, env):
    conf = tmp_path / "myconf"
    (conf / "scenario").mkdir(parents=True)  # --write-scenario's folder must exist
    out = calibrate_small(tmp_path / "cal", conf / "scenario", env)
    assert out.returncode == 0, out.stderr
    scenario = conf / "scenario" / "belarus_2025_calibrated.yaml"
    for name in (
        "forecast.png",
        "calibration.md",
        "parameters.csv",
        "moments.csv",
        "belarus_2025_calibrated.yaml",
        "done.json",
    ):
        assert (tmp_path / "cal" / name).stat().st_size > 0
    assert scenario.read_bytes() == (tmp_path / "cal" / "belarus_2025_calibrated.yaml").read_bytes()
    fitted = pd.read_csv(tmp_path / "cal" / "parameters.csv")
    assert list(fitted.parameter) == [p.name for p in calibrate.PARAMETERS]
    assert ((fitted.value >= fitted.low) & (fitted.value <= fitted.high)).all() and (fitted.se >= 0).all()
    body = yaml.safe_load(scenario.read_text())
    assert body["name"] == "belarus_2025_calibrated"
    inflow = fitted.set_index("parameter").value["inflow"]
    assert body["goods"]["prisoners"]["rank_and_file"]["inflow"] == pytest.approx(inflow, abs=1e-6)
    run = in_process(
        [
            "run",
            f"hydra.searchpath=[file://{conf}]",
            "scenario=belarus_2025_calibrated",
            "engine.worlds=20",
            f"hydra.run.dir={tmp_path / 'run'}",
        ],
        cwd=os.getcwd(),
    )
    assert run.returncode == 0, run.stderr
    worlds = pd.read_parquet(tmp_path / "run" / "worlds.parquet")
    assert len(worlds) == 20


def test_qpq_calibrate_rejects_an_unknown_budget(env, tmp_path):
    out = in_process(["calibrate", "--budget", "huge", "--out", str(tmp_path / "cal")], cwd=os.getcwd())
    assert out.returncode == 2 and out.stderr.strip() == "qpq: error: --budget='huge': allowed: default, small"
    assert not (tmp_path / "cal").exists()


def test_the_calibrated_scenario_covers_the_observed_counts_in_its_90_percent_band():
    assert (ROOT / "scenarios" / "belarus_2025_calibrated.yaml").exists()
    model = BargainingModel(config=load(["scenario=belarus_2025_calibrated", "engine.worlds=1000"])).run()
    obs = calibrate.observed(model.start)
    held = model.recorder.prisoners.sum(axis=2)  # (rounds, worlds)
    for r, count in zip(obs.counts["round"], obs.counts.political_prisoners):
        low, high = np.quantile(held[r], [0.05, 0.95])
        assert low <= count <= high, f"round {r}: observed {count} outside the 90% band {low:.0f}-{high:.0f}"


def test_missing_calibration_data_is_a_one_line_error(tmp_path, env):
    env = {**env, "QPQ_DATA": str(tmp_path / "nowhere")}
    (tmp_path / "scen").mkdir()
    out = calibrate_small(tmp_path / "cal", tmp_path / "scen", env)
    assert out.returncode == 2, out.stderr
    assert out.stderr.strip().startswith("qpq: error: calibration data:") and "political_prisoners.csv" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "cal").exists() and list((tmp_path / "scen").iterdir()) == []


def test_qpq_calibrate_leaves_a_checkout_clean(tmp_path, env):
    """Issue 24 item 4: after `qpq calibrate --budget small` in a checkout, `git status --porcelain`
    is empty (its run folder is under runs/, which git ignores; the tracked scenario is untouched)."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    env = {k: v for k, v in env.items() if k not in ("QPQ_CONF", "QPQ_DATA")}
    done = subprocess.run(
        [sys.executable, "-m", "quidproquo.cli", "calibrate", "--budget", "small"],
        cwd=clone,
        env={**env, "PYTHONPATH": str(clone / "src")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert str(clone / "scenarios") not in done.stdout and "runs/calibrate/" in done.stdout
    folders = list((clone / "runs" / "calibrate").iterdir())
    assert (
        len(folders) == 1
        and (folders[0] / "done.json").exists()
        and (folders[0] / "belarus_2025_calibrated.yaml").exists()
    )
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True
    ).stdout
    assert status == "", status
