"""The architecture's own rules, checked: one contract for a side at the table, one owner of the
instruments' states."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

from quidproquo.engine.bargaining import Side
from quidproquo.engine.divisible import Claimant
from quidproquo.engine.menu import Negotiator
from quidproquo.teaching.play import Seat

SOURCE = Path(__file__).resolve().parents[1] / "src" / "quidproquo"
QUESTIONS = [name for name, member in vars(Side).items() if callable(member) and not name.startswith("_")] + [
    "aspiration"
]


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
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AugAssign) else []
        )
        for target in targets:
            while isinstance(target, ast.Subscript):
                target = target.value
            if (
                isinstance(target, ast.Attribute)
                and target.attr in STATE
                and not (isinstance(target.value, ast.Name) and target.value.id == "self")
            ):
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


def statements(source: str) -> int:
    """How many statements a module has (a docstring or a call spread over many lines is one):
    its size as a reader meets it, whatever line length the formatter wraps at."""
    return sum(token.type == tokenize.NEWLINE for token in tokenize.generate_tokens(io.StringIO(source).readline))


def test_the_statement_count_ignores_how_lines_are_wrapped():
    assert statements("x = 1\ny = f(\n    2,\n    3,\n)\n") == statements("x = 1\ny = f(2, 3)\n") == 2
    assert statements('"""A docstring\nof two lines."""\n# a comment\n') == 1


def test_the_model_the_actors_and_the_config_stay_small_enough_to_read():
    """One concept a file: the round's orchestration, each actor and each part of the config
    fit on a few screens (issue 10's limits, counted in statements since issue 19 made the
    formatter own line breaks)."""
    limits = {
        SOURCE / "engine" / "model.py": 160,
        **dict.fromkeys((SOURCE / "engine" / "actors").glob("*.py"), 140),
        **dict.fromkeys((SOURCE / "config").glob("*.py"), 200),
    }
    too_long = {
        str(p.relative_to(SOURCE)): n for p, limit in limits.items() if (n := statements(p.read_text())) >= limit
    }
    assert too_long == {}
