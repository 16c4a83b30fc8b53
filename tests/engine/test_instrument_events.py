"""A dated event may put an instrument in a state, through Instruments (issue 21 item 3): a
reversal the record dates -- relief revoked outside the talks -- or a relief given outside them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from quidproquo.config import ConfigError, load, validate
from quidproquo.config.schema import EventConfig
from quidproquo.engine.instruments import IMPOSED, LIFTED
from quidproquo.engine.model import BargainingModel

WORLDS, REVERSED = 300, "2027-01"


def run(*events: EventConfig, worlds: int = WORLDS):
    cfg = load(["scenario=thaw", f"engine.worlds={worlds}", "engine.seed=4"])
    cfg.events = [*cfg.events, *events]
    validate(cfg)
    m = BargainingModel(config=cfg)
    while m.running:
        m.step()
    return m


def test_a_dated_event_reverses_relief_in_every_world_that_had_it():
    plain = run()
    reversed_ = run(EventConfig(date=REVERSED, text="Belavia re-listed", instruments={"belavia": "imposed"}))
    b, r = plain.instruments.names.index("belavia"), (pd.Period(REVERSED, freq="M") - plain.start).n
    had = plain.recorder.levels[r - 1, :, b] > 0
    assert had.any() and not had.all()  # a reversal with something to reverse, and worlds without
    # The months before are the same world by world; in the month itself (the event comes before
    # the month's talks) no world keeps relief unless that month's deal grants it again.
    assert np.array_equal(reversed_.recorder.levels[:r], plain.recorder.levels[:r])
    assert (reversed_.recorder.instruments[r, ~reversed_.recorder.deal[r], b] == IMPOSED).all()
    assert (reversed_.recorder.levels[r, ~reversed_.recorder.deal[r], b] == 0).all()
    logged = reversed_.events.table()
    assert ((logged.date == REVERSED) & logged.text.str.contains("Belavia re-listed (dated event)", regex=False)).any()


def test_a_dated_event_can_lift_an_instrument_whole():
    m = run(EventConfig(date="2025-09", instruments={"potash": "lifted"}), worlds=20)
    p, r = m.instruments.names.index("potash"), 2
    assert (m.recorder.instruments[r, :, p] == LIFTED).all()
    assert (m.recorder.levels[r, :, p] == m.instruments.step_count[p]).all()


@pytest.mark.parametrize(
    "instruments, says",
    [
        ({"belavai": "imposed"}, "events[1].instruments='belavai': no such instrument; allowed: belavia"),
        ({"belavia": "revoked"}, "events[1].instruments.belavia='revoked': allowed: imposed, lifted, suspended"),
    ],
)
def test_a_bad_instrument_event_is_one_line(instruments, says):
    cfg = load(["scenario=thaw"])
    cfg.events = [*cfg.events, EventConfig(date="2026-01", instruments=instruments)]
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    assert str(err.value).startswith(says) and "\n" not in str(err.value)
