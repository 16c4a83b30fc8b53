"""Every user mistake: one line on stderr naming the key and what is allowed, exit code 2, and
no output folder. One case per mistake, driven through `qpq`'s entry point in this process (the
real binary is exercised for a sample of them in test_cli.py)."""

import pytest

from tests_support import one_line_error

SCENARIOS = {
    "malformed": "name: broken\ndescription: x\nactors:\n  minsk:\n    discount: 0.9\n   washington: 3\n",
    "duplicate": "# @package _global_\nname: dup\nname: dup2\n",
    "empty": "",
    "early_event": '# @package _global_\nname: early\nevents:\n  - date: "2019-01"\n    text: x\n    changes: {actors.moscow.tolerance: 0.2}\n',
    "twice": (
        '# @package _global_\nname: twice\nevents:\n  - date: "2025-09"\n    changes: {actors.moscow.tolerance: 0.2}\n'
        '  - date: "2025-09"\n    changes: {actors.moscow.tolerance: 0.3}\n'
    ),
    "bad_date": '# @package _global_\nname: bad\nevents:\n  - date: "2025/09"\n    changes: {actors.moscow.tolerance: 0.2}\n',
    "bad_change": '# @package _global_\nname: bad\nevents:\n  - date: "2025-09"\n    changes: {actors.moscow.tolerence: 0.2}\n',
    "bad_type": "# @package _global_\nname: bad\nengine:\n  rounds: many\n",
    "unknown_actor": "# @package _global_\nname: bad\nactors:\n  beijing: {discount: 0.9}\n",
}

