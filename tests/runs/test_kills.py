"""Folders that are complete or absent under SIGKILL (issue 18, item 2): a re-made comparison, two
reruns into one folder, and a calibration, each killed (the whole process group) at several
moments, never leave done.json over a mixed or partial result.

Each killed command runs in a process of its own (a new session, so its group is its own). It is
killed either after a delay, anywhere in its work, or by its own hook just before a step of the
final move into place (runs/publish.py MOVE_HOOK), where a kill would matter most.
"""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from quidproquo import cli
from tests_support import Zygote, held_elsewhere

# The calibration killed here is the small budget made smaller still (a few seconds a fit).
SMALLER = """
from quidproquo.experiments import calibrate
calibrate.BUDGETS["small"] = calibrate.Budget(worlds=6, popsize=1, maxiter=1, se_worlds=12)
"""

# ...and, for the kills inside the final move, whose moment comes after the fit, the fit the
# complete calibration made (kept in a file): what is killed there is the writing, not the search.
KEPT_FIT = """
import pickle
from pathlib import Path
_fit, _kept = calibrate.fit, Path({path!r})
def _kept_fit(*args, **kwargs):
    if not _kept.exists():
        _kept.write_bytes(pickle.dumps(_fit(*args, **kwargs)))
    return pickle.loads(_kept.read_bytes())
calibrate.fit = _kept_fit
"""


def killed(
    zygote: Zygote,
    argv: list[str],
    cwd: Path,
    at_step: int | None = None,
    after: float | None = None,
    prelude: str = "",
) -> int | None:
    """`qpq ARGV` in a new process group (after SMALLER and `prelude`), killed by SIGKILL at a step
    of the final move or after `after` seconds; its return code (negative when killed)."""
    pid = zygote.start(argv, cwd, at_step=at_step, prelude=SMALLER + prelude)
    return zygote.wait(pid, timeout=300 if after is None else after)


def done_folders(folder: Path) -> list[Path]:
    return sorted(p.parent for p in folder.rglob("done.json"))


def table(path: Path) -> str:
    return pd.read_parquet(path).to_csv(index=False)


# ------------------------------------------------------------------------- a re-made comparison
COMPARE = ["compare", "thaw", "freeze", "engine.worlds=6", "engine.rounds=4", "output.figures=false"]


@pytest.fixture(scope="module")
def eras(tmp_path_factory):
    """Two complete comparisons of the same sides that differ in every table (seeds 1 and 2); the
    tests copy seed 1's folder as the old comparison a new one replaces (the same files a
    comparison into their own folder would write, without computing it again)."""
    out = {}
    for seed in (1, 2):
        folder = tmp_path_factory.mktemp("era") / "cmp"
        cli.main([*COMPARE, f"engine.seed={seed}", "--out", str(folder)])
        out[seed] = {
            "folder": folder,
            "names": sorted(p.name for p in folder.iterdir()),
            "comparison": table(folder / "comparison.parquet"),
            "report": (folder / "report.md").read_text(),
            **{side: table(folder / side / "worlds.parquet") for side in ("thaw", "freeze")},
        }
    assert out[1]["thaw"] != out[2]["thaw"] and out[1]["comparison"] != out[2]["comparison"]
    return out


def era_of_side(folder: Path, eras: dict, side: str) -> int:
    seed = yaml.safe_load((folder / "config.yaml").read_text())["engine"]["seed"]
    assert table(folder / "worlds.parquet") == eras[seed][side], f"{folder}: done.json over tables of another run"
    return seed


