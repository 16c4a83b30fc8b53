"""The posterior fitted to the record to 2025-12 reproduces it in sample (issue 21's check):
every count and the per-event record inside their 90% bands, no US relief before 2025-07 in at
least 70% of worlds."""

from __future__ import annotations

import pandas as pd

from quidproquo import cli


def test_the_posterior_to_2025_12_holds_the_record_in_sample(tmp_path):
    out = tmp_path / "post"
    cli.main(["calibrate", "--posterior", "--until", "2025-12", "--out", str(out)])
    checks = pd.read_csv(out / "checks.csv")
    assert set(checks.kind) == {"moment", "visit month", "release size", "first relief (round)"}
    assert (checks.kind == "release size").sum() == 6  # the six envoy releases of 2025
    assert checks.in_90.all(), checks[~checks.in_90].to_string()
    text = (out / "posterior.md").read_text()
    share = float(text.split("No US relief\nbefore 2025-07 in **")[1].split("%")[0]) / 100
    assert share >= 0.70
    for name in ("prior.csv", "posterior.csv", "parameters.csv", "generations.csv"):
        assert (out / name).stat().st_size > 0
