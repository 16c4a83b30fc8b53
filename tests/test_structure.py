"""The architecture's own rules, checked: one contract for a side at the table, one owner of the
instruments' states."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from quidproquo.bargaining import Side
from quidproquo.dashboard.play import Seat
from quidproquo.divisible import Claimant
from quidproquo.menu import Negotiator

SOURCE = Path(__file__).resolve().parents[1] / "src" / "quidproquo"
QUESTIONS = [name for name, member in vars(Side).items() if callable(member) and not name.startswith("_")] + ["aspiration"]


@pytest.mark.parametrize("side", [Negotiator, Claimant, Seat], ids=lambda c: c.__name__)
def test_every_side_at_the_table_declares_the_protocol_and_answers_every_question(side):
    assert Side in side.__mro__, f"{side.__name__} does not declare bargaining.Side"
    for question in QUESTIONS:
        owner = next(klass for klass in side.__mro__ if question in vars(klass))
        assert owner is not Side, f"{side.__name__}.{question} is the protocol's empty stub"
    assert {"offer", "value", "accepts", "zone", "nash_point", "target", "rows"} <= set(QUESTIONS)


STATE = ("state", "pending", "listings")


def writes_to_instrument_state(source: str) -> list[int]:
    """Lines that assign to (or augment) `<something>.state[...]`, `.pending`, `.listings`."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AugAssign) else []
        for target in targets:
            while isinstance(target, ast.Subscript):
                target = target.value
            if isinstance(target, ast.Attribute) and target.attr in STATE and not (
                    isinstance(target.value, ast.Name) and target.value.id == "self"):
                lines.append(node.lineno)
    return lines


def test_only_instruments_changes_an_instruments_state():
    offenders = {}
    for path in SOURCE.rglob("*.py"):
        if path.name == "instruments.py":
            continue
        lines = writes_to_instrument_state(path.read_text())
        if lines:
            offenders[str(path.relative_to(SOURCE))] = lines
    assert offenders == {}


def test_the_state_check_sees_a_write():
    assert writes_to_instrument_state("model.instruments.state[rows, 2] = 1\nx.pending[0] += 3\n") == [1, 2]
    assert writes_to_instrument_state("self.state[rows] = 1\nstate = m.instruments.state[0]\n") == []


def test_the_model_the_actors_and_the_config_stay_small_enough_to_read():
    """One concept a file: the round's orchestration, each actor and each part of the config
    fit on a few screens (issue 10's limits)."""
    limits = {SOURCE / "model.py": 220, **{p: 200 for p in (SOURCE / "actors").glob("*.py")},
              **{p: 250 for p in (SOURCE / "config").glob("*.py")}}
    too_long = {str(p.relative_to(SOURCE)): n for p, limit in limits.items() if (n := len(p.read_text().splitlines())) >= limit}
    assert too_long == {}
