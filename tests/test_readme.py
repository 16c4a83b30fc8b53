"""Every `qpq` example in the README runs as typed after the README's activation step.

Each line of the README's `sh` blocks that runs `qpq` is a case, run in a fresh folder with a
small number of worlds (`engine.worlds=20`, replacing the line's own, for the commands that
simulate) and no figures (`output.figures=false`: drawing them is most of a small run's time, and
the figures are checked where they are the subject -- tests/engine/test_record.py, test_compare.py,
test_sweep.py -- and here by `qpq plot`, the line that only draws). A few lines cannot run as
typed here, and each is listed in SPECIAL with what is done instead and why; a new line that
fits neither way fails the test until it is listed. A YAML block with a comment naming a file
(`# file: myscenarios/scenario/keen.yaml`) is written there first, so the README's own scenario
is the one its commands use. The first sweep example
must show a result that moves: its points' median net change differ.

The lines run through `qpq`'s entry point in this process (tests_support.in_process), each in
its own folder; `qpq --help` runs the installed executable, as typed. The lines that sweep with
hydra/launcher=ray start a local Ray cluster: they are Ray tests (conftest.py's `ray` kind), and
run the executable too (a Ray started in this process would outlive the call).
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess

import pytest

from tests_support import ROOT, in_process, qpq

SIMULATING = {"run", "sweep", "compare"}
LOCAL_RAY = (
    "hydra.launcher.ray.init.address=null +hydra.launcher.ray.init._node_ip_address=127.0.0.1 "
    "+hydra.launcher.ray.init.include_dashboard=false +hydra.launcher.ray.init.num_cpus=2"
)
# line (its start) -> (what is run instead, why)
SPECIAL = {
    "qpq calibrate --cases ": (
        "qpq calibrate --cases cuba_2025,belarus_2015 --hold-out each --out loo",
        "the four cases take 25 s; tests/experiments/test_cases.py checks the committed table is the command's",
    ),
    "qpq calibrate --write-scenario": (
        "qpq calibrate --budget small --out cal --write-scenario .",
        "a full fit takes a minute",
    ),
    "qpq calibrate\n": ("qpq calibrate --budget small --out cal", "a full fit takes a minute"),
    "qpq dashboard": ("{line} --help", "a server runs until stopped; tests/test_dashboard*.py serve it for real"),
    "qpq classroom": ("{line} --help", "a server runs until stopped; tests/test_classroom*.py serve it for real"),
    "qpq sweep actors.minsk.hostage_elasticity=0,0.5,1 actors.moscow.responsiveness=0.25,0.5,1 hydra/launcher=joblib": (
        "compose",
        "its points are composed and checked, not run: two joblib workers start two fresh interpreters (most of "
        "15 s); tests/experiments/test_sweep.py::test_parallel_launchers_give_the_same_table runs a joblib sweep "
        "and checks its table byte for byte",
    ),
    "qpq sweep scenario=thaw,freeze engine.seed=range(0,20) engine.worlds=100000 hydra/launcher=submitit_slurm": (
        "compose",
        "there is no Slurm cluster here: the sweep's configs are composed and checked, not submitted",
    ),
    "qpq sweep scenario=thaw,freeze engine.seed=range(0,20) hydra/launcher=ray hydra.launcher.ray.init.address=auto": (
        f"qpq sweep scenario=thaw,freeze engine.seed=0,1 hydra/launcher=ray {LOCAL_RAY}",
        "address=auto joins a running cluster; here a local Ray stands in (tests/test_ray.py checks its table)",
    ),
}
# What a line needs to exist before it runs (what `make demo` or an earlier example made).
NEEDS = {
    "runs/freeze": "qpq run scenario=freeze engine.worlds=20 output.figures=false hydra.run.dir=runs/freeze",
    "runs/demo/thaw": "qpq run scenario=thaw engine.worlds=20 output.figures=false hydra.run.dir=runs/demo/thaw",
    "runs/demo/freeze": "qpq run scenario=freeze engine.worlds=20 output.figures=false hydra.run.dir=runs/demo/freeze",
}


def readme_files() -> dict[str, str]:
    """The README's YAML blocks that name their file in a first-line comment: path -> text."""
    text = (ROOT / "README.md").read_text()
    files = {}
    for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
        named = re.search(r"^# file: (\S+\.yaml)", block, re.M)
        if named:
            files[named.group(1)] = block
    return files


