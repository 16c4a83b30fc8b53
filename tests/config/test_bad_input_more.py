"""Issue 18, items 3 and 5: every listed traceback and wrong exit 0 is one line on stderr naming the
key, file or folder and what is allowed, exit 2 (exit 1 for the machine's faults), and nothing is
written -- then more of the same across every verb. Driven through `qpq`'s entry point in this
process, in a folder of the test's own, so "nothing written" means the folder is as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from quidproquo import cli

SCENARIOS = {  # a user's own scenario folder (hydra.searchpath)
    "latin1.yaml": b"# @package _global_\nname: caf\xe9\n",
    "deep.yaml": ("# @package _global_\nname: deep\nx: " + "[" * 5000 + "]" * 5000 + "\n").encode(),
    "aliases.yaml": b"# @package _global_\nname: al\na: &x [1, 2]\nb: *x\n",
    "ok.yaml": b"# @package _global_\nname: mine\ndescription: a user's scenario\n",
}
RUN = ["run", "scenario=freeze", "engine.worlds=5", "engine.rounds=4", "output.figures=false"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Finished run folders, and copies of them with one table damaged the ways the issue lists."""
    root = tmp_path_factory.mktemp("folders")
    cli.main([*RUN, f"hydra.run.dir={root / 'a'}"])
    cli.main(
        [
            "run",
            "scenario=thaw",
            "engine.worlds=7",
            "engine.rounds=4",
            "output.figures=false",
            f"hydra.run.dir={root / 'c'}",
        ]
    )
    cli.main(
        [
            "run",
            "scenario=thaw",
            "engine.worlds=5",
            "engine.rounds=3",
            "output.figures=false",
            f"hydra.run.dir={root / 'short'}",
        ]
    )

    def variant(name: str, table: str, change) -> None:
        shutil.copytree(root / "a", root / name)
        frame = pd.read_parquet(root / "a" / table)
        change(frame).to_parquet(root / name / table, index=False)

    variant("othercols", "worlds.parquet", lambda f: pd.DataFrame({"planet": [1, 2], "mass": [3.0, 4.0]}))
    variant("norows", "worlds.parquet", lambda f: f.iloc[:0])
    variant("noroundrows", "rounds.parquet", lambda f: f.iloc[:0])
    variant("fewmonths", "rounds.parquet", lambda f: f[f["round"] < 2])
    variant("otherworlds", "rounds.parquet", lambda f: f.assign(world=f["world"] + 100))
    variant("roundcols", "rounds.parquet", lambda f: f.drop(columns=["prisoners_held"]))
    shutil.copytree(root / "a", root / "badvalue")
    text = (root / "a" / "config.yaml").read_text().replace("worlds: 5", "worlds: -5")
    (root / "badvalue" / "config.yaml").write_text(text)
    scen = root / "myconf" / "scenario"
    scen.mkdir(parents=True)
    for name, body in SCENARIOS.items():
        (scen / name).write_bytes(body)
    data = root / "data"
    shutil.copytree(Path(__file__).resolve().parents[2] / "data" / "belarus", data / "good")
    for name, file, body in (
        ("notnumber", "political_prisoners.csv", "date,political_prisoners\n2024-07-03,abc\n"),
        ("nocolumns", "events.csv", "when,what\n1,2\n"),
        ("baddate", "political_prisoners.csv", "date,political_prisoners\nyesterday,5\n"),
        ("notutf8", "flows.csv", "\udcff"),
        ("norecord", "political_prisoners.csv", "date,political_prisoners\n2019-01-03,5\n"),
    ):
        shutil.copytree(data / "good", data / name)
        (data / name / file).write_bytes(body.encode("utf-8", "surrogateescape"))
    return root


