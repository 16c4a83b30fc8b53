"""The package layout (issue 19), checked from the import graph: packages by concern, each importing
only the ones below it, no import cycle, and at the top only the modules users name.

The graph is every `import` of a quidproquo module anywhere in a file -- at the top or inside a
function (a deferred import is a dependency all the same) -- read with `ast`, not by importing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "quidproquo"
# A package may import the packages of a lower level, never one of its own level or above:
# the configuration at the bottom; a run folder's life and the month beside each other; what
# researchers run on the month; the people at the table; the command line over everything.
LEVELS = {"config": 0, "runs": 1, "engine": 1, "experiments": 2, "teaching": 3, "cli": 4}
# The modules at the top that users name (scenarios name quidproquo.utility.* and
# quidproquo.strategies.* in `_target_`): anyone may import them, and they import no package.
NAMED = {"utility", "strategies", "labels"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(source: Path = SOURCE) -> dict[str, set[str]]:
    """Each module of the package -> the package's modules it imports (a name imported from a
    package is the submodule of that name, where there is one)."""
    paths = {module_name(p): p for p in source.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(
                        [*package.split(".")[: len(package.split(".")) - node.level + 1], *filter(None, [base])]
                    )
                found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in paths else base for a in node.names}
        graph[name] = {m for m in found if m in paths and m != name}
    return graph


def area(module: str) -> str:
    """The package a module belongs to (`engine`, `config`, ...), or its own name at the top."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles: each strongly connected set of two or more modules (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v), on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while not group or group[-1] != v:
                group.append(stack.pop())
                on.discard(group[-1])
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def upward(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports against the levels: a package's module importing a package of its own level or
    above, or a named module importing any package."""
    wrong = []
    for module, imported in graph.items():
        here = area(module)
        for target in imported:
            there = area(target)
            if there == here or there in NAMED or there == "__init__":
                continue
            if here in NAMED or (here in LEVELS and LEVELS[there] >= LEVELS[here]):
                wrong.append((module, target))
    return sorted(wrong)


def test_no_import_cycle_and_no_import_against_the_levels():
    graph = import_graph()
    assert {area(m) for m in graph} <= {*LEVELS, *NAMED, "__init__"}
    assert cycles(graph) == []
    assert upward(graph) == []


def test_at_the_top_only_the_modules_users_name():
    loose = {p.stem for p in SOURCE.glob("*.py")} - {"__init__"}
    assert loose == {"cli", *NAMED}
    assert {p.name for p in SOURCE.iterdir() if p.is_dir() and (p / "__init__.py").exists()} == set(LEVELS) - {"cli"}


@pytest.mark.parametrize(
    "graph, found",
    [
        ({"quidproquo.engine.model": {"quidproquo.experiments.plots"}, "quidproquo.experiments.plots": set()},
         ("upward", [("quidproquo.engine.model", "quidproquo.experiments.plots")])),
        ({"quidproquo.runs.storage": {"quidproquo.engine.model"}, "quidproquo.engine.model": set()},
         ("upward", [("quidproquo.runs.storage", "quidproquo.engine.model")])),
        ({"quidproquo.labels": {"quidproquo.config.schema"}, "quidproquo.config.schema": set()},
         ("upward", [("quidproquo.labels", "quidproquo.config.schema")])),
        ({"quidproquo.config.a": {"quidproquo.config.b"}, "quidproquo.config.b": {"quidproquo.config.a"}},
         ("cycles", [["quidproquo.config.a", "quidproquo.config.b"]])),
        ({"quidproquo.cli": {"quidproquo.engine.model"}, "quidproquo.engine.model": {"quidproquo.utility"},
          "quidproquo.utility": set()}, ("both", [])),
    ],
)  # fmt: skip
def test_the_checks_find_an_upward_import_and_a_cycle(graph, found):
    kind, expected = found
    if kind == "upward":
        assert upward(graph) == expected and cycles(graph) == []
    elif kind == "cycles":
        assert cycles(graph) == expected
    else:
        assert upward(graph) == [] and cycles(graph) == []


def test_the_graph_holds_a_deferred_import():
    graph = import_graph()
    assert "quidproquo.experiments.runner" in graph["quidproquo.cli"]  # cli imports it inside a function


def test_the_bands_quantile_levels_are_written_in_one_place():
    """experiments/bands.py holds the 5, 25, 50, 75 and 95% levels every table and figure reports:
    no call of a `quantile` function elsewhere writes one of them as a number."""
    levels = {0.05, 0.25, 0.5, 0.75, 0.95}
    written = []
    for path in SOURCE.rglob("*.py"):
        if path == SOURCE / "experiments" / "bands.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            name = getattr(node, "func", None)
            name = getattr(name, "attr", getattr(name, "id", ""))
            if isinstance(node, ast.Call) and name.endswith("quantile"):
                for arg in (*node.args, *(k.value for k in node.keywords)):
                    numbers = {c.value for c in ast.walk(arg) if isinstance(c, ast.Constant)}
                    if numbers & levels:
                        written.append(f"{path.relative_to(SOURCE)}:{node.lineno}")
    assert written == []
