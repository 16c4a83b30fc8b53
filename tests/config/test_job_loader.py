"""config/job_loader.py: a job's config, its files composed once, is the config Hydra composes
itself from scratch -- every key, value and flag, for every kind of override."""

from __future__ import annotations

import os

import pytest
from hydra import version
from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.utils import create_automatic_config_search_path
from hydra.core.utils import JobRuntime
from hydra.types import RunMode
from omegaconf import OmegaConf

from quidproquo import cli
from quidproquo.config import conf_dir, job_loader
from quidproquo.config.job_loader import JobConfigLoader


@pytest.fixture(scope="module")
def loaders():
    """Hydra's own loader and ours, over the same search path (ours keeps its compositions
    from case to case, as a process does from job to job)."""
    cli._prepare_hydra()
    version.setbase("1.3")
    JobRuntime().set("name", "cli")
    path = create_automatic_config_search_path(None, "quidproquo.cli", str(conf_dir()))
    job_loader._COMPOSED.clear()
    yield ConfigLoaderImpl(config_search_path=path), JobConfigLoader(config_search_path=path)
    job_loader._COMPOSED.clear()


def text(cfg) -> str:
    """Everything a config is: its YAML (unresolved) and the flags of its root and hydra node."""
    flags = [(node._get_flag("struct"), node._get_flag("readonly")) for node in (cfg, cfg.hydra)]
    return OmegaConf.to_yaml(cfg) + repr(flags)


def outcome(loader, overrides):
    try:
        return text(loader.load_configuration("config", list(overrides), RunMode.RUN))
    except Exception as err:  # the error a wrong override gets, in Hydra's words
        return f"{type(err).__name__}: {err} / {err.__cause__!r}"


RUN = ["scenario=freeze", "engine.worlds=5", "engine.seed=3", "hydra.run.dir=/tmp/x", "hydra.mode=RUN"]
CASES = {
    "values of every type": [
        "scenario=thaw",
        "engine.start='2025-09'",
        "bargaining.end_hazard=0.5",
        "bargaining.talks=false",
        "goods.instruments.potash.relief=[0.5,1.0]",
        "actors.minsk.strategy={_target_: quidproquo.strategies.boulware, beta: 3}",
        "engine.rounds=${engine.worlds}",
        'description="two words"',
        "name=mine",  # a value at the top
        "engine.worlds=5",
        "engine.worlds=6",  # the same key twice: the last wins
        "hydra.run.dir=/tmp/x",
        "hydra.mode=RUN",
    ],
    "a case and a policy alone": ["case=venezuela_2023", "policy=talks", "~scenario", "engine.worlds=10"],
    "a launcher, its options and hydra keys that are not where runs go": [
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        "hydra.job.chdir=true",
        "hydra.verbose=true",
        "hydra.run.dir=/tmp/z",
    ],
    "a value under a key a dict sets": ["engine={worlds: 5}", "engine.seed=2"],
    "a value that is not its type": ["engine.worlds=many"],
    "a key the schema lacks": ["engine.speed=3"],
    "a value under a group": ["scenario.worlds=3"],
    "a deletion and an addition": ["~engine.seed", "+extra=1"],
}


@pytest.mark.parametrize("overrides", list(CASES.values()), ids=list(CASES))
def test_a_jobs_config_is_the_one_hydra_composes(loaders, overrides):
    hydra, ours = loaders
    expected = outcome(hydra, overrides)
    assert outcome(ours, overrides) == expected
    if job_loader._split(overrides) is not None:  # its files were kept: again, from those
        assert outcome(ours, overrides) == expected


def test_values_change_on_files_composed_once(loaders):
    hydra, ours = loaders
    job_loader._COMPOSED.clear()
    for seed in range(2):  # one composition of the files, two jobs
        overrides = [*RUN[:2], f"engine.seed={seed}", f"hydra.run.dir=/tmp/{seed}", "hydra.mode=RUN"]
        assert outcome(ours, overrides) == outcome(hydra, overrides)
    assert len(job_loader._COMPOSED) == 1


def test_the_working_folder_is_the_jobs_own(loaders, tmp_path):
    hydra, ours = loaders
    ours.load_configuration("config", RUN, RunMode.RUN)
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert outcome(ours, RUN) == outcome(hydra, RUN)
        assert str(tmp_path) in outcome(ours, RUN)
    finally:
        os.chdir(here)


def test_a_scenario_file_changed_on_disk_is_composed_again(loaders, tmp_path):
    hydra, ours = loaders
    (tmp_path / "scenario").mkdir()
    mine = tmp_path / "scenario" / "mine.yaml"
    overrides = [f"hydra.searchpath=[file://{tmp_path}]", "scenario=mine", "engine.seed=1"]
    mine.write_text("# @package _global_\nname: mine\ndescription: one\nengine:\n  worlds: 7\n")
    assert "worlds: 7" in outcome(ours, overrides)
    mine.write_text("# @package _global_\nname: mine\ndescription: two\nengine:\n  worlds: 8\n")
    assert outcome(ours, overrides) == outcome(hydra, overrides)
    assert "worlds: 8" in outcome(ours, overrides)


def test_a_sweep_is_hydras_own():
    # its master config (MULTIRUN) goes to Hydra untouched; each job is a RUN of plain values
    assert job_loader._split(["engine.seed=1,2", "hydra.mode=MULTIRUN"]) is None
    assert job_loader._split(["engine.seed=1", "hydra.mode=RUN"]) is not None


def test_a_run_composes_its_files_once_for_its_check_and_its_job(tmp_path, monkeypatch):
    """`qpq run` checks its config before it launches the job (cli.check) and both compose
    through config.job_loader.job_hydra: Hydra composes the files once between them."""
    mine = tmp_path / "mine"  # a choice of files this process has not composed yet
    (mine / "scenario").mkdir(parents=True)
    (mine / "scenario" / "once.yaml").write_text("# @package _global_\nname: once\ndescription: once\n")
    composed = []
    own = ConfigLoaderImpl.load_configuration
    monkeypatch.setattr(
        ConfigLoaderImpl, "load_configuration", lambda self, *a, **k: composed.append(a[1]) or own(self, *a, **k)
    )
    monkeypatch.chdir(tmp_path)
    argv = ["run", "scenario=once", f"hydra.searchpath=[file://{mine}]", "engine.worlds=2", "engine.rounds=2"]
    cli.main([*argv, "output.figures=false", f"hydra.run.dir={tmp_path / 'run'}"])
    assert (tmp_path / "run" / "done.json").exists()
    assert len(composed) == 1, composed