RUN = [  # (overrides, what stderr must name, what it must say is allowed)
    (["engine.worlds=-5"], "engine.worlds", ">= 1"),
    (["engine.worlds=0"], "engine.worlds", ">= 1"),
    (["engine.worlds=abc"], "engine.worlds", "integer"),
    (["engine.rounds=1.5"], "engine.rounds", "integer"),
    (["engine.rounds=0"], "engine.rounds", ">= 1"),
    (["engine.seed=-1"], "engine.seed", ">= 0"),
    (["engine.start=July"], "engine.start", "YYYY-MM"),
    (["bargaining.max_offers=0"], "bargaining.max_offers", ">= 1"),
    (["bargaining.verification_lag=-1"], "bargaining.verification_lag", ">= 0"),
    (["bargaining.protocol=haggle"], "bargaining.protocol", "alternating, nash"),
    (["bargaining.good=pie"], "bargaining.good", "bundles, divisible"),
    (["bargaining.nash_weight=1.5"], "bargaining.nash_weight", "< 1"),
    (["bargaining.release_levels=0"], "bargaining.release_levels", ">= 1"),
    (["output.figures=maybe"], "output.figures", "true or false"),
    (["output.event_log_worlds=-1"], "output.event_log_worlds", ">= 0"),
    (["actors.minsk.discount=1.5"], "actors.minsk.discount", "< 1"),
    (["actors.washington.discount=0"], "actors.washington.discount", "> 0"),
    (["actors.washington.engagement=1.2"], "actors.washington.engagement", "<= 1"),
    (["goods.prisoners.rank_and_file.completion_rate=-0.1"], "goods.prisoners.rank_and_file.completion_rate", ">= 0"),
    (["actors.eu.members.HU.veto_renewal=2"], "actors.eu.members.HU.veto_renewal", "<= 1"),
    (["actors.moscow.pressure=1.5"], "actors.moscow.pressure", "<= 1"),
    (["actors.minsk.relief_weight=nan"], "actors.minsk.relief_weight", "finite"),
    (["goods.prisoners.foreign.inflow=inf"], "goods.prisoners.foreign.inflow", "finite"),
    (["goods.prisoners.prominent.initial=-3"], "goods.prisoners.prominent.initial", ">= 0"),
    (["engine.wolds=10"], "engine.wolds", "worlds, rounds, seed, start"),
    (["actors.kremlin.discount=0.5"], "actors.kremlin", "minsk, washington, eu, moscow, opposition"),
    (["goods.prisoners.prominant.initial=5"], "goods.prisoners.prominant", "rank_and_file, prominent, foreign"),
    (["goods.instruments.potassium.monthly_cost=5"], "goods.instruments.potassium", "belavia, embassy"),
    (["actors.eu.members.XX.threshold=0.5"], "actors.eu.members.XX", "PL, LT, LV"),
    (["goods.instruments.potash.sender=moscow"], "goods.instruments.potash.sender", "washington, eu"),
    (["goods.instruments.potash.state=frozen"], "goods.instruments.potash.state", "imposed, lifted, suspended"),
    (["actors.eu.members.HU.stance=owl"], "actors.eu.members.HU.stance", "hawk, core, dove"),
    (["actors.minsk.utility._target_=no.such.function", "--trust", "no"], "actors.minsk.utility", "cannot be imported"),
    (
        ["actors.minsk.utility._target_=math.sqrt", "--trust", "math"],
        "actors.minsk.utility",
        "does not accept the documented arguments",
    ),
    (["actors.minsk.utility._target_=no.such.function"], "actors.minsk.utility", "no.such is not a trusted module"),
    (["actors.minsk.utility={_target_: builtins.eval}"], "actors.minsk.utility", "builtins can never be trusted"),
    (
        ["actors.washington.strategy={_target_: subprocess.call}"],
        "actors.washington.strategy",
        "subprocess can never be trusted",
    ),
    (["actors.moscow.utility._target_=os.system"], "actors.moscow.utility", "os can never be trusted"),
    (
        ["actors.eu.utility._target_=quidproquo_evil.utility"],
        "actors.eu.utility",
        "quidproquo_evil is not a trusted module",
    ),
    (
        ["actors.washington.strategy={_target_: quidproquo.strategies.linear, exponent: 2}"],
        "actors.washington.strategy",
        "exponent",
    ),
    (["actors.washington.strategy.exponent=2"], "actors.washington.strategy", "a strategy is set whole"),
    (["scenario=nope"], "scenario=nope", "no such scenario; allowed: bad_change"),
    (["events=[{date:2025-08,changes:{actors.nope:1}}]"], "events[0].changes", "names no config key"),
    (["scenario=malformed"], "malformed.yaml: line 6", "expected"),
    (["scenario=duplicate"], "duplicate.yaml: line 3", "duplicate key"),
    (["scenario=empty"], "scenario=empty", "@package _global_"),
    (["scenario=early_event"], "events[0].date", "must not fall before the run starts"),
    (["scenario=twice"], "events[1].changes", "events[0] already changes it on 2025-09"),
    (
        ["events=[{date: '2025-08', changes: {actors.minsk.discount: 5.0}}]"],
        "events[0] (2025-08): actors.minsk.discount",
        "< 1",
    ),
    (["events=[{date: '2025-08', changes: {engine.worlds: 5}}]"], "events[0].changes", "may not change engine.*"),
    (
        ["events=[{date: '2025-08', changes: {actors.minsk.utility: {_target_: builtins.eval}}}]"],
        "events[0].changes",
        "may not change engine.* or a _target_ node",
    ),
    (
        ["events=[{date: '2025-08', changes: {goods.prisoners.foreign.inflow: -4.0}}]"],
        "goods.prisoners.foreign.inflow",
        ">= 0",
    ),
    (["engine.seed=18446744073709551616"], "engine.seed", "<= 9223372036854775807"),
    (["goods.prisoners.rank_and_file.initial=3000000000"], "goods.prisoners.rank_and_file.initial", "<= 10000000"),
    (["goods.prisoners.rank_and_file.inflow=1e12"], "goods.prisoners.rank_and_file.inflow", "<= 100000"),
    (["engine.rounds=100000"], "engine.rounds", "<= 1200"),
    (["+foo=1"], "+foo", "adds a key the schema does not know"),
    (["+actors.minsk.whim=2"], "+actors.minsk.whim", "adds a key the schema does not know"),
    (["engine.start=2025-01-32"], "engine.start", "cannot be parsed"),
    (["name=../../../X"], "name", "it names the run's folder"),
    (["name=/etc/passwd"], "name", "it names the run's folder"),
    # The blocklist: modules whose functions run code, processes or files, even when the user trusts them.
    (
        ["actors.minsk.utility._target_=builtins.eval", "--trust", "builtins"],
        "--trust='builtins'",
        "builtins can never be trusted",
    ),
    (
        ["actors.minsk.utility._target_=subprocess.call", "--trust", "subprocess"],
        "--trust='subprocess'",
        "can never be trusted",
    ),
    (["actors.minsk.utility._target_=os.system", "--trust", "os.path"], "--trust='os.path'", "os can never be trusted"),
    (
        ["actors.minsk.utility._target_=importlib.import_module", "--trust", "importlib"],
        "--trust='importlib'",
        "can never be trusted",
    ),
    (["actors.minsk.utility._target_=shutil.rmtree", "--trust", "shutil"], "--trust='shutil'", "can never be trusted"),
    (["actors.minsk.utility._target_=pickle.loads", "--trust", "pickle"], "--trust='pickle'", "can never be trusted"),
    (["actors.minsk.utility._target_=runpy.run_path"], "actors.minsk.utility", "runpy can never be trusted"),
    (["actors.minsk.utility._target_=eval"], "actors.minsk.utility", "eval is not a trusted module"),
    (["engine.worlds=2", "--trust", "../mymodels"], "--trust='../mymodels'", "dotted Python names"),
    (["engine.worlds=2", "--trust", "my models"], "--trust='my models'", "dotted Python names"),
    # Numbers at their bounds, and the events' changes checked like the command line.
    (["engine.rounds=1201"], "engine.rounds", "<= 1200"),
    (["engine.seed=9223372036854775808"], "engine.seed", "<= 9223372036854775807"),
    (["engine.worlds=1000000000"], "engine.worlds=1000000000", "worlds x"),
    (["goods.prisoners.foreign.initial=10000001"], "goods.prisoners.foreign.initial", "<= 10000000"),
    (["events=[{date: '2025-08', changes: {engine.seed: 3}}]"], "events[0].changes", "may not change engine.*"),
    (
        ["events=[{date: '2025-08', changes: {actors.washington.engagement: 1.5}}]"],
        "actors.washington.engagement",
        "<= 1",
    ),
    (
        ["events=[{date: '2025-08', changes: {goods.prisoners.prominent.inflow: 1e9}}]"],
        "goods.prisoners.prominent.inflow",
        "<= 100000",
    ),
    (["scenario=bad_date"], "events[0].date", "YYYY-MM"),
    (["scenario=bad_change"], "events[0].changes", "names no config key"),
    (["scenario=bad_type"], "engine.rounds", "integer"),
    (["scenario=unknown_actor"], "actors.beijing", "minsk, washington"),
]


