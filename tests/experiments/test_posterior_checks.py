"""The posterior fitted to the record to 2025-12 reproduces it in sample (issue 21's check):
every count and the per-event record inside their 90% bands, no US relief before 2025-07 in at
least 70% of worlds, and deals of every size from one person to past 150."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from quidproquo import cli
from quidproquo.config import load
from quidproquo.experiments import posterior as abc
from quidproquo.experiments.posterior_checks import BASE


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("posterior") / "post"
    cli.main(["calibrate", "--posterior", "--until", "2025-12", "--out", str(folder)])
    return folder


def test_the_posterior_to_2025_12_holds_the_record_in_sample(out):
    checks = pd.read_csv(out / "checks.csv")
    assert set(checks.kind) == {"moment", "visit month", "release size", "first relief (round)"}
    assert (checks.kind == "release size").sum() == 6  # the six envoy releases of 2025
    assert checks.in_90.all(), checks[~checks.in_90].to_string()
    text = (out / "posterior.md").read_text()
    share = float(text.split("No US relief\nbefore 2025-07 in **")[1].split("%")[0]) / 100
    assert share >= 0.70
    for name in ("prior.csv", "posterior.csv", "parameters.csv", "generations.csv"):
        assert (out / name).stat().st_size > 0


def test_a_calibrated_run_has_deals_of_every_size_from_one_person_to_past_150(out):
    particles = pd.read_csv(out / "posterior.csv")
    theta = particles[[p.name for p in abc.PRIOR]].to_numpy()
    pick = np.random.default_rng(0).choice(len(theta), size=2000, p=particles.weight / particles.weight.sum())
    model = abc.simulate(load([f"scenario={BASE}"]), theta[pick], first=10**6, rounds=18)
    sizes = model.recorder.released_deal[model.recorder.released_deal > 0]
    assert sizes.min() == 1 and sizes.max() >= 150
    assert np.unique(sizes).size > 100  # not a few fixed sizes
