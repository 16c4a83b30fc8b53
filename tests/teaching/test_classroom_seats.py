"""No pair waits for an absent student (issue 23): the instructor's handover, the idle clock, a seat
reclaimed from another device, duplicate names, and a debrief that says who made each move and
ranks only comparable games. Real rooms in SQLite files, real tables; no browser."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from test_classroom import call, form

from quidproquo.teaching.classroom.debrief import debrief, lesson, tables
from quidproquo.teaching.classroom.room import BOT, Room
from quidproquo.teaching.classroom.server import make_app
from quidproquo.teaching.classroom.table import Move, Refused, Table


@pytest.fixture
def room(tmp_path):
    room = Room.create(tmp_path / "session", "thaw", 4, seed=11, idle=30)
    yield room
    room.close()


def pair_of_two(room: Room) -> tuple[str, str]:
    ana = room.join("Ana", room.session.join_code).seat.token
    bob = room.join("Bob", room.session.join_code).seat.token
    room.pair_waiting()
    return ana, bob


def finish_as_washington(room: Room, token: str) -> None:
    """Washington offers (relief 1, level 1) each month and refuses any counter, to the end."""
    pair = room.place(token).pair
    while not room.table(pair).finished:
        table = room.table(pair)
        if table.talk.waiting == ("washington", "offer"):
            room.move(token, Move(table.talk.month, "offer", 1, 1))
        elif table.talk.waiting == ("washington", "answer"):
            room.move(token, Move(table.talk.month, "answer", accept=False))
        else:
            raise AssertionError(f"the table waits for {table.talk.waiting}, not Washington")


# ----------------------------------------------------------------------------- handovers
def test_the_instructor_hands_a_silent_minsk_to_the_built_in_strategy_and_the_pair_finishes(room):
    ana, bob = pair_of_two(room)
    pair = room.pairs()[0]
    room.move(ana, Move(0, "offer", 1, 1))
    room.move(bob, Move(0, "reply", accept=True))
    room.move(ana, Move(1, "offer", 0, 3))
    assert room.table(pair).talk.waiting == ("minsk", "reply")  # Bob has left: the pair would wait for ever
    room.hand(1, "minsk")
    assert room.place(bob).playing is False and room.place(bob).since.reason == "instructor"
    finish_as_washington(room, ana)  # the built-in Minsk answers every month now
    table = room.table(pair)
    assert table.finished and table.month == 4
    # Who made each decision: Bob replied in month 1 only; the built-in strategy from month 2 on.
    assert table.decisions("minsk") == (1, 3) and table.decisions("washington")[1] == 0
    offers = tables(room)["offers"]
    assert offers[(offers.month == 1) & (offers.step == 0)].responder.tolist() == ["Bob"]
    assert set(offers[offers.month > 1].query("proposer == 'washington'").responder) == {BOT}
    assert set(offers.query("proposer == 'minsk'").player) <= {BOT}  # any counter-offer is the built-in strategy's
    # A replay of the stored moves and handovers is the same game.
    room.close()
    again = Room(room.folder)
    try:
        replayed = again.table(again.pairs()[0])
        assert [(t.month, t.offers) for t in replayed.played] == [(t.month, t.offers) for t in table.played]
        assert replayed.students == {"washington": True, "minsk": False}
    finally:
        again.close()


def test_a_handover_between_washington_s_offer_and_its_answer_lets_the_built_in_rule_answer(room):
    ana, bob = pair_of_two(room)
    pair = room.pairs()[0]
    room.move(ana, Move(0, "offer", 0, 3))  # all of the price for no relief: Bob counters
    room.move(bob, Move(0, "reply", 2, 0, accept=False))
    assert room.table(pair).talk.waiting == ("washington", "answer")
    room.hand(1, "washington")  # Ana left after her offer: the built-in Washington answers Bob's counter
    talk = room.table(pair).played[0]
    offer, counter = talk.offers
    assert offer.by_person and counter.by_person and counter.answered_by_person is False
    # The built-in rule: accept a counter worth at least Washington's utility of no deal.
    worth = talk.values["washington"][counter.candidate]
    assert counter.accepted == (worth >= talk.reservation["washington"] - 1e-9)


def test_a_side_idle_for_the_set_time_passes_to_the_built_in_strategy_by_itself(room):
    ana, bob = pair_of_two(room)
    pair = room.pairs()[0]
    start = time.monotonic()  # the clock started when the pair was formed
    assert room.tick(start) == []
    assert room.tick(start + 29) == []  # not yet: 30 s
    assert room.tick(start + 30.5) == [(1, "washington")]  # Ana never made her month-1 offer
    assert room.table(pair).talk.waiting == ("minsk", "reply")  # the built-in Washington offered; Bob's turn
    assert room.tick(start + 31) == []  # Bob's clock starts now
    room.move(bob, Move(0, "reply", accept=True))
    assert room.table(pair).month == 1
    place = room.place(ana)
    assert not place.playing and place.since.reason == "idle" and place.since.month == 0
    app = make_app(room, "http://127.0.0.1:1/")
    page = call(app, "GET", "/", cookies={"qpq_seat": ana}).text
    assert (
        "The built-in strategy is playing your seat since month 1 (no move for 30 s)" in page and "qpq-reclaim" in page
    )
    instructor = call(app, "GET", "/instructor", cookies={"qpq_instructor": room.session.instructor_key}).text
    assert f"{BOT} (for Ana)" in instructor and "passes to the built-in strategy by itself" in instructor
    with pytest.raises(Refused, match="take it back first"):
        room.move(ana, Move(1, "offer", 1, 1))


def test_a_student_takes_the_seat_back_from_another_device_by_name_and_code(room):
    ana, _bob = pair_of_two(room)
    room.hand(1, "washington")
    # A new device (no cookie): the same name, another case, and the code.
    back = room.join("  ana ", room.session.join_code.lower())
    assert back.back and back.seat.name == "Ana" and back.seat.token != ana
    assert room.place(ana) is None  # the lost browser's token no longer holds the seat
    place = room.place(back.seat.token)
    assert place.playing and place.role == "washington" and place.pair.id == 1
    assert room.table(place.pair).talk.waiting == ("washington", "offer")  # her move again, this very month
    room.move(back.seat.token, Move(room.table(place.pair).month, "offer", 1, 1))
    # And her own page's button does the same, with her cookie.
    room.hand(1, "washington")
    app = make_app(room, "http://127.0.0.1:1/")
    assert call(app, "POST", "/reclaim", cookies={"qpq_seat": back.seat.token}).status == 303
    assert room.place(back.seat.token).playing
    reasons = [h.reason for h in room.handovers(room.pairs()[0])]
    assert reasons == ["instructor", "reclaimed", "instructor", "reclaimed"]


@pytest.mark.parametrize("name", ["Ana", "ANA", " Ana  ", "ana"])
def test_a_name_whose_seat_its_student_holds_is_refused_in_one_line(room, name):
    pair_of_two(room)
    with pytest.raises(Refused) as refused:
        room.join(name, room.session.join_code)
    assert refused.value.status == 409 and "name: 'Ana' is taken in this class" in str(refused.value)
    assert "'Ana B.'" in str(refused.value) and "\n" not in str(refused.value)
    room.join("Ana B.", room.session.join_code)  # with an initial, she is in
    assert [s.name for s in room.store.seats()] == ["Ana", "Bob", "Ana B."]


def test_a_waiting_student_s_name_is_taken_too(room):
    room.join("Cy", room.session.join_code)
    with pytest.raises(Refused, match="'Cy' is taken"):
        room.join("cy", room.session.join_code)
    app = make_app(room, "http://127.0.0.1:1/")
    shown = call(
        app, "POST", "/join", form(name="CY", code=room.session.join_code), "application/x-www-form-urlencoded"
    )
    assert shown.status == 409 and "is taken in this class" in shown.text


def test_the_instructor_s_button_only_hands_a_student_s_side(room):
    room.join("Ana", room.session.join_code)
    room.pair_waiting()  # Ana plays Washington against the built-in Minsk (pair 1 is odd)
    for pair, role, status, words in [
        (1, "minsk", 409, "is the built-in strategy already"),
        (9, "minsk", 400, "no such side"),
        (1, "moscow", 400, "no such side"),
    ]:
        with pytest.raises(Refused, match=words) as refused:
            room.hand(pair, role)
        assert refused.value.status == status
    app = make_app(room, "http://127.0.0.1:1/")
    key = {"qpq_instructor": room.session.instructor_key}
    assert call(app, "POST", "/instructor/hand", form(pair=1, role="washington")).status == 403  # the key is needed
    assert (
        call(
            app, "POST", "/instructor/hand", form(pair=1, role="washington"), "application/x-www-form-urlencoded", key
        ).status
        == 303
    )
    assert not room.table(room.pairs()[0]).students["washington"]
    refused = call(
        app, "POST", "/instructor/hand", form(pair="x", role="washington"), "application/x-www-form-urlencoded", key
    )
    assert refused.status == 400 and "pair=&#x27;x&#x27;: must be a whole number" in refused.text


# ------------------------------------------------------------------------------ debrief
def test_the_debrief_ranks_only_comparable_games_and_says_why_the_others_are_not(tmp_path):
    room = Room.create(tmp_path / "s", "thaw", 3, seed=5)
    try:
        tokens = [
            room.join(name, room.session.join_code).seat.token for name in ("Ana", "Bob", "Cy", "Dee", "Eve", "Fay")
        ]
        room.pair_waiting()  # (Ana, Bob), (Cy, Dee), (Eve, Fay)
        ana, bob, cy, dee, eve, fay = tokens
        for month in range(3):  # pair 1 plays all three months themselves
            room.move(ana, Move(month, "offer", 1, 1))
            room.move(bob, Move(month, "reply", accept=True))
        for month in range(3):  # pair 2: Dee leaves after month 1, the instructor hands Minsk over
            room.move(cy, Move(month, "offer", 1, 1))
            if month == 0:
                room.move(dee, Move(0, "reply", accept=True))
            elif month == 1:
                room.hand(2, "minsk")
        room.move(eve, Move(0, "offer", 1, 1))  # pair 3 plays one month and the class ends
        room.move(fay, Move(0, "reply", accept=True))
        room.end()
        result = debrief(room)
    finally:
        room.close()
    pairs = result.pairs.set_index("pair")
    assert pairs.months.tolist() == [3, 3, 1] and result.months == 3
    assert pairs.loc[2, ["minsk_by_person", "minsk_by_bot"]].tolist() == [1, 2]
    assert pairs.loc[1, ["washington_by_person", "washington_by_bot", "minsk_by_person", "minsk_by_bot"]].tolist() == [
        3,
        0,
        3,
        0,
    ]
    assert sorted(result.ranking["washington"].student) == ["Ana", "Cy"]  # Cy played all his decisions
    assert result.ranking["minsk"].student.tolist() == ["Bob"]
    assert set(result.unranked) == {
        "Dee (pair 2, Minsk): the built-in strategy made 2 of the side's 3 decisions",
        "Eve (pair 3, Washington): 1 of 3 months played",
        "Fay (pair 3, Minsk): 1 of 3 months played",
    }


def test_the_lesson_is_the_sentence_the_numbers_support(room):
    ana, bob = pair_of_two(room)
    for month in range(4):
        room.move(ana, Move(month, "offer", 1, 1))
        room.move(bob, Move(month, "reply", accept=True))
    result = debrief(room)
    row = result.pairs.iloc[0]
    said = lesson(result)
    assert said.startswith(
        f"Your {int(row.deals)} deals freed {int(row.released_deal):,} prisoners against the built-in "
        f"strategies' {int(row.released_deal_builtin):,} in {int(row.deals_builtin)} deals"
    )
    assert f"gave Washington {row.share_washington:.2f} of the gains from trade" in said
    theory = list(result.predictions.values())
    nearest = np.argmin([abs(row.share_washington - t) for t in theory])
    assert f"{theory[nearest]:.2f}" in said.split("nearest")[1] and said.endswith(".") and "\n" not in said
    nobody = type(result)(
        result.pairs.assign(deals=0, released_deal=0), result.spread, result.ranking, result.predictions
    )
    assert lesson(nobody).startswith("No pair made a deal")


def test_the_projector_page_shows_the_lesson_chart_and_theory_first_with_eight_columns(room):
    ana, bob = pair_of_two(room)
    for month in range(4):
        room.move(ana, Move(month, "offer", 1, 1))
        room.move(bob, Move(month, "reply", accept=True))
    app = make_app(room, "http://127.0.0.1:1/")
    page = call(app, "GET", "/instructor/debrief", cookies={"qpq_instructor": room.session.instructor_key}).text
    marks = (
        'class="lesson qpq-lesson"',
        '<svg class="qpq-chart"',
        '<ul class="qpq-theory"',
        '<table class="qpq-debrief-pairs"',
    )
    lesson_at, chart_at, theory_at, table_at = (page.index(k) for k in marks)
    assert lesson_at < chart_at < theory_at < table_at
    first = page[table_at : page.index("</table>", table_at)]
    assert first.count("<th>") == 8  # at most eight columns on the projector; the rest are folded
    assert "<details" in page and "qpq-debrief-all" in page
    result = debrief(room)
    for share in result.predictions.values():
        assert f"<b>{share:.2f}</b>" in page  # the theory, to two decimals
    assert f"{result.pairs.share_washington.iloc[0]:.2f}" in first and "qpq-code" not in page
    assert (
        page.count('class="qpq-students"') == 1 and page.count('class="qpq-builtin"') == 1
    )  # a dot and a diamond per pair


def test_the_export_marks_who_made_and_answered_each_offer_and_counts_months_from_one(room):
    ana, bob = pair_of_two(room)
    room.move(ana, Move(0, "offer", 0, 3))
    room.move(bob, Move(0, "reply", 2, 0, accept=False))
    room.hand(1, "washington")
    offers = tables(room)["offers"]
    assert offers[["month", "step", "proposer", "player", "responder"]].values.tolist() == [
        [1, 0, "washington", "Ana", "Bob"],
        [1, 1, "minsk", "Bob", BOT],
    ]
    outcomes = tables(room)["outcomes"]
    assert outcomes.month.min() == 1 and set(outcomes.pair) == {1}


def test_an_old_session_file_gets_the_idle_setting_and_the_handovers(tmp_path):
    """A session made before issue 23 (no idle column, no handovers table) opens and plays on."""
    import sqlite3

    room = Room.create(tmp_path / "s", "thaw", 2, seed=3)
    ana, _bob = pair_of_two(room)
    room.move(ana, Move(0, "offer", 1, 1))
    room.close()
    with sqlite3.connect(tmp_path / "s" / "classroom.sqlite") as db:
        db.execute("DROP TABLE handovers")
        db.execute("ALTER TABLE session DROP COLUMN idle")
        db.execute("ALTER TABLE offers DROP COLUMN responder")
    again = Room(tmp_path / "s")
    try:
        assert again.idle == 60
        again.hand(1, "minsk")
        assert again.table(again.pairs()[0]).month == 1
        assert pd.DataFrame(again.store.rows("offers")).shape[1] == 16
    finally:
        again.close()


def test_a_table_replays_a_handover_where_it_happened():
    from quidproquo.teaching.classroom.room import session_config
    from quidproquo.teaching.classroom.table import Hand

    config = session_config("thaw")
    table = Table(config, 17, 4, {"washington": True, "minsk": True})
    history = []

    def do(event):
        history.append(event)
        if isinstance(event, Hand):
            table.hand(event.role, event.person)
        else:
            table.apply(table.mover(event), event)

    do(Move(0, "offer", 1, 1))
    do(Move(0, "reply", accept=True))
    do(Move(1, "offer", 0, 3))
    do(Hand("minsk", False))  # Minsk's student leaves with Washington's offer on the table
    for month in (1, 2):
        if table.month == month and table.talk.waiting == ("washington", "answer"):
            do(Move(month, "answer", accept=False))
        if month == 1:
            do(Move(2, "offer", 1, 0))
    do(Hand("minsk", True))  # and comes back
    assert table.talk.waiting == ("washington", "offer") and table.month == 3
    do(Move(3, "offer", 2, 1))
    assert table.talk.waiting == ("minsk", "reply")  # Minsk's student answers month 4's offer
    assert [t.offers[0].answered_by_person for t in table.played if t.offers] == [True, False, False]
    replayed = Table(config, 17, 4, {"washington": True, "minsk": True}, history)
    assert [(t.month, t.offers) for t in replayed.played] == [(t.month, t.offers) for t in table.played]
    assert replayed.talk.waiting == table.talk.waiting and replayed.students == table.students
