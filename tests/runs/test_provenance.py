"""What a run folder records about its making: config.yaml round-trips through load_config, and
run.json says which code and seed made it."""

import json
import re

import pandas as pd
import pytest

from quidproquo import __version__, utility
from quidproquo.config import ConfigError, load
from quidproquo.engine.model import BargainingModel
from quidproquo.runs import provenance


def test_config_yaml_round_trips_through_load_config(tmp_path):
    cfg = load(
        [
            "scenario=thaw",
            "engine.worlds=3",
            "engine.rounds=4",
            "engine.seed=12",
            "actors.minsk.clemency=0.4",
            "goods.prisoners.foreign.inflow=2.5",
        ]
    )
    provenance.write(cfg, tmp_path)
    again = provenance.load_config(tmp_path)
    assert again == cfg
    assert provenance.config_yaml(again) == (tmp_path / "config.yaml").read_text()
    a, b = BargainingModel(config=cfg).run(), BargainingModel(config=again).run()
    pd.testing.assert_frame_equal(a.recorder.rounds_table(a), b.recorder.rounds_table(b))


def test_every_scenario_round_trips(tmp_path):
    for name in ("freeze", "belarus_2025_calibrated", "theory/rubinstein"):  # thaw is above
        cfg = load([f"scenario={name}"])
        provenance.write(cfg, tmp_path / name)
        assert provenance.load_config(tmp_path / name) == cfg, name


@pytest.mark.parametrize(
    "overrides",
    [
        ["scenario=thaw"],
        ["scenario=belarus_2025"],
        ["scenario=theory/time_dependent"],
        ["case=venezuela_2023", "policy=talks"],
        ["scenario=freeze", "actors.washington.strategy={_target_: quidproquo.strategies.time_dependent, beta: 2}"],
    ],
)
def test_config_yaml_is_the_text_omegaconf_writes_of_the_config(overrides):
    """config.yaml is dumped from the plain tree (not through a DictConfig): the same bytes as
    OmegaConf.to_yaml of that tree, quoting and order included."""
    from omegaconf import OmegaConf

    cfg = load(overrides)
    cfg.actors.minsk.utility = utility.linear  # and a callable from Python, written by name
    text = provenance.config_yaml(cfg)
    cfg.actors.minsk.utility = {"_target_": "quidproquo.utility.linear"}
    tree = OmegaConf.structured(cfg)
    assert text == OmegaConf.to_yaml(tree)


def test_run_json_names_the_version_the_commit_the_seed_and_the_time(tmp_path):
    cfg = load(["scenario=freeze", "engine.seed=77"])
    provenance.write(cfg, tmp_path)
    about = json.loads((tmp_path / "run.json").read_text())
    assert set(about) == {"quidproquo", "git_commit", "seed", "scenario", "written"}
    assert about["quidproquo"] == __version__ and about["seed"] == 77 and about["scenario"] == "freeze"
    assert about["git_commit"] is None or re.fullmatch(r"[0-9a-f]{40}(\+dirty)?", about["git_commit"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00", about["written"])
    assert provenance.git_commit() == about["git_commit"]


def test_the_commit_is_read_without_writing_into_the_checkout(tmp_path):
    """A run reads its checkout's commit while it may be killed at any moment: git's status must
    not take .git/index.lock (a kill would leave it, and every git command would then refuse)."""
    import os
    import subprocess

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "a.txt").write_text("one\n")
    git("add", "a.txt")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one")
    index = tmp_path / ".git" / "index"
    os.utime(tmp_path / "a.txt", (1, 1))  # a stat the index does not hold: a plain status would refresh it
    before = index.read_bytes()
    commit = provenance.commit_of(tmp_path)
    assert re.fullmatch(r"[0-9a-f]{40}", commit)  # the same bytes: not dirty
    assert index.read_bytes() == before and not (tmp_path / ".git" / "index.lock").exists()
    (tmp_path / "a.txt").write_text("two\n")
    assert provenance.commit_of(tmp_path) == commit + "+dirty"
    assert provenance.commit_of(tmp_path / "nowhere") is None  # not a checkout


def test_a_callable_passed_from_python_is_written_by_its_name(tmp_path):
    cfg = load(["scenario=thaw"])
    cfg.actors.minsk.utility = utility.linear
    text = provenance.config_yaml(cfg)
    assert "_target_: quidproquo.utility.linear" in text
    provenance.write(cfg, tmp_path)
    assert provenance.load_config(tmp_path).actors.minsk.utility == {"_target_": "quidproquo.utility.linear"}


def test_a_folder_without_a_readable_config_is_one_line(tmp_path):
    with pytest.raises(ConfigError, match=r"not a run folder \(no config\.yaml\)"):
        provenance.load_config(tmp_path)
    for text in ("engine: [unclosed", "engine:\n  worlds: many\n", "no_such_key: 1\n"):
        (tmp_path / "config.yaml").write_text(text)
        with pytest.raises(ConfigError, match="not a readable run config") as caught:
            provenance.load_config(tmp_path)
        assert "\n" not in str(caught.value) and len(str(caught.value)) < 300