# (command line, exit code, what the line must say). {f} is the folders fixture, {tmp} the test's
# own folder (whose contents must not change), {conf} the user's scenario folder.
ISSUE = [
    # tracebacks
    (
        ["run", "actors.washington.strategy={_target_: quidproquo.strategies.time_dependent, exponent: 0}"],
        2,
        "actors.washington.strategy.exponent=0: must be > 0",
    ),
    (
        ["run", "actors.minsk.strategy={_target_: quidproquo.strategies.boulware, exponent: 0}"],
        2,
        "must be > 0 for boulware",
    ),
    (
        ["run", "actors.minsk.utility={_target_: quidproquo.utility.crra, scale: 0}"],
        2,
        "actors.minsk.utility.scale=0: must be > 0",
    ),
    (
        ["run", "actors.minsk.strategy={_target_: quidproquo.strategies.spe, discount: 1, other_discount: 1}"],
        2,
        "discount and other_discount are both 1",
    ),
    (
        ["run", "scenario=theory/rubinstein", "actors.washington.discount=1", "actors.minsk.discount=1"],
        2,
        "must be < 1",
    ),
    (["run", "scenario=latin1", "hydra.searchpath=[file://{conf}]"], 2, "latin1.yaml: not UTF-8 text"),
    (
        ["run", "scenario=deep", "hydra.searchpath=[file://{conf}]"],
        2,
        "deep.yaml: line 3: nested deeper than 64 levels",
    ),
    (["sweep", "engine.seed=1,2", "hydra.sweep.dir={tmp}/afile"], 2, "afile: is a file, not a folder"),
    (["sweep", "engine.seed=1,2", "engine.worlds=2", "hydra.sweep.dir=/proc/qpq_sweep"], 1, "/proc/qpq_sweep"),
    (
        ["compare", "{f}/othercols", "{f}/a", "--out", "{tmp}/out"],
        2,
        "othercols/worlds.parquet: not a run's table (no column world",
    ),
    (["compare", "{f}/norows", "{f}/a", "--out", "{tmp}/out"], 2, "norows/worlds.parquet: has no rows"),
    (["compare", "{f}/a", "{f}/c", "--out", "{tmp}/out"], 2, "has 5 worlds and {f}/c 7; a comparison pairs world i"),
    (["compare", "{f}/fewmonths", "{f}/a", "--out", "{tmp}/out"], 2, "holds 2 months and its config.yaml asks for 4"),
    (["compare", "{f}/a", "{f}/short", "--out", "{tmp}/out"], 2, "runs 4 months and {f}/short 3"),
    (["plot", "{f}/othercols", "--out", "{tmp}/out"], 2, "not a run's table (no column world"),
    (["plot", "{f}/norows", "--out", "{tmp}/out"], 2, "has no rows"),
    (["plot", "{f}/fewmonths", "--out", "{tmp}/out"], 2, "holds 2 months"),
    (
        ["calibrate", "--budget", "small", "--out", "{tmp}/out", "@data=notnumber"],
        2,
        "political_prisoners.csv: row 2: political_prisoners 'abc' is not a number",
    ),
    (["calibrate", "--budget", "small", "--out", "{tmp}/out", "@data=nocolumns"], 2, "events.csv: no column date"),
    (
        ["calibrate", "--budget", "small", "--out", "{tmp}/out", "@data=baddate"],
        2,
        "date 'yesterday' is not YYYY-MM-DD",
    ),
    (
        ["calibrate", "--budget", "small", "--out", "{tmp}/out", "@data=notutf8"],
        2,
        "flows.csv: not a readable CSV table",
    ),
    (
        ["calibrate", "--budget", "small", "--out", "{tmp}/out", "@data=norecord"],
        2,
        "the files must hold the record from 2024-07",
    ),
    # wrong exit 0 and a hang
    (
        ["run", "goods.instruments.potash.monthly_cost=1e308"],
        2,
        "monthly_cost=1e+308: must be between -1e+09 and 1e+09",
    ),
    (["run", "actors.eu.members={}"], 2, "actors.eu.members={}: an empty mapping is not allowed here"),
    (["run", "goods.instruments={}"], 2, "goods.instruments={}: an empty mapping is not allowed here"),
    (
        ["compare", "thaw", "freeze", "scenario=thaw", "--out", "{tmp}/out"],
        2,
        "scenario=thaw: the two scenarios are the sides A B",
    ),
    (
        ["run", "hydra.searchpath=[pkg://no_such_package_qpq.conf]"],
        2,
        "pkg://no_such_package_qpq.conf: no installed package",
    ),
    (["run", "hydra.searchpath=[file://{tmp}/nowhere]"], 2, "nowhere: no such folder"),
    (["run", "bargaining.max_offers=1000000000"], 2, "bargaining.max_offers=1000000000: must be <= 1000"),
    (
        ["run", "scenario=../../somewhere/x"],
        2,
        "scenario=../../somewhere/x: names a file by its path; allowed: a scenario on the search path",
    ),
    (["run", "scenario=/etc/passwd"], 2, "names a file by its path"),
    # unclean
    (["run", "hydra/launcher=nope"], 2, "hydra/launcher=nope: no such preset; allowed: basic"),
    (["run", "hydra/sweeper=nope"], 2, "hydra/sweeper: not a hydra setting qpq lets a config change"),
    (["run", "hydra.verbose=[["], 2, "hydra.verbose='[[': cannot be parsed (no viable alternative"),
    (["sweep", "engine.seed=1,2", "engine.worlds=[["], 2, "engine.worlds=[[: no viable alternative"),
    (["run", "engine.worlds=$VALUE"], 2, "engine.worlds='$VALUE': must be integer"),
    (["sweep", "scenario=glob(*)", "engine.worlds=2"], 2, "scenario: glob() choices are not supported"),
    (["compare", "{f}/a", "{f}/c", "--out", "{tmp}/cmp"], 2, "both sides need the same engine.worlds"),
    (["compare", "thaw", "{f}/a", "--out", "{tmp}/cmp"], 2, "thaw has 1,000 worlds and {f}/a 5"),
]

