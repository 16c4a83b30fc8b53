"""The seminar notebooks run from top to bottom, draw their figures, and are committed clean.

Each notebook is executed with nbclient in a kernel on this interpreter, in a temporary folder
(nothing lands in the repository), with the `quidproquo` this test imports first on the
kernel's path, so a notebook never runs against another copy of the package.
"""

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from tests_support import ROOT

import quidproquo

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SEMINAR = {"01_two_actor_bargaining.ipynb", "02_five_actors_one_world.ipynb", "03_thaw_vs_freeze.ipynb", "04_what_drives_the_outcome.ipynb"}


def kernel_env() -> dict:
    package_parent = str(Path(quidproquo.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([package_parent, *filter(None, [env.get("PYTHONPATH")])])
    env.pop("MPLBACKEND", None)  # the notebook chooses its backend itself (%matplotlib inline)
    return env


def this_interpreter(folder: Path) -> KernelManager:
    """A kernel manager whose only kernel is ipykernel on this interpreter.

    A "python3" kernelspec in the user's Jupyter folders may name another Python; a spec of our
    own, in a folder of our own, cannot.
    """
    spec = folder / "kernels" / "this-python"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "this interpreter", "language": "python"}))
    specs = KernelSpecManager(kernel_dirs=[str(folder / "kernels")], ensure_native_kernel=False)
    return KernelManager(kernel_name="this-python", kernel_spec_manager=specs)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Execute each notebook once (on first use) and keep the executed copy, or its error."""
    done = {}

    def run(path: Path):
        if path.name not in done:
            notebook = nbformat.read(path, as_version=4)
            folder = tmp_path_factory.mktemp(path.stem)
            client = NotebookClient(notebook, km=this_interpreter(folder), timeout=240,
                                    resources={"metadata": {"path": str(folder)}})
            try:
                client.execute(env=kernel_env())  # a cell that raises fails here, naming the cell
                done[path.name] = notebook
            except Exception as error:  # noqa: BLE001 -- every test of this notebook reports it
                done[path.name] = error
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
    assert SEMINAR <= {p.name for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_carry_no_outputs_and_no_execution_counts(path):
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
    account = next(o["data"]["text/plain"] for _, o in outputs(notebook, "text/plain") if "released, all channels" in o["data"]["text/plain"])
    number = {line.rsplit(None, 1)[0].strip(): float(line.rsplit(None, 1)[1]) for line in account.splitlines()[1:]}
    assert number["released in deals"] + number["pardoned"] + number["sentences ended"] == number["released, all channels"]
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
    tables = [o["data"]["text/plain"] for _, o in outputs(notebook, "text/plain") if o["output_type"] == "execute_result"]
    # The grid: with no envoy nothing is traded, so the hostage market cannot matter.
    grid = next(t for t in tables if t.startswith("actors.washington.engagement"))
    rows = [line.split() for line in grid.splitlines()[2:]]
    assert [float(row[0]) for row in rows] == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert len({row[1] for row in rows}) == 1  # the engagement = 0 column
    assert float(rows[0][4]) < float(rows[0][1]) < float(rows[-1][4])  # engagement helps without, hurts with the market
    # Sobol: four parameters with S1, ST and their intervals; the channel's value explains least.
    sobol = next(t for t in tables if "ST_conf" in t)
    total = {line.split()[0]: float(line.split()[3]) for line in sobol.splitlines()[1:]}
    assert set(total) == {"washington.engagement", "washington.channel_value", "minsk.hostage_elasticity", "minsk.goodwill"}
    assert min(total, key=total.get) == "washington.channel_value"
    assert len(list(outputs(notebook, "image/png"))) == 4
