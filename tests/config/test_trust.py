"""Trust by resolved object: no config, override or run folder makes an untrusted callable run or
a file be written. Each case is refused in one line before anything it names is called; a
sentinel file that the named function would create must not appear."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
import types

import pytest
import yaml

import quidproquo
from quidproquo import cli
from quidproquo.config import ConfigError
from quidproquo.config.trust import check_arguments, resolve
from tests_support import ROOT
from tests_support import one_line_error as support_error


def one_line_error(capsys, argv) -> str:
    """qpq's error, the last line it printed (a run may log before it refuses)."""
    return support_error(capsys, argv, last=True)


def chains_through_imports():
    """`quidproquo.<module>.<an imported module>.<a function of it>` for every module of the
    package and every module it imports: each reaches code that is not quidproquo's."""
    out = []
    for info in pkgutil.walk_packages(quidproquo.__path__, "quidproquo."):
        if ".dashboard" in info.name or ".classroom" in info.name:
            continue  # the servers import Solara and Starlette at module level: slow to import, same rule
        module = importlib.import_module(info.name)
        for attribute, value in vars(module).items():
            if isinstance(value, types.ModuleType) and not attribute.startswith("_"):
                function = next((n for n, f in vars(value).items() if callable(f) and not n.startswith("_")), None)
                if function:
                    out.append(f"{info.name}.{attribute}.{function}")
            elif (inspect.isfunction(value) or inspect.isclass(value)) and not value.__module__.startswith(
                "quidproquo"
            ):
                out.append(f"{info.name}.{attribute}")  # a name imported from elsewhere
    return sorted(set(out))


CHAINS = chains_through_imports()


def test_the_chains_cover_the_package():
    assert len(CHAINS) > 100
    assert "quidproquo.runs.provenance.subprocess.run" in CHAINS or any(
        c.startswith("quidproquo.runs.provenance.subprocess.") for c in CHAINS
    )


@pytest.mark.parametrize("target", CHAINS)
def test_no_chain_through_an_imported_module_resolves(target):
    with pytest.raises(ConfigError) as err:
        resolve(target, "actors.minsk.utility")
    assert str(err.value).startswith(f"actors.minsk.utility._target_={target!r}: ")


THROUGH_TRUSTED = [  # paths that start in the two modules configs may name, and leave them
    ("quidproquo.utility.np.save", "not a class"),
    ("quidproquo.utility.np.lib.npyio.save", "not a class"),
    ("quidproquo.strategies.np.savetxt", "not a class"),
    ("quidproquo.utility.Mapping.register", "defined in"),
    ("quidproquo.utility.linear.__globals__", "starts with '_'"),
    ("quidproquo.utility.linear.__call__", "starts with '_'"),
    ("quidproquo.utility._add", "starts with '_'"),
    ("quidproquo.utility.annotations", "not a function or class"),
    ("quidproquo.utility", "not a trusted module"),
    ("quidproquo.runs.provenance.subprocess.Popen", "only quidproquo.utility"),
    ("quidproquo.cli.hydra.utils.instantiate", "only quidproquo.utility"),
    ("quidproquo.runs.storage.write_text", "only quidproquo.utility"),
    ("pathlib.Path.write_text", "pathlib can never be trusted"),
    ("hydra.utils.instantiate", "hydra can never be trusted"),
    ("builtins.eval", "builtins can never be trusted"),
]


@pytest.mark.parametrize("target,says", THROUGH_TRUSTED, ids=[t for t, _ in THROUGH_TRUSTED])
def test_paths_out_of_the_trusted_modules(target, says):
    with pytest.raises(ConfigError) as err:
        resolve(target, "k")
    assert says in str(err.value), str(err.value)