@pytest.fixture(scope="module")
def user_scenarios(tmp_path_factory):
    """A user's own scenario folder, added with hydra.searchpath as Hydra users do. The cases only
    read it, so it is written once for the module: every case then composes the same search path,
    and what the program composed for one case's group choices serves the next (as it does for a
    sweep's points) -- each case pays for its own mistake, not for Hydra's composition again."""
    folder = tmp_path_factory.mktemp("user") / "myconf" / "scenario"
    folder.mkdir(parents=True)
    for name, text in SCENARIOS.items():
        (folder / f"{name}.yaml").write_text(text)
    return f"hydra.searchpath=[file://{folder.parent}]"


@pytest.mark.parametrize("overrides,key,allowed", RUN, ids=[" ".join(c[0]) for c in RUN])
def test_run_mistakes(capsys, tmp_path, user_scenarios, overrides, key, allowed):
    out = tmp_path / "out"
    line = one_line_error(capsys, ["run", *overrides, user_scenarios, f"hydra.run.dir={out}"])
    assert key in line and allowed in line, line
    assert not out.exists()


OTHER = [  # (command line with {tmp} for the test's folder, what the line must say)
    (["sweep", "engine.worlds=10", "hydra.sweep.dir={tmp}/out"], "several values"),
    (
        ["sweep", "actors.washington.enagement=0.1,0.2", "hydra.sweep.dir={tmp}/out"],
        "actors.washington.enagement: unknown key",
    ),
    (["sweep", "engine.worlds=10,-3", "hydra.sweep.dir={tmp}/out"], "engine.worlds=-3"),
    (["sweep", "engine.worlds=[10,", "hydra.sweep.dir={tmp}/out"], "cannot parse the sweep"),
    (["sweep", "engine.seed=1,1", "hydra.sweep.dir={tmp}/out"], "some points repeat"),
    (["sweep", "engine.seed=range(0,0)", "hydra.sweep.dir={tmp}/out"], "the sweep has no points"),
    (["sweep", "name=a,../../b", "hydra.sweep.dir={tmp}/out"], "it names the run's folder"),
    (["compare", "{tmp}/norun", "freeze", "--out", "{tmp}/out"], "not a finished run folder"),
    (["compare", "thaw", "--out", "{tmp}/out"], "takes two scenarios or run folders"),
    (["compare", "thaw", "nope", "--out", "{tmp}/out"], "scenario=nope"),
    (["rerun", "{tmp}/norun", "--out", "{tmp}/out"], "no config.yaml"),
    (
        ["plot", "{tmp}/norun", "--out", "{tmp}/out"],
        "not a finished run folder (missing worlds.parquet, rounds.parquet, done.json)",
    ),
    (["plot", "{tmp}/nowhere", "--out", "{tmp}/out"], "not a finished run folder"),
    (["calibrate", "--budget", "all", "--out", "{tmp}/out"], "--budget='all': allowed: default, small"),
    (["theory", "--fast"], "unrecognized arguments: --fast"),
    (["plot", "{tmp}/broken"], "worlds.parquet: not a readable Parquet table"),
    (["compare", "{tmp}/broken", "{tmp}/broken", "--out", "{tmp}/out"], "not a readable Parquet table"),
    (["rerun", "{tmp}/badconfig", "--out", "{tmp}/out"], "config.yaml: not a readable run config"),
    (["compare", "thaw", "freeze", "--out", "{tmp}/afile"], "is a file, not a folder"),
    (["plot", "{tmp}/norun", "--out", "{tmp}/afile"], "is a file, not a folder"),
    (["calibrate", "--write-scenario", "{tmp}/nowhere", "--out", "{tmp}/out"], "must be an existing folder"),
    (["run", "engine.worlds=2", "--trust"], "expected one argument"),
    (["params", "actors.kremlin"], "no such group"),
    (["simulate", "engine.worlds=5"], "unknown command 'simulate'; allowed: run"),
    # The dashboard's own mistakes (its gate is tested in test_dashboard_gate.py).
    (["dashboard", "--port", "0"], "--port=0: must be within 1..65535"),
    (["dashboard", "--port", "65536"], "--port=65536: must be within 1..65535"),
    (["dashboard", "scenario=theory/rubinstein"], "no such scenario; allowed: "),
    (["dashboard", "--host", " "], "--host needs an address"),
    (["dashboard", "freeze"], "takes scenario=NAME, --host and --port, not 'freeze'"),
    (["rerun", "{tmp}/norun", "--trust", "subprocess"], "--trust='subprocess'"),
]


@pytest.mark.parametrize("argv,says", OTHER, ids=[" ".join(c[0][:2]) for c in OTHER])
def test_other_command_mistakes(capsys, tmp_path, argv, says):
    (tmp_path / "norun").mkdir()
    (tmp_path / "afile").write_text("not a folder")
    for name, damage in (("broken", "worlds.parquet"), ("badconfig", "config.yaml")):
        folder = tmp_path / name  # a finished run folder with one file damaged
        folder.mkdir()
        for table in ("worlds.parquet", "rounds.parquet", "done.json"):
            (folder / table).write_bytes(b"PAR1 truncated")
        (folder / "config.yaml").write_text("name: x\nengine: {worlds: [\n" if damage == "config.yaml" else "name: x\n")
    line = one_line_error(capsys, [a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert says in line, line
    assert not (tmp_path / "out").exists()
