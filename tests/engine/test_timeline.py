"""Dated scenario events: each changes its key from its month on, in the model's copy of the config."""

import numpy as np

from quidproquo.config import load
from quidproquo.config.schema import EventConfig
from quidproquo.engine.model import BargainingModel
from quidproquo.engine.timeline import Timeline


def config(*events: EventConfig, worlds: int = 3, rounds: int = 5, logged: int = 100):
    cfg = load(
        [
            "scenario=thaw",
            f"engine.worlds={worlds}",
            f"engine.rounds={rounds}",
            "actors.washington.engagement=1.0",
            f"output.event_log_worlds={logged}",
        ]
    )
    cfg.events = list(events)  # thaw's own event (2025-09) would fall inside these runs too
    return cfg


def test_events_are_kept_by_the_round_their_month_is_from_the_start():
    cfg = config(
        EventConfig(date="2025-09", changes={"actors.moscow.tolerance": 0.05}),
        EventConfig(date="2025-07", changes={"actors.minsk.clemency": 0.5}),
        EventConfig(date="2025-09-15", changes={"actors.eu.listing_cost": 1.0}),
    )
    timeline = Timeline(cfg, BargainingModel(config=cfg).start)  # engine.start is 2025-07
    assert sorted(timeline.by_round) == [0, 2]
    assert [e.changes for e in timeline.by_round[2]] == [
        {"actors.moscow.tolerance": 0.05},
        {"actors.eu.listing_cost": 1.0},
    ]
    assert [e.changes for e in timeline.by_round[0]] == [{"actors.minsk.clemency": 0.5}]


def test_an_event_changes_its_key_from_its_month_on_and_not_before():
    cfg = config(
        EventConfig(date="2025-09", text="the envoys stop coming", changes={"actors.washington.engagement": 0.0})
    )
    m = BargainingModel(config=cfg)
    seen = []
    while m.running:
        m.step()
        seen.append(m.cfg.actors.washington.engagement)
    assert seen == [1.0, 1.0, 0.0, 0.0, 0.0]  # rounds 0..4 are 2025-07..2025-11
    engaged = m.recorder.us_engaged  # (round, world)
    assert engaged[:2].all() and not engaged[2:].any()
    assert cfg.actors.washington.engagement == 1.0, "the caller's config is not the model's"


def test_an_event_is_logged_in_words_in_every_logged_world_on_its_month():
    cfg = config(
        EventConfig(date="2025-08", text="a summit", changes={"actors.moscow.tolerance": 0.2}),
        EventConfig(date="2025-10", changes={"actors.minsk.clemency": 0.5}),
        worlds=3,
        logged=2,
    )
    m = BargainingModel(config=cfg).run()
    log = m.events.table()
    events = log[log.kind == "event"]
    assert set(events.actor) == {"scenario"}
    assert events[["world", "round", "date", "text"]].values.tolist() == [
        [0, 1, "2025-08", "a summit"],
        [0, 3, "2025-10", "actors.minsk.clemency = 0.5"],
        [1, 1, "2025-08", "a summit"],
        [1, 3, "2025-10", "actors.minsk.clemency = 0.5"],
    ]  # world 2 keeps no log


def test_an_event_on_a_month_past_the_horizon_never_happens():
    cfg = config(EventConfig(date="2030-01", changes={"actors.washington.engagement": 0.0}), rounds=3)
    m = BargainingModel(config=cfg).run()
    assert m.cfg.actors.washington.engagement == 1.0
    assert np.all(m.recorder.us_engaged)
