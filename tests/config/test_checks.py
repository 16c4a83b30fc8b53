"""The checks a config's types cannot express: each mistake is one line naming the key, the value
and what is allowed; and the dotted-key helpers every config change goes through."""

import re

import numpy as np
import pandas as pd
import pytest

from quidproquo.config import ConfigError, has_key, load, month, set_key, validate, value_of, with_changes
from quidproquo.config.checks import CHOICES, RANGES, Range, _expand
from quidproquo.config.schema import EventConfig


@pytest.fixture(scope="module")
def thaw():
    return load(["scenario=thaw"])


def fails(cfg, change, says: str) -> str:
    """Apply `change` to a copy of cfg and check that validate refuses it in one line saying `says`."""
    broken = with_changes(cfg, {}, check=False)
    change(broken)
    with pytest.raises(ConfigError) as caught:
        validate(broken)
    message = str(caught.value)
    assert says in message and "\n" not in message, message
    return message


def test_every_shipped_scenario_passes(thaw):
    validate(thaw)
    for name in ("freeze", "belarus_2025", "belarus_2025_calibrated", "theory/rubinstein", "theory/nash"):
        validate(load([f"scenario={name}"]))


def test_every_range_and_choice_names_keys_the_config_has(thaw):
    for pattern in [*RANGES, *CHOICES]:
        keys = [key for key, _ in _expand(thaw, pattern)]
        assert keys and all(has_key(thaw, key) for key in keys), pattern


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("actors.washington.engagement", 1.5, "actors.washington.engagement=1.5: must be <= 1"),
        ("actors.minsk.discount", 1.0, "actors.minsk.discount=1.0: must be < 1"),
        ("actors.minsk.discount", 0.0, "actors.minsk.discount=0.0: must be > 0"),
        ("engine.rounds", 0, "engine.rounds=0: must be >= 1"),
        ("engine.rounds", 1201, "engine.rounds=1201: must be <= 1200"),
        ("goods.prisoners.foreign.inflow", -1.0, "goods.prisoners.foreign.inflow=-1.0: must be >= 0"),
        ("actors.eu.members.HU.threshold", 2.0, "actors.eu.members.HU.threshold=2.0: must be <= 1"),
        ("actors.minsk.clemency", float("nan"), "actors.minsk.clemency=nan: must be a finite number"),
        ("actors.moscow.tolerance", float("inf"), "actors.moscow.tolerance=inf: must be a finite number"),
        ("bargaining.protocol", "auction", "bargaining.protocol='auction': allowed: alternating, nash"),
        ("goods.instruments.potash.sender", "un", "goods.instruments.potash.sender='un': allowed: washington, eu"),
        ("name", "../elsewhere", "name='../elsewhere': must be letters, digits"),
        ("engine.start", "July", "engine.start='July': must be a date written YYYY-MM"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_key_the_value_and_what_is_allowed(thaw, key, value, says):
    fails(thaw, lambda cfg: set_key(cfg, key, value) if key != "name" else setattr(cfg, "name", value), says)


def test_a_relief_ladder_must_rise_to_one_in_as_many_steps_as_the_instrument_has(thaw):
    steps = len(thaw.goods.instruments["potash"].steps)
    bad = {"short": [1.0] * (steps - 1), "not to one": [0.5] * steps, "falling": [0.6, 0.4, 1.0][:steps]}
    for values in bad.values():

        def change(cfg, values=values):
            cfg.goods.instruments["potash"].relief = values

        fails(thaw, change, f"goods.instruments.potash.relief={values!r}: must rise to 1.0 in {steps} steps")


def test_the_minimum_repression_may_not_exceed_the_maximum(thaw):
    def change(cfg):
        cfg.actors.minsk.repression_min = cfg.actors.minsk.repression_max + 1

    fails(thaw, change, "actors.minsk.repression_min=")


def test_an_event_is_checked_for_its_date_its_key_and_what_it_sets(thaw):
    def event(date, changes):
        return lambda cfg: cfg.events.append(EventConfig(date=date, changes=changes))

    fails(thaw, event("2024-01", {"actors.moscow.tolerance": 0.1}), "must not fall before the run starts (2025-07)")
    fails(thaw, event("2025-10", {"actors.moscow.no_such": 0.1}), "names no config key")
    fails(thaw, event("2025-10", {"engine.worlds": 5}), "an event may not change engine.* or a _target_ node")
    fails(thaw, event("2025-10", {"actors.minsk.utility": {}}), "an event may not change engine.* or a _target_ node")
    fails(thaw, event("2025-09", {"actors.moscow.tolerance": 0.2}), "already changes it on 2025-09")
    message = fails(thaw, event("2025-10", {"actors.washington.engagement": 3.0}), "must be <= 1")
    assert message.startswith("events[1] (2025-10): actors.washington.engagement=3.0")
    fails(thaw, event("2025-10", {"actors.washington.engagement": "often"}), "has the wrong type for this key")


def test_month_reads_a_written_month_and_nothing_else():
    assert month("2025-07", "k") == pd.Period("2025-07", freq="M")
    assert month("2025-07-31", "k") == pd.Period("2025-07", freq="M")
    for text in ("July", "2025-7", "25-07", "2025-13", "2025/07", ""):
        with pytest.raises(ConfigError, match=f"^{re.escape(f'k={text!r}: must be a date written YYYY-MM')}$"):
            month(text, "k")


def test_a_range_says_what_it_allows():
    assert str(Range(0, 1, True, True)) == "> 0 and < 1"
    assert str(Range(0, 1)) == ">= 0 and <= 1"
    assert str(Range(1)) == ">= 1"
    assert str(Range()) == "any finite number"


def test_dotted_keys_are_read_and_set_through_dicts_and_dataclasses(thaw):
    cfg = with_changes(thaw, {}, check=False)
    assert has_key(cfg, "goods.prisoners.foreign.valuation.washington") and not has_key(cfg, "goods.prisoners.nobody")
    assert not has_key(cfg, "actors.minsk.no_such")
    set_key(cfg, "engine.rounds", "24")  # set as the field's own type: an int from the text an event may carry
    assert cfg.engine.rounds == 24 and isinstance(cfg.engine.rounds, int)
    set_key(cfg, "goods.prisoners.foreign.inflow", 7)
    assert value_of(cfg, "goods.prisoners.foreign.inflow") == 7.0
    assert isinstance(cfg.goods.prisoners["foreign"].inflow, float)
    assert value_of(cfg, "actors.moscow.tolerance@2025-09") == 0.05  # what thaw's 2025-09 event sets
    with pytest.raises(ConfigError, match=re.escape("no event on 2025-10 changes actors.moscow.tolerance")):
        value_of(cfg, "actors.moscow.tolerance@2025-10")


def test_with_changes_works_on_a_copy_and_checks_the_result(thaw):
    before = thaw.actors.minsk.clemency
    changed = with_changes(thaw, {"actors.minsk.clemency": np.float64(0.25), "actors.moscow.tolerance@2025-09": 0.01})
    assert changed.actors.minsk.clemency == 0.25 and type(changed.actors.minsk.clemency) is float
    assert changed.events[0].changes["actors.moscow.tolerance"] == 0.01
    assert thaw.actors.minsk.clemency == before and thaw.events[0].changes["actors.moscow.tolerance"] == 0.05
    with pytest.raises(ConfigError, match=f"^{re.escape('actors.minsk.nothing: names no config key')}$"):
        with_changes(thaw, {"actors.minsk.nothing": 1})
    with pytest.raises(ConfigError, match=re.escape("actors.washington.engagement=2.0: must be <= 1")):
        with_changes(thaw, {"actors.washington.engagement": 2.0})
    assert with_changes(thaw, {"actors.washington.engagement": 2.0}, check=False).actors.washington.engagement == 2.0
