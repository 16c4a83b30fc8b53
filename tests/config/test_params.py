"""`qpq params` (issue 24 item 3): every key's meaning is the schema's comment for that key --
never a bare default word, never the heading of a comment block -- defaults are shown whole,
and with a scenario the value it uses stands beside the default; own scenario folders
(`--scenario-dir`), inheritance, close names and errors that name the scenario file and line."""

from __future__ import annotations

import os
import re
import textwrap

import pytest

from quidproquo.config import ConfigError, load, params, schema
from tests_support import in_process

ROWS = params.rows()
HEADINGS = ("Graduated relief", "Prisoners are chips", "Unilateral releases", "The ask scales", "Any relief at all")


@pytest.mark.parametrize("key, default, allowed, meaning", ROWS, ids=[r[0] for r in ROWS])
def test_every_key_has_a_meaning_of_its_own(key, default, allowed, meaning):
    assert len(meaning.split()) >= 3, meaning
    first = meaning.split()[0].strip(",:;\"'").lower()
    assert first not in {"none", "none:", "false", "true", "or", "0", "0.0"}, meaning  # a value, not a meaning
    assert not meaning.startswith(HEADINGS), meaning
    assert not re.match(r"^(None|false|true)\b", meaning), meaning
    assert "…" not in default, default  # shown whole


def test_a_comment_block_above_fields_is_no_ones_meaning():
    """The block above chip_value..strain_months explains them together in the source; each
    field's meaning is the comment on its own line."""
    comments = params._comments()
    assert comments[("MinskConfig", "strain")] == "strain at round 0"
    assert not any(text.startswith(HEADINGS) for text in comments.values())


def test_target_defaults_are_shown_whole():
    rows = {r[0]: r for r in ROWS}
    assert rows["actors.minsk.utility"][1] == "quidproquo.utility.linear"
    assert rows["actors.minsk.strategy"][1] == "quidproquo.strategies.time_dependent(exponent=0.5)"
    assert rows["goods.instruments.*.steps"][1] == repr(["licence", "general licence", "suspension", "delisting"])
    assert rows["bargaining.talks"][3].startswith("whether envoys bargain")


def test_a_scenario_value_stands_beside_its_default(env):
    done = in_process(["params", "actors.washington", "--scenario", "thaw"], cwd=os.getcwd())
    assert done.returncode == 0, done.stderr
    header, *lines = done.stdout.splitlines()
    assert header.split()[:3] == ["key", "default", "thaw"]
    channel = next(line for line in lines if line.startswith("actors.washington.channel_value "))
    assert channel.split()[1:4] == ["0.0", "40.0", "*"], channel  # the default, thaw's value, marked changed
    discount = next(line for line in lines if line.startswith("actors.washington.discount "))
    assert discount.split()[1:3] == ["0.97", "0.97"] and "*" not in discount.split()[3]


def test_with_a_scenario_the_entries_are_named():
    text = params.table("goods.instruments", "freeze")
    assert "goods.instruments.belavia.monthly_cost" in text and ".*." not in text
    cfg = load(["scenario=freeze"])
    line = next(line for line in text.splitlines() if line.startswith("goods.instruments.belavia.monthly_cost "))
    assert line.split()[2] == repr(cfg.goods.instruments["belavia"].monthly_cost)


def test_a_group_of_no_keys_is_refused():
    with pytest.raises(ConfigError, match="no such group"):
        params.table("actors.kremlin", "thaw")


# ----------------------------------------------------------------------------- own scenarios
def write(folder, name, text):
    (folder / "scenario").mkdir(parents=True, exist_ok=True)
    (folder / "scenario" / f"{name}.yaml").write_text(textwrap.dedent(text))


def test_a_scenario_of_ones_own_inherits_from_another_through_scenario_dir(tmp_path, env):
    write(
        tmp_path / "mine",
        "keen",
        """\
        # @package _global_
        defaults:
          - thaw
          - _self_
        name: keen
        description: "thaw, with a Minsk keener on pardons around visits"
        actors:
          minsk:
            goodwill: 2.0
        """,
    )
    done = in_process(
        ["params", "actors", "--scenario", "keen", "--scenario-dir", str(tmp_path / "mine")], cwd=os.getcwd()
    )
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line.split() for line in done.stdout.splitlines()[1:-1]}
    assert lines["actors.minsk.goodwill"][1:4] == ["0.0", "2.0", "*"]  # its own value
    assert lines["actors.washington.channel_value"][1:4] == ["0.0", "40.0", "*"]  # inherited from thaw
    ran = in_process(
        [
            "run",
            "scenario=keen",
            "engine.worlds=5",
            "engine.rounds=3",
            f"hydra.run.dir={tmp_path / 'run'}",
            "--scenario-dir",
            str(tmp_path / "mine"),
        ],
        cwd=os.getcwd(),
    )
    assert ran.returncode == 0, ran.stderr
    assert "name: keen" in (tmp_path / "run" / "config.yaml").read_text()


def test_scenario_dir_is_in_every_composing_verbs_help(env):
    for verb in ("run", "sweep", "compare", "params"):
        done = in_process([verb, "--help"], cwd=os.getcwd())
        assert "--scenario-dir DIR" in done.stdout and "hydra.searchpath" in done.stdout, verb


def test_a_scenario_dir_without_scenarios_is_one_line(tmp_path, env):
    done = in_process(["run", "scenario=x", "--scenario-dir", str(tmp_path)], cwd=os.getcwd())
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "has no scenario/ sub-folder" in done.stderr


def test_no_such_scenario_names_the_close_ones_and_how_to_add_a_folder():
    with pytest.raises(ConfigError) as caught:
        load(["scenario=thwa"])
    message = str(caught.value)
    assert message.startswith("scenario=thwa: no such scenario; allowed: ")
    assert "did you mean thaw?" in message and "--scenario-dir DIR" in message


def test_a_mistake_in_a_scenario_file_names_the_file_and_line(tmp_path):
    write(
        tmp_path,
        "typo",
        """\
        # @package _global_
        defaults:
          - thaw
          - _self_
        name: typo
        actors:
          minsk:
            goodwil: 2.0
        """,
    )
    write(
        tmp_path,
        "bad",
        """\
        # @package _global_
        name: bad
        actors:
          minsk:
            discount: 1.5
        """,
    )
    search = f"hydra.searchpath=[file://{tmp_path}]"
    with pytest.raises(ConfigError) as caught:
        load(["scenario=typo", search])
    assert str(caught.value).startswith(
        f"{tmp_path / 'scenario' / 'typo.yaml'}: line 8: actors.minsk.goodwil: unknown key"
    )
    with pytest.raises(ConfigError) as caught:
        load(["scenario=bad", search])
    assert str(caught.value) == f"{tmp_path / 'scenario' / 'bad.yaml'}: line 5: actors.minsk.discount=1.5: must be < 1"
    # The same mistake typed on the command line is the command line's, not the file's.
    with pytest.raises(ConfigError) as caught:
        load(["scenario=thaw", "actors.minsk.discount=1.5"])
    assert str(caught.value) == "actors.minsk.discount=1.5: must be < 1"


def test_the_schema_comments_are_the_meanings():
    assert params._comments()[("MinskConfig", "chip_value")].startswith("what a held prisoner could still fetch")
    assert schema.MinskConfig().chip_value == 0.1
