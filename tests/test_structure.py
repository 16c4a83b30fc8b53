"""The architecture's own rules, checked: one contract for a side at the table, one owner of the
instruments' states."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from quidproquo.engine.bargaining import Side
from quidproquo.teaching.play import Seat
from quidproquo.engine.divisible import Claimant
from quidproquo.engine.menu import Negotiator

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
    limits = {SOURCE / "engine" / "model.py": 220, **{p: 200 for p in (SOURCE / "engine" / "actors").glob("*.py")},
              **{p: 250 for p in (SOURCE / "config").glob("*.py")}}
    too_long = {str(p.relative_to(SOURCE)): n for p, limit in limits.items() if (n := len(p.read_text().splitlines())) >= limit}
    assert too_long == {}


# ------------------------------------------------------------------------- the import graph
# Which package may import which (every import, at module level or in a function): imports go
# one way, down the layers; `utility`, `strategies` and `labels` are leaves; nothing imports cli.
MAY_IMPORT = {
    "config": set(),
    "runs": {"config", ""},
    "engine": {"config", ""},
    "experiments": {"engine", "runs", "config", "labels", "utility", "strategies", ""},
    "teaching": {"experiments", "engine", "runs", "config", "labels", "utility", "strategies", ""},
    "cli": {"teaching", "experiments", "engine", "runs", "config", "labels", "utility", "strategies", ""},
    "utility": set(), "strategies": set(), "labels": set(),
    "": {"engine"},  # the package's __init__ loads BargainingModel on first use
}
TOP = {"cli", "utility", "strategies", "labels", "__init__"}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(SOURCE.parent).with_suffix("").parts).removesuffix(".__init__")


def imports() -> dict[str, set[str]]:
    """Every quidproquo module -> the quidproquo modules it imports (function-level imports too)."""
    known = {module_name(p) for p in SOURCE.rglob("*.py")}
    out = {}
    for path in SOURCE.rglob("*.py"):
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "quidproquo":
                for alias in node.names:  # `from quidproquo.runs import storage` imports a module
                    found.add(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known else node.module)
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.split(".")[0] == "quidproquo"}
        out[module_name(path)] = found
    return out


def package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_only_what_users_name_lives_at_the_top():
    loose = {p.stem for p in SOURCE.glob("*.py")} - TOP
    assert loose == set()
    assert {p.name for p in SOURCE.iterdir() if p.is_dir() and not p.name.startswith("_")} == {
        "engine", "experiments", "teaching", "runs", "config"}


def test_imports_go_one_way():
    wrong = sorted(f"{m} -> {t}" for m, ts in imports().items() for t in ts
                   if package(t) != package(m) and package(t) not in MAY_IMPORT[package(m)])
    assert wrong == []


def test_no_import_cycle():
    graph = imports()
    cycles = []

    def visit(node, path):
        for nxt in sorted(graph.get(node, ())):
            if nxt in path:
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in done:
                visit(nxt, path + [nxt])
        done.add(node)

    done: set[str] = set()
    for start in sorted(graph):
        if start not in done:
            visit(start, [start])
    assert cycles == []


def test_the_import_checks_see_a_wrong_import():
    assert package("quidproquo.engine.model") == "engine" and package("quidproquo") == ""
    assert "experiments" not in MAY_IMPORT["engine"]
