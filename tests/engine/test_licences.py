"""Relief as senders grant it (issue 21 item 3): a licence with a term lapses unless renewed,
and the EU's February renewals follow the record's votes where a dated event gives them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from quidproquo.config import load, validate
from quidproquo.engine.instruments import IMPOSED, NOT_PENDING
from quidproquo.engine.model import BargainingModel
from tests_support import model


def test_a_licence_with_a_term_is_renewed_or_lapses_at_its_end():
    m = model("thaw", worlds=3, **{"goods.instruments.potash.duration": 3})
    ins = m.instruments
    potash = ins.names.index("potash")
    steps = np.zeros((3, len(ins.names)), dtype=np.int64)
    steps[:2, potash] = 1  # a licence in worlds 0 and 1; nothing in world 2
    ins.lift(np.arange(3), steps, lag=0, round_=5)
    assert ins.expires[:, potash].tolist() == [8, 8, NOT_PENDING]
    assert not ins.expire(7, np.ones(3, dtype=bool)).any()  # not yet due
    lapsed = ins.expire(8, np.array([True, False, False]))
    assert lapsed[:, potash].tolist() == [False, True, False]
    assert ins.level[:, potash].tolist() == [1, 0, 0] and (ins.state[:, potash] == IMPOSED).all()
    assert ins.expires[:, potash].tolist() == [11, NOT_PENDING, NOT_PENDING]  # renewed for another term
    # A delisting (the last step) has no term.
    steps[:, potash] = ins.step_count[potash]
    ins.lift(np.array([0, 1, 2]), steps, lag=0, round_=9)
    assert (ins.expires[:, potash] == NOT_PENDING).all()


def run(*changes: str, worlds: int = 400, rounds: int = 36) -> BargainingModel:
    cfg = load(["scenario=thaw", f"engine.worlds={worlds}", f"engine.rounds={rounds}", "engine.seed=2", *changes])
    cfg.output.event_log_worlds = worlds
    return BargainingModel(config=cfg).run()


def test_in_a_run_a_licence_left_to_lapse_ends_after_its_term_and_a_renewed_one_does_not():
    term = 4
    short = run(
        *(f"goods.instruments.{n}.duration={term}" for n in ("potash", "belavia", "petroleum")),
        "actors.washington.renewal_ratio=0",
    )
    events = short.events.table()
    lapses = events[events.text.str.startswith("lets the licence lapse on")]
    assert len(lapses) > 0
    # No licence in force (imposed, some step) outlives its term: counted from the month of the
    # last deal or change of level (a deal may grant a step again the month one lapses), a run of
    # months with a step in force lasts at most `term` months.
    levels, state, deal = short.recorder.levels, short.recorder.instruments, short.recorder.deal
    licensed = (levels > 0) & (state == IMPOSED)  # (rounds, worlds, instruments)
    longest = 0
    for i in (short.instruments.names.index(n) for n in ("potash", "belavia", "petroleum")):
        length = np.zeros(licensed.shape[1], dtype=int)
        for r in range(licensed.shape[0]):
            fresh = deal[r] | (levels[r, :, i] != levels[r - 1, :, i]) if r else np.ones(licensed.shape[1], bool)
            length = np.where(licensed[r, :, i], np.where(fresh, 1, length + 1), 0)
            longest = max(longest, int(length.max()))
    assert longest == term  # some licence runs its whole term, none longer
    # Renewed whenever arrests are calm (a high ratio): nothing lapses.
    renewed = run(
        *(f"goods.instruments.{n}.duration={term}" for n in ("potash", "belavia", "petroleum")),
        "actors.washington.renewal_ratio=100",
    )
    table = renewed.events.table()
    assert not table.text.str.startswith("lets the licence lapse on").any()
    assert table.text.str.startswith("renews the licence on").any()


def test_a_renewal_the_record_dates_passes_whatever_the_members_would_vote():
    def eu_lapses(with_record: bool) -> np.ndarray:
        cfg = load(
            [
                "scenario=belarus_2025",
                "engine.worlds=300",
                "engine.rounds=9",
                "engine.seed=1",
                "actors.eu.members.HU.veto_renewal=0.9",
            ]
        )
        if not with_record:
            cfg.events = [e for e in cfg.events if "renewed" not in e.instruments.values()]
        validate(cfg)
        m = BargainingModel(config=cfg).run()
        february = (pd.Period("2025-02", freq="M") - m.start).n
        eu = m.instruments.of("eu")
        return (m.recorder.instruments[february][:, eu] != IMPOSED).any(axis=1)

    assert eu_lapses(with_record=False).mean() > 0.5  # HU vetoes nine times in ten
    assert not eu_lapses(with_record=True).any()  # the record: every renewal passed