MORE = [  # 40 more, across every verb
    (["run", "goods.instruments.potash=3"], 2, "goods.instruments.potash='3': Invalid type assigned"),
    (
        ["run", "engine.worlds=${oc.env:QPQ_NO_SUCH_VARIABLE}"],
        2,
        "engine.worlds='${oc.env:QPQ_NO_SUCH_VARIABLE}': the interpolation does not resolve",
    ),
    (
        ["run", "hydra.run.dir=${oc.env:QPQ_NO_SUCH_VARIABLE}"],
        2,
        "hydra.run.dir='${oc.env:QPQ_NO_SUCH_VARIABLE}': an interpolation",
    ),
    (["run", "engine={}"], 2, "engine={}: an empty mapping is not allowed here"),
    (["run", "actors.minsk={}"], 2, "actors.minsk={}: an empty mapping"),
    (["run", "goods.prisoners={}"], 2, "goods.prisoners={}: an empty mapping"),
    (["run", "hydra.run.dir={tmp}/afile"], 2, "afile: is a file, not a folder"),
    (
        ["run", "scenario=aliases", "hydra.searchpath=[file://{conf}]"],
        2,
        "aliases.yaml: line 4: YAML aliases are not allowed",
    ),
    (
        ["run", "scenario=ok", "hydra.searchpath=[file://{tmp}/afile]"],
        2,
        "afile: is a file, not a folder; allowed: file://DIR",
    ),
    (
        ["run", "actors.minsk.strategy={_target_: quidproquo.strategies.time_dependent, initial: 2}"],
        2,
        "initial=2: must be >= 0 and <= 1",
    ),
    (
        ["run", "actors.minsk.strategy={_target_: quidproquo.strategies.conceder, exponent: -1}"],
        2,
        "exponent=-1: must be > 0 for conceder",
    ),
    (
        ["run", "actors.minsk.strategy={_target_: quidproquo.strategies.boulware, exponent: abc}"],
        2,
        "needs a finite number here",
    ),
    (
        ["run", "actors.minsk.strategy={_target_: quidproquo.strategies.tit_for_tat, step: 5}"],
        2,
        "step=5: must be >= 0 and <= 1",
    ),
    (
        ["run", "actors.minsk.strategy={_target_: quidproquo.strategies.spe, discount: 0, other_discount: 0.9}"],
        2,
        "discount=0: must be > 0",
    ),
    (
        [
            "run",
            "actors.minsk.strategy={_target_: quidproquo.strategies.spe, discount: 0.9, other_discount: 0.9, offers: 5000}",
        ],
        2,
        "offers=5000: must be >= 0 and <= 1000",
    ),
    (["run", "actors.moscow.utility={_target_: quidproquo.utility.crra, scale: -3}"], 2, "scale=-3: must be > 0"),
    (
        ["run", "actors.eu.utility={_target_: quidproquo.utility.reference_dependent, loss_aversion: -1}"],
        2,
        "loss_aversion=-1",
    ),
    (["run", "actors.washington.price=1e10"], 2, "actors.washington.price=10000000000.0: must be between"),
    (["run", "goods.instruments.potash.lift_cost=-1e300"], 2, "lift_cost=-1e+300: must be >= 0"),
    (["run", "bargaining.max_offers=1001"], 2, "must be <= 1000"),
    (["sweep", "bargaining.max_offers=4,10000"], 2, "bargaining.max_offers=10000"),
    (["sweep", "engine.seed=1,2", "hydra.verbose=[["], 2, "hydra.verbose='[['"),
    (["sweep", "engine.seed=1,2", "actors.eu.members={}"], 2, "actors.eu.members={}"),
    (["sweep", "scenario=thaw,../x"], 2, "scenario=../x: names a file by its path"),
    (
        ["sweep", "engine.seed=1,2", "hydra.searchpath=[pkg://no_such_package_qpq]"],
        2,
        "no installed package no_such_package_qpq",
    ),
    (
        ["compare", "{f}/otherworlds", "{f}/a", "--out", "{tmp}/out"],
        2,
        "rounds.parquet and worlds.parquet hold different worlds",
    ),
    (
        ["compare", "{f}/roundcols", "{f}/a", "--out", "{tmp}/out"],
        2,
        "roundcols/rounds.parquet: not a run's table (no column prisoners_held",
    ),
    (["compare", "{f}/a", "{f}/noroundrows", "--out", "{tmp}/out"], 2, "noroundrows/rounds.parquet: has no rows"),
    (["compare", "thaw", "freeze", "+scenario=thaw", "--out", "{tmp}/out"], 2, "+scenario=thaw: the two scenarios"),
    (["compare", "thaw", "freeze", "engine.worlds=0", "--out", "{tmp}/out"], 2, "engine.worlds=0: must be >= 1"),
    (["compare", "thaw", "freeze", "bargaining.max_offers=5000", "--out", "{tmp}/out"], 2, "must be <= 1000"),
    (["compare", "thaw", "freeze", "--out", "{tmp}/afile"], 2, "afile: is a file, not a folder"),
    (["rerun", "{f}/badvalue", "--out", "{tmp}/out"], 2, "engine.worlds=-5: must be >= 1"),
    (["rerun", "{f}/a", "--out", "{f}/a"], 2, "is the folder being rerun"),
    (["rerun", "{f}/a", "--out", "{tmp}/afile"], 2, "afile: is a file, not a folder"),
    (["plot", "{f}/otherworlds", "--out", "{tmp}/out"], 2, "hold different worlds"),
    (["plot", "{f}/roundcols", "--out", "{tmp}/out"], 2, "no column prisoners_held"),
    (["calibrate", "--write-scenario", "{tmp}/afile", "--out", "{tmp}/out"], 2, "must be an existing folder"),
    (["calibrate", "--budget", "huge", "--out", "{tmp}/out"], 2, "--budget='huge': allowed: default, small"),
    (["calibrate", "--out", "{tmp}/afile"], 2, "afile: is a file, not a folder"),
    (["params", "engine.nope"], 2, "engine.nope"),
    (["params", "actors.minsk.discount.x"], 2, "actors.minsk.discount.x"),
    (["dashboard", "--port", "abc"], 2, "'abc': must be a whole number within 1..65535"),
    (["dashboard", "scenario=../freeze"], 2, "no such scenario"),
    (["classroom", "--months", "0"], 2, "--months=0: must be at least 1"),
    (["classroom", "--months", "six"], 2, "--months='six': must be a whole number of months"),
    (["classroom", "--idle", "soon"], 2, "--idle='soon': must be a whole number of seconds"),
    (["classroom", "--port", "70000"], 2, "--port=70000: must be within 1..65535"),
    (["classroom", "--session", "{tmp}/afile"], 2, "afile: is a file, not a folder"),
    (["classroom", "thaw"], 2, "takes scenario=NAME"),
]


def contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"") for p in sorted(folder.rglob("*"))}


def mistake(capsys, monkeypatch, tmp_path, folders, argv, code, says):
    (tmp_path / "afile").write_text("not a folder")
    monkeypatch.chdir(tmp_path)  # default folders (outputs/, comparisons/, runs/) would appear here
    fill = {"{f}": str(folders), "{tmp}": str(tmp_path), "{conf}": str(folders / "myconf")}
    argv = list(argv)
    for i, arg in enumerate(argv):
        for key, value in fill.items():
            arg = arg.replace(key, value)
        argv[i] = arg
    for arg in [a for a in argv if a.startswith("@data=")]:
        monkeypatch.setenv("QPQ_DATA", str(folders / "data" / arg.removeprefix("@data=")))
        argv.remove(arg)
    for key, value in fill.items():
        says = says.replace(key, value)
    before, folders_before = contents(tmp_path), contents(folders)
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == code, err
    lines = [line for line in err.strip().splitlines() if not line.startswith("qpq: note: ")]
    assert len(lines) == 1 and lines[0].startswith("qpq: error: "), err
    assert says in lines[0], lines[0]
    assert contents(tmp_path) == before, "a mistake wrote into the folder"
    assert contents(folders) == folders_before, "a mistake changed a run folder"


