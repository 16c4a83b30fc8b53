"""Reference runs: small runs whose tables are pinned by hash, so a refactor provably changes no number.

`python tests/engine/reference_runs.py --write` records the digests in `reference_hashes.json`; the test
`test_reference_runs.py` recomputes them. A change to the model that *should* change numbers
rewrites the file in the same commit, and the commit message says why.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HASHES = Path(__file__).with_name("reference_hashes.json")

RUNS: dict[str, list[str]] = {
    "thaw": ["scenario=thaw", "engine.worlds=150", "engine.seed=3"],
    "freeze": ["scenario=freeze", "engine.worlds=150", "engine.seed=3"],
    "belarus_2025": ["scenario=belarus_2025", "engine.worlds=150", "engine.seed=1"],
    "belarus_2025_calibrated": ["scenario=belarus_2025_calibrated", "engine.worlds=150", "engine.seed=2"],
    "rubinstein": ["scenario=theory/rubinstein", "engine.worlds=3"],
    "nash": ["scenario=theory/nash", "engine.worlds=3", "actors.minsk.reservation=0.1"],
    "time_dependent": ["scenario=theory/time_dependent", "engine.worlds=2"],
    "thaw_nash_protocol": ["scenario=thaw", "engine.worlds=120", "bargaining.protocol=nash", "engine.seed=4"],
    "thaw_staged_relief": [
        "scenario=thaw",
        "engine.worlds=120",
        "bargaining.verification_lag=2",
        "actors.washington.engagement=0.8",
    ],
    "thaw_hostage_market": [
        "scenario=thaw",
        "engine.worlds=120",
        "actors.minsk.hostage_elasticity=0.6",
        "actors.washington.channel_value=80",
        "actors.opposition.lobbying=0.6",
    ],
    "thaw_eu_doves": [
        "scenario=thaw",
        "engine.worlds=120",
        "actors.eu.members.HU.veto_renewal=0.5",
        "actors.eu.members.HU.threshold=0.05",
        "actors.eu.members.SK.threshold=0.05",
        "actors.eu.members.PL.threshold=0.05",
        "actors.eu.members.LT.threshold=0.05",
        "actors.eu.members.LV.threshold=0.05",
        "actors.eu.members.DE.threshold=0.05",
        "actors.eu.members.FR.threshold=0.05",
    ],
}


def digest(overrides: list[str]) -> str:
    """SHA-256 of a run's rounds, worlds, events and offers tables as CSV text."""
    from quidproquo.config import load
    from quidproquo.engine.model import BargainingModel

    model = BargainingModel(config=load(overrides)).run()
    recorder = model.recorder
    sha = hashlib.sha256()
    for table in (
        recorder.rounds_table(model),
        recorder.worlds_table(model),
        model.events.table(),
        recorder.offers_table(),
    ):
        sha.update(table.to_csv(index=False).encode())
    return sha.hexdigest()


def digests() -> dict[str, str]:
    return {name: digest(overrides) for name, overrides in RUNS.items()}


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        HASHES.write_text(json.dumps(digests(), indent=2) + "\n")
        print(f"wrote {HASHES}")
    else:
        for name, value in digests().items():
            print(name, value)