def readme_lines() -> list[str]:
    """The README's `qpq` command lines, continuations joined and comments dropped."""
    text = (ROOT / "README.md").read_text()
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            command = line.split(" #")[0].strip()
            if command.startswith("qpq"):
                lines.append(" ".join(command.split()))
    return lines


def small(line: str) -> str:
    words = shlex.split(line)
    if len(words) > 1 and words[1] in SIMULATING:
        words = [w for w in words if not w.startswith(("engine.worlds=", "output.figures="))]
        # --from-record takes engine.worlds and engine.seed alone (its one figure is drawn)
        words += ["engine.worlds=20"] + ([] if "--from-record" in words else ["output.figures=false"])
    return shlex.join(words)


def treatment(line: str) -> tuple[str, str]:
    for start, (instead, why) in SPECIAL.items():
        if (line + "\n").startswith(start):
            return instead.format(line=line), why
    return small(line), "as typed, with 20 worlds and no figures"


LINES = readme_lines()
FILES = readme_files()
FIRST_SWEEP = next(line for line in LINES if line.startswith("qpq sweep"))


def marked(line: str):
    """A line that sweeps with the Ray launcher starts a local Ray: a Ray test."""
    return pytest.param(line, marks=pytest.mark.ray) if "hydra/launcher=ray" in line else line


@pytest.fixture(scope="module")
def needed(tmp_path_factory):
    """The folders of NEEDS, each made once (as `make demo` or an earlier example would) and
    copied into the folder of each line that needs it."""
    root = tmp_path_factory.mktemp("needed")
    for making in NEEDS.values():
        made = in_process(shlex.split(making)[1:], cwd=root)
        assert made.returncode == 0, made.stderr
    return root


def test_the_readme_has_its_examples():
    assert len(LINES) >= 15 and any(line.startswith("qpq run") for line in LINES)


@pytest.mark.parametrize("line", [marked(line) for line in LINES])
def test_a_readme_example_runs_as_typed(line, tmp_path, env, request):
    command, why = treatment(line)
    for path, text in FILES.items():
        if path.split("/")[0] in line:
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_text(text)
    for folder in NEEDS:
        if folder in line.split("--out")[0]:
            shutil.copytree(request.getfixturevalue("needed") / folder, tmp_path / folder)
    if command == "compose":
        from quidproquo.cli import check, own
        from quidproquo.experiments.sweep import expand

        _, points = expand(own(list(shlex.split(line)[2:])))
        assert len(check(*points)) == len(points) > 1, why
        return
    if command == "qpq --help" or "hydra/launcher=ray" in command:
        # The installed executable itself, as typed; and a sweep on Ray: the local Ray it starts
        # outlives a call in this process, and its workers would keep the first line's folder.
        done = subprocess.run(
            [qpq(), *shlex.split(command)[1:]],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**env, "RAY_USAGE_STATS_ENABLED": "0"},
            timeout=600,
        )
    else:
        done = in_process(shlex.split(command)[1:], cwd=tmp_path, env={"RAY_USAGE_STATS_ENABLED": "0"})
    assert done.returncode == 0, f"{line!r} ({why}): {done.stderr[-2000:]}"
    if line == FIRST_SWEEP:
        import pandas as pd

        (table,) = [pd.read_parquet(p) for p in tmp_path.glob("sweeps/*/sweep.parquet")]
        _, points = __import__("quidproquo.experiments.sweep", fromlist=["expand"]).expand(shlex.split(line)[2:])
        swept = [o.split("=", 1)[0] for o in shlex.split(line)[2:] if "," in o]
        medians = table.groupby(swept)["net_change"].median()
        assert len(medians) == len(points) > 1
        assert medians.nunique() == len(medians) and medians.max() - medians.min() > 100, medians


def test_the_readme_scenario_that_inherits_is_tested():
    assert "myscenarios/scenario/keen.yaml" in FILES and "- thaw" in FILES["myscenarios/scenario/keen.yaml"]
    assert any("--scenario-dir myscenarios" in line for line in LINES)