@pytest.mark.parametrize("argv,code,says", ISSUE, ids=[" ".join(c[0])[:70] for c in ISSUE])
def test_every_case_the_issue_lists(capsys, monkeypatch, tmp_path, folders, argv, code, says):
    mistake(capsys, monkeypatch, tmp_path, folders, argv, code, says)


@pytest.mark.parametrize("argv,code,says", MORE, ids=[" ".join(c[0])[:70] for c in MORE])
def test_more_mistakes_across_every_verb(capsys, monkeypatch, tmp_path, folders, argv, code, says):
    mistake(capsys, monkeypatch, tmp_path, folders, argv, code, says)


def test_there_are_forty_more_across_every_verb():
    verbs = {c[0][0] for c in MORE}
    assert len(MORE) >= 40 and verbs >= {
        "run",
        "sweep",
        "compare",
        "rerun",
        "calibrate",
        "params",
        "plot",
        "dashboard",
        "classroom",
    }


def test_a_users_function_raising_mid_run_is_one_line_exit_1_and_no_result(capsys, monkeypatch, tmp_path):
    (tmp_path / "qpq_user_raises.py").write_text(
        "import numpy as np\ncalls = 0\n"
        "def utility(components, weights):\n    global calls\n    calls += 1\n"
        "    if calls > 3:\n        raise RuntimeError('my utility broke')\n"
        "    return sum(np.asarray(v, dtype=float) for v in components.values())\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        cli.main(
            [
                "run",
                "actors.minsk.utility._target_=qpq_user_raises.utility",
                "--trust",
                "qpq_user_raises",
                "engine.worlds=2",
                f"hydra.run.dir={out}",
            ]
        )
    lines = capsys.readouterr().err.strip().splitlines()
    assert exit_.value.code == 1 and len(lines) == 1 and "RuntimeError: my utility broke" in lines[0], lines
    assert not (out / "done.json").exists() and not (out / "worlds.parquet").exists()


def test_spe_with_both_discounts_1_and_a_deadline_is_allowed(tmp_path):
    """The refusal is of Rubinstein's 0/0 only: with a deadline the game is well defined."""
    cli.main(
        [
            "run",
            "actors.minsk.strategy={_target_: quidproquo.strategies.spe, discount: 1, other_discount: 1, offers: 4}",
            "engine.worlds=2",
            "output.figures=false",
            f"hydra.run.dir={tmp_path / 'out'}",
        ]
    )
    assert (tmp_path / "out" / "done.json").exists()