def test_what_scenarios_name_still_resolves():
    from quidproquo import strategies, utility

    assert resolve("quidproquo.utility.linear", "k") is utility.linear
    assert resolve("quidproquo.strategies.spe", "k") is strategies.spe


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """A user's own module that imports dangerous things beside the function it defines."""
    (tmp_path / "mymodels").mkdir()
    (tmp_path / "mymodels" / "__init__.py").write_text(
        "import subprocess\nfrom subprocess import call\nfrom pathlib import Path\n"
        "class Fear:\n    @staticmethod\n    def utility(components, weights):\n        return sum(components.values())\n"
        "def fear(components, weights, loss=2.0):\n    return sum(components.values())\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("QPQ_TRUST", "mymodels")
    yield "mymodels"
    sys.modules.pop("mymodels", None)


@pytest.mark.parametrize(
    "target,says",
    [
        ("mymodels.subprocess.call", "not a class"),
        ("mymodels.call", "defined in subprocess, not in mymodels"),
        ("mymodels.Path.write_text", "defined in pathlib"),
        ("mymodels.Path", "defined in pathlib"),
        ("mymodels.fear.__globals__", "starts with '_'"),
        ("mymodels.Fear.__init__", "starts with '_'"),
        ("mymodels.Fear.nothing", "has no 'nothing'"),
    ],
)
def test_a_trusted_user_module_lends_only_what_it_defines(user_module, target, says):
    with pytest.raises(ConfigError) as err:
        resolve(target, "k")
    assert says in str(err.value), str(err.value)


def test_a_trusted_user_function_resolves(user_module):
    import mymodels

    assert resolve("mymodels.fear", "k") is mymodels.fear
    assert resolve("mymodels.Fear.utility", "k") is mymodels.Fear.utility


def test_nested_targets_and_args_are_checked():
    with pytest.raises(ConfigError, match=r"actors.minsk.utility.x._target_='pathlib.Path.write_text'"):
        check_arguments({"x": {"_target_": "pathlib.Path.write_text", "data": "owned"}}, "actors.minsk.utility")
    with pytest.raises(ConfigError, match=r"_args_\[0\]._target_='os.system'"):
        check_arguments({"_args_": [{"_target_": "os.system"}]}, "k")
    with pytest.raises(ConfigError, match=r"deep.a\[1\].b._target_"):
        check_arguments({"deep": {"a": [1, {"b": {"_target_": "quidproquo.runs.provenance.subprocess.call"}}]}}, "k")
    check_arguments({"loss_aversion": 2.0, "nested": {"_target_": "quidproquo.utility.linear"}}, "k")  # trusted: fine


def overrides_that_would_write(sentinel):
    return [
        "actors.minsk.utility._target_=quidproquo.runs.provenance.subprocess.getoutput",
        "actors.minsk.utility={_target_: quidproquo.cli.hydra.utils.instantiate, x: {_target_: pathlib.Path.write_text, "
        f"self: {sentinel}, data: owned}}}}",
        f"actors.minsk.utility={{_target_: quidproquo.utility.crra, x: {{_target_: pathlib.Path.touch, self: {sentinel}}}}}",
        f"actors.minsk.utility={{_target_: quidproquo.utility.crra, _args_: [{{_target_: pathlib.Path.touch, self: {sentinel}}}]}}",
        "actors.washington.strategy={_target_: quidproquo.strategies.np.save, file: " + str(sentinel) + ", arr: 1}",
        "actors.washington.strategy={_target_: quidproquo.strategies.time_dependent, _partial_: false}",
        f"hydra.job_logging.handlers.file.filename={sentinel}",
        "+hydra.callbacks.x._target_=pathlib.Path.touch",
        "hydra.launcher._target_=os.system",
        "hydra/launcher=../../evil",
    ]


@pytest.mark.parametrize("index", range(10))
def test_command_line_overrides_cannot_write(capsys, tmp_path, index):
    sentinel = tmp_path / "owned"
    override = overrides_that_would_write(sentinel)[index]
    out = tmp_path / "out"
    line = one_line_error(capsys, ["run", "engine.worlds=2", "engine.rounds=2", override, f"hydra.run.dir={out}"])
    assert "_target_" in line or "hydra" in line or "not supported" in line, line
    assert not sentinel.exists() and not out.exists()


@pytest.mark.parametrize(
    "text,says",
    [
        (
            "hydra:\n  callbacks:\n    x:\n      _target_: pathlib.Path.touch\n      self: {sentinel}\n",
            "callbacks are code",
        ),
        (
            "hydra:\n  job_logging:\n    handlers:\n      file:\n        filename: {sentinel}\n",
            "a log file goes in the run folder",
        ),
        (
            "actors:\n  minsk:\n    utility:\n      _target_: quidproquo.utility.np.save\n      file: {sentinel}\n",
            "not a class",
        ),
    ],
)
def test_a_shared_scenario_folder_cannot_write(capsys, tmp_path, text, says):
    sentinel = tmp_path / "owned"
    folder = tmp_path / "shared" / "scenario"
    folder.mkdir(parents=True)
    (folder / "gift.yaml").write_text("# @package _global_\nname: gift\n" + text.format(sentinel=sentinel))
    out = tmp_path / "out"
    line = one_line_error(
        capsys,
        [
            "run",
            "scenario=gift",
            f"hydra.searchpath=[file://{folder.parent}]",
            "engine.worlds=2",
            "engine.rounds=2",
            f"hydra.run.dir={out}",
        ],
    )
    assert says in line, line
    assert not sentinel.exists() and not out.exists()


@pytest.mark.parametrize(
    "utility",
    [
        "{_target_: quidproquo.runs.provenance.subprocess.getoutput}",
        "{_target_: quidproquo.utility.crra, x: {_target_: pathlib.Path.touch, self: SENTINEL}}",
        "{_target_: quidproquo.strategies.np.save, file: SENTINEL, arr: 1}",
    ],
)
def test_rerun_of_someone_elses_folder_runs_nothing(capsys, tmp_path, utility):
    folder = tmp_path / "theirs"
    cli.main(["run", "engine.worlds=2", "engine.rounds=2", f"hydra.run.dir={folder}"])
    capsys.readouterr()
    sentinel = tmp_path / "owned"
    config = yaml.safe_load((folder / "config.yaml").read_text())
    config["actors"]["minsk"]["utility"] = yaml.safe_load(utility.replace("SENTINEL", str(sentinel)))
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    out = tmp_path / "again"
    line = one_line_error(capsys, ["rerun", str(folder), "--out", str(out)])
    assert "actors.minsk.utility" in line, line
    assert not sentinel.exists() and not out.exists()


def test_readme_states_the_rule():
    text = (ROOT / "README.md").read_text()
    assert "no blocklist of its own" not in text
    assert "defined* in a module you trust" in text and "mymodels.subprocess.call" in text
