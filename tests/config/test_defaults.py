"""A default lives in one place: the schema. The YAML under conf/ and scenarios/ says only what a
group or a scenario changes.

Each YAML file is read on its own and every value it sets is compared with the value the key
would have without that file: the schema's default for a group file, and the config composed
without the scenario (but with the groups and parent scenario it names) for a scenario file. A
value equal to that is a second home for a default, and fails. A `default.yaml` group may hold
data the schema cannot (entries of a dict: tiers, instruments, EU members), but no scalar of the
schema: setting one there would be a second default that differs from the first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from quidproquo.config import conf_dir, register
from quidproquo.config.schema import Config, InstrumentConfig, MemberConfig, TierConfig

ROOT = Path(__file__).resolve().parents[2]
GLOBAL_GROUPS = ("case", "policy", "behaviour")  # groups whose files are `# @package _global_`, like a scenario
GROUP_FILES = sorted(
    p for p in (ROOT / "conf").glob("*/*.yaml") if p.parent.name not in ("hydra", "scenario", *GLOBAL_GROUPS)
)
SCENARIO_FILES = sorted(
    [*(ROOT / "scenarios").rglob("*.yaml"), *(p for g in GLOBAL_GROUPS for p in (ROOT / "conf" / g).glob("*.yaml"))]
)
NOT_VALUES = {"defaults", "name", "description", "events", "facts", "case"}
ENTRIES = {"goods.prisoners": TierConfig, "goods.instruments": InstrumentConfig, "actors.eu.members": MemberConfig}


def leaves(node, prefix: str = ""):
    """(dotted key, value) for every value a YAML mapping sets; a `_target_` node is one value."""
    if isinstance(node, dict) and "_target_" not in node:
        for key, value in node.items():
            if not prefix and key in NOT_VALUES:
                continue
            yield from leaves(value, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix, node


def entry_of(key: str) -> tuple[type, list[str]] | None:
    """For a key inside a dict entry (a tier, an instrument, a member): the entry's type and the
    key's path within the entry."""
    for parent, kind in ENTRIES.items():
        if key.startswith(parent + "."):
            return kind, key[len(parent) + 1 :].split(".")[1:]
    return None


def schema_default(key: str):
    """The schema's default for a key ('???' where it has none)."""
    entry = entry_of(key)
    node, parts = (entry[0](), entry[1]) if entry else (Config(), key.split("."))
    for part in parts:
        node = getattr(node, part)
    return node


def group_problems(path: Path) -> list[str]:
    problems = []
    group = path.parent.name
    for key, value in leaves(yaml.safe_load(path.read_text()) or {}, group):
        if path.name == "default.yaml" and entry_of(key) is None:
            problems.append(f"{group}/{path.name}: {key} is a schema scalar; its default belongs in schema.py")
        elif value == schema_default(key):
            problems.append(f"{group}/{path.name}: {key}: {value!r} is the schema's own default")
    return problems


def inherited(path: Path):
    """The config a scenario file (or a case, policy or behaviour file) is laid over: without it,
    with the groups and parent it names."""
    text = yaml.safe_load(path.read_text()) or {}
    group = path.parent.name if path.parent.name in GLOBAL_GROUPS else "scenario"
    overrides = ["~scenario"] + ([f"~{group}"] if group != "scenario" else [])
    for entry in text.get("defaults", []):
        if isinstance(entry, dict):
            overrides += [f"{group.removeprefix('override ').lstrip('/')}={choice}" for group, choice in entry.items()]
        elif entry != "_self_":  # a parent, named relative to this one's folder
            overrides = [o for o in overrides if o != f"~{group}"] + [f"{group}={entry}"]
    register()
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        return compose(config_name="config", overrides=overrides)


def scenario_problems(path: Path) -> list[str]:
    base, problems = inherited(path), []
    for key, value in leaves(yaml.safe_load(path.read_text()) or {}):
        before = OmegaConf.select(base, key)
        before = OmegaConf.to_container(before) if OmegaConf.is_config(before) else before
        if value == before:
            problems.append(f"{path.name}: {key}: {value!r} is what it would be anyway")
    return problems


@pytest.mark.parametrize("path", GROUP_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_group_sets_nothing_to_the_schemas_default(path):
    assert group_problems(path) == []


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.relative_to(p.parents[1]).as_posix())
def test_a_scenario_sets_only_what_it_changes(path):
    assert scenario_problems(path) == []


def test_the_checks_catch_a_second_default(tmp_path):
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "default.yaml").write_text("worlds: 500\n")
    (tmp_path / "goods").mkdir()
    (tmp_path / "goods" / "tiny.yaml").write_text("prisoners:\n  few: {initial: 3, inflow: 0.0}\n")
    assert group_problems(tmp_path / "engine" / "default.yaml") == [
        "engine/default.yaml: engine.worlds is a schema scalar; its default belongs in schema.py"
    ]
    assert group_problems(tmp_path / "goods" / "tiny.yaml") == [
        "goods/tiny.yaml: goods.prisoners.few.inflow: 0.0 is the schema's own default"
    ]
    scenario = tmp_path / "quiet.yaml"
    scenario.write_text(
        "# @package _global_\nname: quiet\nactors:\n  washington: {engagement: 0.0, channel_value: 5.0}\n"
    )
    assert scenario_problems(scenario) == ["quiet.yaml: actors.washington.engagement: 0.0 is what it would be anyway"]