def check_comparison(folder: Path, eras: dict) -> str:
    """Every done.json in the folder is over one complete result of one era; returns what was found."""
    for done in done_folders(folder):
        if done != folder:
            era_of_side(done, eras, done.name)
    if not (folder / "done.json").exists():
        return "none"
    found = {seed for seed in eras if table(folder / "comparison.parquet") == eras[seed]["comparison"]}
    assert len(found) == 1, "done.json over a comparison of neither run"
    seed = found.pop()
    assert (folder / "report.md").read_text() == eras[seed]["report"]
    assert {era_of_side(folder / side, eras, side) for side in ("thaw", "freeze")} == {seed}, (
        "old report beside new sides"
    )
    # what a kill left staged is cleared next time; the rest is what a comparison writes
    assert sorted(p.name for p in folder.iterdir() if p.name != ".staging") == eras[seed]["names"]
    return f"seed {seed}"


def test_a_remade_comparison_killed_at_any_moment_is_the_old_one_the_new_one_or_marked_incomplete(
    tmp_path, zygote, eras
):
    folder = tmp_path / "cmp"
    shutil.copytree(eras[1]["folder"], folder)  # the old comparison: seed 1's, as `eras` made it
    moves = 2 * 6 + 8  # two sides' files and the comparison's own, roughly: kills land before, among and after them
    outcomes = []
    for at_step in (0, moves // 2, moves - 2, moves + 4):
        code = killed(zygote, [*COMPARE, "engine.seed=2", "--out", str(folder)], tmp_path, at_step=at_step)
        outcomes.append((code, check_comparison(folder, eras)))
    for after in (2.0, 5.0):
        code = killed(
            zygote,
            [*COMPARE, "engine.seed=1" if after > 3 else "engine.seed=2", "--out", str(folder)],
            tmp_path,
            after=after,
        )
        outcomes.append((code, check_comparison(folder, eras)))
    assert any(code == -signal.SIGKILL for code, _ in outcomes), outcomes
    assert any(found == "none" for _, found in outcomes), outcomes  # a kill inside the move leaves no done.json
    # The next comparison into the folder replaces whatever a kill left with a complete one.
    cli.main([*COMPARE, "engine.seed=2", "--out", str(folder)])
    assert check_comparison(folder, eras) == "seed 2"
    assert not (folder / ".staging").exists()


def test_a_comparison_whose_folder_is_held_stops_in_one_line_and_leaves_the_old_one(tmp_path, capsys, eras):
    folder = tmp_path / "cmp"
    shutil.copytree(eras[1]["folder"], folder)  # the old comparison: seed 1's, as `eras` made it
    capsys.readouterr()
    with held_elsewhere(folder):
        with pytest.raises(SystemExit) as exit_:
            cli.main([*COMPARE, "engine.seed=2", "--out", str(folder)])
        err = capsys.readouterr().err.strip().splitlines()
        assert exit_.value.code == 2 and err[-1].startswith("qpq: error: ") and "held by pid" in err[-1]
        assert check_comparison(folder, eras) == "seed 1"


# --------------------------------------------------------------------- reruns into one folder
RUN = ["run", "scenario=freeze", "engine.worlds=5", "engine.rounds=3", "output.figures=false"]


def consistent_run(folder: Path) -> bool:
    """done.json over tables that are the run its config.yaml describes (or no done.json)."""
    if not (folder / "done.json").exists():
        return False
    from quidproquo.experiments import runner
    from quidproquo.runs.provenance import load_config

    expected = runner.simulate(load_config(folder)).worlds.to_csv(index=False)
    assert table(folder / "worlds.parquet") == expected, (
        f"{folder}: done.json over tables its config.yaml does not make"
    )
    return True


def test_two_reruns_into_one_folder_one_refuses_in_one_line_and_the_folder_is_never_mixed(tmp_path, zygote):
    sources = {}
    for seed in (5, 6):
        sources[seed] = tmp_path / f"run{seed}"
        cli.main([*RUN, f"engine.seed={seed}", f"hydra.run.dir={sources[seed]}"])
    refused = 0
    for attempt in range(3):
        out = tmp_path / f"out{attempt}"
        errs = {seed: tmp_path / f"err{attempt}_{seed}" for seed in (5, 6)}
        both = [
            zygote.start(["rerun", str(sources[seed]), "--out", str(out)], tmp_path, stderr=errs[seed])
            for seed in (5, 6)
        ]
        results = [(zygote.wait(pid, timeout=300), errs[seed].read_text()) for pid, seed in zip(both, (5, 6))]
        for code, err in results:
            assert code in (0, 2), err
            if code == 2:
                refused += 1
                lines = err.strip().splitlines()
                assert len(lines) == 1 and lines[0].startswith("qpq: error: ") and "held by" in lines[0], err
        assert consistent_run(out)
    print(f"{refused} of 3 second reruns refused")  # the rest started after the first had finished


def test_a_rerun_killed_at_any_moment_leaves_the_old_run_the_new_one_or_no_done_json(tmp_path, zygote):
    sources = {}
    for seed in (5, 6):
        sources[seed] = tmp_path / f"run{seed}"
        cli.main([*RUN, f"engine.seed={seed}", f"hydra.run.dir={sources[seed]}"])
    out = tmp_path / "out"
    cli.main(["rerun", str(sources[5]), "--out", str(out)])
    outcomes = set()
    for at_step in (0, 4):
        killed(zygote, ["rerun", str(sources[6]), "--out", str(out)], tmp_path, at_step=at_step)
        outcomes.add(consistent_run(out))
    killed(zygote, ["rerun", str(sources[6]), "--out", str(out)], tmp_path, after=1.5)
    outcomes.add(consistent_run(out))
    assert False in outcomes  # killed inside the move: no done.json, never a mixed one


# ------------------------------------------------------------------------------ a calibration
def test_a_killed_calibration_leaves_no_done_json_over_a_partial_or_mixed_result(tmp_path, zygote):
    from tests_support import ROOT

    tracked = ROOT / "scenarios" / "belarus_2025_calibrated.yaml"
    before = tracked.read_bytes()
    folder = tmp_path / "cal"
    folder.mkdir()
    for name in ("calibration.md", "parameters.csv", "moments.csv", "forecast.png", "belarus_2025_calibrated.yaml"):
        (folder / name).write_text("OLD")  # an earlier calibration, complete
    (folder / "done.json").write_text("{}")
    argv = ["calibrate", "--budget", "small", "--out", str(folder)]
    kept = KEPT_FIT.format(path=str(tmp_path / "fit.pickle"))
    started = time.monotonic()
    assert killed(zygote, argv, tmp_path, prelude=kept) == 0  # searches, and keeps its fit
    took = time.monotonic() - started
    names = {
        "calibration.md",
        "parameters.csv",
        "moments.csv",
        "forecast.png",
        "belarus_2025_calibrated.yaml",
        "done.json",
    }
    assert {p.name for p in folder.iterdir()} == names | {".lock"}
    assert "OLD" not in (folder / "calibration.md").read_text()

    def check() -> str:
        if not (folder / "done.json").exists():
            return "none"
        assert {p.name for p in folder.iterdir()} - {".staging"} == names | {".lock"}, (
            "done.json over a partial calibration"
        )
        fitted = pd.read_csv(folder / "parameters.csv")
        body = yaml.safe_load((folder / "belarus_2025_calibrated.yaml").read_text())
        inflow = fitted.set_index("parameter").value["inflow"]
        assert body["goods"]["prisoners"]["rank_and_file"]["inflow"] == pytest.approx(inflow, abs=1e-6), "mixed"
        return "complete"

    outcomes = []
    for at_step in (0, 3, 6):
        outcomes.append((killed(zygote, argv, tmp_path, at_step=at_step, prelude=kept), check()))
    for share in (0.5,):  # anywhere in the work, the search included: a search of its own
        outcomes.append((killed(zygote, argv, tmp_path, after=share * took), check()))
    assert ("none" in {o for _, o in outcomes}) and any(code == -signal.SIGKILL for code, _ in outcomes), outcomes
    assert tracked.read_bytes() == before  # no kill and no plain calibration touches the tracked scenario
