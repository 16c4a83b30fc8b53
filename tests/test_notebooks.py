"""The seminar notebooks run from top to bottom, draw their figures, and are committed clean.

Each notebook is executed with nbclient in a kernel on this interpreter, in a temporary folder
(nothing lands in the repository), with the `quidproquo` this test imports first on the
kernel's path, so a notebook never runs against another copy of the package.
"""

import fcntl
import json
import os
import re
import sys
from pathlib import Path

import pytest

import quidproquo
from tests_support import ROOT

# nbformat, nbclient and jupyter_client are imported where they are used: every xdist worker
# imports this file to collect it, and `make test-fast` then deselects all of it (seconds a worker).

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SEMINAR = {
    "01_two_actor_bargaining.ipynb",
    "02_five_actors_one_world.ipynb",
    "03_thaw_vs_freeze.ipynb",
    "04_what_drives_the_outcome.ipynb",
}


def kernel_env() -> dict:
    package_parent = str(Path(quidproquo.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([package_parent, *filter(None, [env.get("PYTHONPATH")])])
    env.pop("MPLBACKEND", None)  # the notebook chooses its backend itself (%matplotlib inline)
    return env


def this_interpreter(folder: Path):
    """A kernel manager whose only kernel is ipykernel on this interpreter.

    A "python3" kernelspec in the user's Jupyter folders may name another Python; a spec of our
    own, in a folder of our own, cannot.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = folder / "kernels" / "this-python"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "this interpreter",
                "language": "python",
            }
        )
    )
    specs = KernelSpecManager(kernel_dirs=[str(folder / "kernels")], ensure_native_kernel=False)
    return KernelManager(kernel_name="this-python", kernel_spec_manager=specs)


@pytest.fixture(scope="session")
def executed(tmp_path_factory):
    """Execute each notebook once per test run (on first use) and keep the executed copy, or its error.

    The tests of this file run on several xdist workers; the first to need a notebook executes it
    while holding a lock, and the others read what it wrote, so no notebook runs twice."""
    import nbformat
    from nbclient import NotebookClient

    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's folder sits in the run's folder, which its workers share.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    done = {}

    def run(path: Path):
        if path.name not in done:
            copy, failure = shared / f"{path.stem}.executed.ipynb", shared / f"{path.stem}.error.txt"
            with open(shared / f"{path.stem}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not copy.exists() and not failure.exists():
                    notebook = nbformat.read(path, as_version=4)
                    folder = tmp_path_factory.mktemp(path.stem)
                    client = NotebookClient(
                        notebook,
                        km=this_interpreter(folder),
                        timeout=240,
                        resources={"metadata": {"path": str(folder)}},
                    )
                    try:
                        client.execute(env=kernel_env())  # a cell that raises fails here, naming the cell
                        nbformat.write(notebook, copy)
                    except Exception as error:
                        failure.write_text(f"{type(error).__name__}: {error}")
            done[path.name] = nbformat.read(copy, as_version=4) if copy.exists() else RuntimeError(failure.read_text())
        if isinstance(done[path.name], Exception):
            raise done[path.name]
        return done[path.name]

    return run


def outputs(notebook, mime: str | None = None):
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if mime is None or mime in output.get("data", {}):
                yield cell, output


def text_of(notebook) -> str:
    """Everything a reader sees as text: printed lines and the text form of tables."""
    parts = []
    for _, output in outputs(notebook):
        parts.append(output.get("text", "") + output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_the_seminar_notebooks_are_all_there():
    assert {p.name for p in NOTEBOOKS} >= SEMINAR


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_carry_no_outputs_and_no_execution_counts(path):
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code, "a notebook with no code"
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_runs_without_errors_draws_figures_and_asks_questions(path, executed):
    notebook = executed(path)
    assert not [output for _, output in outputs(notebook) if output.get("output_type") == "error"]
    assert not [o for _, o in outputs(notebook) if o.get("name") == "stderr" and "Traceback" in o.get("text", "")]
    assert len(list(outputs(notebook, "image/png"))) >= 1
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert "## Questions for students" in markdown


def test_01_puts_the_engine_beside_rubinstein_and_nash(executed):
    notebook = executed(ROOT / "notebooks" / "01_two_actor_bargaining.ipynb")
    text = text_of(notebook)
    assert "spe" in text and "0.714286" in text  # the one offer of the default scenario, accepted
    largest = float(next(line for line in text.splitlines() if line.startswith("largest difference:")).split(":")[1])
    assert largest < 1e-9
    assert "CRRA η = 2.0" in text
    assert len(list(outputs(notebook, "image/png"))) == 2  # patience, deadlines


def test_02_steps_one_world_of_thaw_and_tells_it_in_plain_words(executed):
    notebook = executed(ROOT / "notebooks" / "02_five_actors_one_world.ipynb")
    text = text_of(notebook)
    for agent in ("Minsk", "Washington", "EU", "Moscow", "Opposition"):
        assert agent in text
    assert "envoy visit to Minsk" in text and "Washington proposes: release" in text
    assert "deal: Minsk releases" in text
    assert "qpq dashboard" in "\n".join(cell.source for cell in notebook.cells)
    # World 0's own account adds up: releases by channel sum to the total, net = arrests - releases.
    account = next(
        o["data"]["text/plain"]
        for _, o in outputs(notebook, "text/plain")
        if "released, all channels" in o["data"]["text/plain"]
    )
    number = {line.rsplit(None, 1)[0].strip(): float(line.rsplit(None, 1)[1]) for line in account.splitlines()[1:]}
    assert (
        number["released in deals"] + number["pardoned"] + number["sentences ended"] == number["released, all channels"]
    )
    assert number["new arrests"] - number["released, all channels"] == number["net change in prisoners held"]
    assert number["deals"] >= 1 and number["released in deals"] > 0
    assert len(list(outputs(notebook, "image/png"))) == 1  # world 0 over time


def test_03_finds_the_revolving_door_at_the_defaults(executed):
    notebook = executed(ROOT / "notebooks" / "03_thaw_vs_freeze.ipynb")
    text = text_of(notebook)
    assert "thaw frees" in text and "more prisoners per world than freeze" in text
    assert "prisoner-months" in text and "deal releases" in text and "opposition mobilisation" in text
    assert len(list(outputs(notebook, "image/png"))) == 4


def test_04_sweeps_a_grid_and_reports_sobol_indices(executed):
    notebook = executed(ROOT / "notebooks" / "04_what_drives_the_outcome.ipynb")
    text = text_of(notebook)
    assert "192 points" in text
    tables = [
        o["data"]["text/plain"] for _, o in outputs(notebook, "text/plain") if o["output_type"] == "execute_result"
    ]
    # The grid: with no envoy nothing is traded, so the hostage market cannot matter.
    grid = next(t for t in tables if t.startswith("actors.washington.engagement"))
    rows = [line.split() for line in grid.splitlines()[2:]]
    assert [float(row[0]) for row in rows] == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert len({row[1] for row in rows}) == 1  # the engagement = 0 column
    assert float(rows[0][4]) < float(rows[0][1]) < float(rows[-1][4])  # engagement helps without, hurts with the market
    # Sobol: four parameters with S1, ST and their intervals; the channel's value explains least.
    sobol = next(t for t in tables if "ST_conf" in t)
    total = {line.split()[0]: float(line.split()[3]) for line in sobol.splitlines()[1:]}
    assert set(total) == {
        "washington.engagement",
        "washington.channel_value",
        "minsk.hostage_elasticity",
        "minsk.goodwill",
    }
    assert min(total, key=total.get) == "washington.channel_value"
    assert len(list(outputs(notebook, "image/png"))) == 4


# ------------------------------------------------------------ the lesson plan against the notebooks
SEMINAR_PLAN = ROOT / "docs" / "seminar.md"


def number(text: str) -> float:
    """A number as the plan writes it: 1,035 / −154 / +52 / 0.526."""
    return float(text.replace(",", "").replace("−", "-").replace("+", ""))


def plan_table(heading: str) -> list[list[str]]:
    """The rows (cells stripped) of the first Markdown table after a heading line of the plan."""
    text = SEMINAR_PLAN.read_text()
    rest = text[text.index(heading) :].splitlines()
    start = next(i for i, line in enumerate(rest) if line.startswith("|"))
    rows = []
    for line in rest[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows[2:]  # past the header and the ---- line


def printed_table(notebook, first_line: str) -> list[list[str]]:
    """A table the notebook printed or displayed, found by its first line, split into words."""
    for _, output in outputs(notebook):
        text = output.get("text", "") + output.get("data", {}).get("text/plain", "")
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if line.strip().startswith(first_line):
                return [row.split() for row in lines[i:] if row.strip()]
    raise AssertionError(f"no printed table starts with {first_line!r}")


def test_the_plan_promises_the_rubinstein_splits_notebook_01_prints(executed):
    printed = printed_table(executed(ROOT / "notebooks" / "01_two_actor_bargaining.ipynb"), "δ₁")
    shown = {(row[0], row[1]): row for row in printed[1:]}
    plan = plan_table("*Expected observations* (from the formula")
    assert len(plan) == 5
    for d1, d2, x in plan:
        formula, engine = float(shown[(d1, d2)][2]), float(shown[(d1, d2)][3])
        assert formula == engine == number(x), (d1, d2, x, shown[(d1, d2)])


def test_the_plan_promises_world_0_as_notebook_02_prints_it(executed):
    notebook = executed(ROOT / "notebooks" / "02_five_actors_one_world.ipynb")
    account = next(
        o["data"]["text/plain"]
        for _, o in outputs(notebook, "text/plain")
        if "released, all channels" in o["data"]["text/plain"]
    )
    world = {line.rsplit(None, 1)[0].strip(): float(line.rsplit(None, 1)[1]) for line in account.splitlines()[1:]}
    text = " ".join(SEMINAR_PLAN.read_text().split())
    said = re.search(
        r"Over 36 months: ([\d,]+) released in deals, ([\d,]+) pardoned .*?, ([\d,]+) at the end of their "
        r"sentences \(([\d,]+) in all\) against ([\d,]+) new arrests — a net fall of ([\d,]+)",
        text,
    )
    assert said, "the plan's account of world 0 is not where the test looks for it"
    deals, pardoned, ended, released, arrests, fall = (number(g) for g in said.groups())
    assert (deals, pardoned, ended, released, arrests, -fall) == (
        world["released in deals"],
        world["pardoned"],
        world["sentences ended"],
        world["released, all channels"],
        world["new arrests"],
        world["net change in prisoners held"],
    )
    words = {"Eight": 8, "Seven": 7, "Nine": 9, "Ten": 10, "Six": 6}
    count = re.search(r"(\w+) deals in all", text).group(1)
    assert words.get(count, -1) == world["deals"]


def test_the_plan_promises_thaw_against_freeze_as_notebook_03_prints_it(executed):
    notebook = executed(ROOT / "notebooks" / "03_thaw_vs_freeze.ipynb")
    # pandas wraps the comparison: n .. difference first, then ci_low, ci_high, effect_size.
    wide = printed_table(notebook, "n  mean_a")
    split = next(i for i, row in enumerate(wide) if row[0] == "ci_low")
    intervals = {row[0]: row[1:] for row in wide[split + 2 :]}
    compared = {row[0]: row + intervals.get(row[0], []) for row in wide[2:split]}
    by_channel = {row[0]: row for row in printed_table(notebook, "thaw  freeze  thaw - freeze")[1:]}
    plan = {row[0]: row for row in plan_table("*Expected observations* (500 worlds, 36 months)")}

    def ci(cell):  # "373 (359 to 389)" -> (373, 359, 389)
        return tuple(number(x) for x in re.findall(r"[−+-]?[\d,.]+", cell))

    for said, outcome in (
        ("released, all channels", "total_released"),
        ("new arrests", "total_arrested"),
        ("net change in prisoners held", "net_change"),
    ):
        row = compared[outcome]  # outcome n mean_a mean_b median_a median_b difference ci_low ci_high effect
        assert (
            abs(number(plan[said][1]) - float(row[2])) <= 0.5 and abs(number(plan[said][2]) - float(row[3])) <= 0.5
        ), said
        for promised, printed in zip(ci(plan[said][3]), (row[6], row[7], row[8]), strict=True):
            assert abs(promised - float(printed)) <= 0.5, (said, plan[said], row)
    for said, outcome in (("of which in deals", "released_deal"), ("of which sentences ended", "released_completion")):
        assert [number(c) for c in plan[said][1:4]] == [float(x) for x in by_channel[outcome][1:4]], said
    assert number(plan["deals"][1]) == float(compared["deals"][2])

    mechanisms = printed_table(notebook, "measure                  held after 12 months")
    # Two printed blocks (12 and 24 months; then 36 months and prisoner-months), one row per mechanism.
    first = {" ".join(r[:-2]): r[-2:] for r in mechanisms[2:9]}
    second = {" ".join(r[:-2]): r[-2:] for r in mechanisms[11:18]}
    for row in plan_table("where it comes from (Shapley shares"):
        name = row[0]
        printed = [float(x) for x in [*first[name], *second[name]]]
        assert [number(c) for c in row[1:]] == printed, (name, row, printed)


def test_the_plan_promises_the_grid_and_the_sobol_indices_notebook_04_prints(executed):
    notebook = executed(ROOT / "notebooks" / "04_what_drives_the_outcome.ipynb")
    grid = {float(row[0]): row[1:] for row in printed_table(notebook, "actors.washington.engagement")[2:7]}
    for row in plan_table("*Expected observations.* Median net change"):
        printed = [float(x) for x in grid[number(row[0])]]
        assert len(row[1:]) == len(printed) and all(abs(number(p) - x) <= 0.5 for p, x in zip(row[1:], printed)), (
            row,
            printed,
        )
    sobol = {row[0]: [float(x) for x in row[1:]] for row in printed_table(notebook, "S1  S1_conf")[1:5]}
    for row in plan_table("Sobol indices of the net change"):
        name = row[0].strip("`").removeprefix("actors.")
        s1, s1_conf = (number(x) for x in row[1].split("±"))
        st, st_conf = (number(x) for x in row[2].split("±"))
        assert [s1, s1_conf, st, st_conf] == sobol[name], (row, sobol[name])
