"""Pinned numbers: the reference runs give exactly the tables recorded in `reference_hashes.json`.

A refactor must leave every digest unchanged. A model change that moves numbers on purpose
rewrites the file (`python tests/engine/reference_runs.py --write`) in the same commit.
"""

import json

import pytest
from reference_runs import HASHES, RUNS, digest

PINNED = json.loads(HASHES.read_text())


def test_every_reference_run_is_pinned():
    assert sorted(PINNED) == sorted(RUNS)


@pytest.mark.parametrize("name", sorted(RUNS))
def test_reference_run_gives_its_pinned_tables(name):
    assert digest(RUNS[name]) == PINNED[name], f"{name}: tables changed (overrides {' '.join(RUNS[name])})"
