"""The dashboard without a browser: what the page may set (issue 6), and the play seat."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest

from quidproquo.config import ConfigError
from quidproquo.teaching.dashboard.controls import (
    KNOBS,
    DashboardModel,
    knobs_for,
    overrides,
    realised_utility,
    scenarios,
)
from quidproquo.teaching.play import WORLDS
from tests_support import in_process


# ------------------------------------------------------------------------------ safety
def test_scenarios_are_the_listed_files_only():
    assert "thaw" in scenarios() and "freeze" in scenarios()
    assert not any(name.startswith("theory/") for name in scenarios())


@pytest.mark.parametrize("scenario", ["nope", "../../etc/passwd", "thaw,freeze", "theory/rubinstein", 3, None])
def test_the_model_factory_refuses_an_unlisted_scenario(scenario):
    with pytest.raises(ConfigError, match="no such scenario"):
        DashboardModel(scenario_name=scenario)


@pytest.mark.parametrize(
    "name, value",
    [
        ("actors__washington__utility___target_", 1.0),  # a key that is not a knob
        ("_target_", 1.0),
        ("hydra_run_dir", 1.0),
    ],
)
def test_the_model_factory_refuses_an_unknown_key(name, value):
    with pytest.raises(ConfigError, match="not a dashboard control"):
        DashboardModel(**{name: value})


@pytest.mark.parametrize(
    "name, value",
    [
        ("washington_engagement", "1 actors.washington.utility._target_=os.system"),
        ("washington_engagement", "0.5"),
        ("washington_engagement", True),
        ("washington_engagement", float("nan")),
        ("washington_engagement", 1.5),
        ("worlds", 10_000),
        ("worlds", 2.5),
    ],
)
def test_knobs_take_numbers_in_range_only(name, value):
    with pytest.raises(ConfigError):
        DashboardModel(**{name: value})


def test_overrides_name_only_whitelisted_keys():
    values = {name: KNOBS[name].low for name in KNOBS}
    keys = {o.split("=", 1)[0] for o in overrides("thaw", values)}
    allowed = {"scenario"} | {k.key for k in KNOBS.values() if not k.stance}
    assert all(k in allowed or (k.startswith("actors.eu.members.") and k.endswith(".threshold")) for k in keys)


def test_sliders_start_at_the_scenario_values():
    thaw, freeze = knobs_for("thaw"), knobs_for("freeze")
    assert thaw["washington_engagement"] > 0 and freeze["washington_engagement"] == 0
    model = DashboardModel(scenario_name="thaw", worlds=3, washington_channel_value=7.0, eu_dove_threshold=0.45)
    assert model.cfg.actors.washington.channel_value == 7.0
    assert all(m.threshold == 0.45 for m in model.cfg.actors.eu.members.values() if m.stance == "dove")


def test_play_mode_limits_worlds_and_sends_an_envoy_every_month():
    model = DashboardModel(scenario_name="freeze", seat="washington", worlds=200)
    assert model.num_worlds == WORLDS
    assert model.cfg.actors.washington.engagement == 1.0
    model.step()
    assert model.recorder.us_engaged[0].all()


@pytest.mark.parametrize(
    "args, message",
    [
        (["scenario=nope"], "no such scenario"),
        (["--port", "99999"], "--port"),
        (["--port", "eighty"], "--port"),
        (["engine.worlds=3"], "takes scenario=NAME"),
    ],
)
def test_qpq_dashboard_refuses_bad_input_in_one_line(args, message, env):
    done = in_process(["dashboard", *args], cwd=os.getcwd())
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- the seat
def _offers(model, proposer):
    return [o for o in model.recorder.offers if o[4] == proposer]


def test_a_seated_washington_offers_exactly_the_chosen_candidates():
    model = DashboardModel(scenario_name="thaw", seat="washington", worlds=5, seed=3)
    levels = model.player.levels
    choices = [(1, 1), (2, 2), (0, 3)]
    for relief, release in choices:
        model.player.relief, model.player.release, model.player.accept = relief, release, False
        model.step()
    made = {(r, int(w)): int(c) for r, worlds, cands in model.player.made for w, c in zip(worlds, cands)}
    offered = {(o[1], o[0]): int(o[5]) for o in _offers(model, "washington")}
    assert offered and offered == {key: c for key, c in made.items() if key in offered}
    for (round_, _world), candidate in offered.items():
        relief, release = choices[round_]
        assert candidate == relief * levels + release  # every world can still lift these and frees someone
    log = [e[5] for e in model.events.rows if e[0] == 0 and e[4] == "offer" and e[3] == "washington"]
    assert len(log) == 3 and all(text.startswith("Washington proposes: release") for text in log)


def test_refusing_the_counter_offer_means_no_deal_that_month():
    model = DashboardModel(scenario_name="thaw", seat="washington", worlds=8, seed=1)
    # All of the ask for no relief: Minsk refuses, counters, and the seat refuses the counter.
    model.player.relief, model.player.release, model.player.accept = 0, model.cfg.bargaining.release_levels - 1, False
    model.step()
    assert model.recorder.us_engaged[0].all()
    assert not model.recorder.deal[0].any()
    assert _offers(model, "minsk")  # Minsk did counter
    assert not any(o[8] for o in model.recorder.offers)


def test_accepting_the_counter_offer_makes_the_deal_minsk_proposed():
    model = DashboardModel(scenario_name="thaw", seat="washington", worlds=8, seed=1)
    model.player.relief, model.player.release, model.player.accept = 0, model.cfg.bargaining.release_levels - 1, True
    model.step()
    counters = [o for o in _offers(model, "minsk") if o[8]]
    assert counters and model.recorder.deal[0].sum() == len(counters)


def test_a_seated_minsk_answers_washington_and_counters():
    model = DashboardModel(scenario_name="thaw", seat="minsk", worlds=4, seed=2)
    model.player.relief, model.player.release, model.player.accept = 2, 1, False
    model.step()
    levels = model.player.levels
    assert not any(o[8] for o in _offers(model, "washington"))  # the seat refused every first offer
    assert all(int(o[5]) == 2 * levels + 1 for o in _offers(model, "minsk"))


def test_the_built_in_strategy_baseline_runs_the_same_worlds():
    model = DashboardModel(scenario_name="thaw", seat="washington", worlds=6, seed=4)
    for _ in range(3):
        model.step()
    baseline = model.baseline()
    assert baseline.round == 3 and baseline.num_worlds == 6 and not baseline.talks.seats
    yours, theirs = realised_utility(model, "washington"), realised_utility(baseline, "washington")
    assert yours.shape == theirs.shape == (6,) and np.isfinite(yours).all() and np.isfinite(theirs).all()
    # The same month-0 flows: only the decisions differ between the two runs.
    assert (model.recorder.tier_flows["arrests"][0] == baseline.recorder.tier_flows["arrests"][0]).all()


@pytest.mark.parametrize(
    "args,host", [([], "127.0.0.1"), (["--port", "8800"], "127.0.0.1"), (["--host", "0.0.0.0"], "0.0.0.0")]
)
def test_the_dashboard_binds_to_localhost_unless_a_host_is_given(monkeypatch, args, host):
    from quidproquo import cli
    from quidproquo.teaching.dashboard import serve

    started = []
    monkeypatch.setattr(serve, "serve", lambda *a: started.append(a))
    cli.main(["dashboard", *args])
    assert started[0][0] == host
    assert serve.command(host, 8765)[serve.command(host, 8765).index("--host") + 1] == host


# ------------------------------------------------------------- the offer shown is the offer made
def _world0_offers(model, proposer="washington"):
    return [e for e in model.events.rows if e[0] == 0 and e[4] == "offer" and e[3] == proposer]


def test_the_offer_made_is_exactly_the_offer_the_form_shows():
    # Before issue 13 the form read the menu before the month's flows and the talks rebuilt it
    # after them: thaw, seed 0 showed "1/4 of the price: 5 (5 foreign)" and released 6.
    model = DashboardModel(scenario_name="thaw", seat="washington", worlds=20, seed=0)
    player = model.player
    # (relief, release) choices, some past the menu's end: they are clipped, never refused.
    for relief, release in [(1, 1), (1, 1), (0, 3), (9, 0), (2, 2), (3, 7), (1, 0), (2, 1)]:
        player.relief, player.release, player.accept = relief, release, False
        s, g = player.choice()
        assert any(index == s for index, _ in player.relief_choices())
        assert any(index == g for index, _ in player.release_choices())
        released, relief_words = player.offer_words()
        before = len(_world0_offers(model))
        model.step()
        made = _world0_offers(model)[before:]
        assert len(made) == 1
        assert made[0][5].startswith(f"Washington proposes: release {released} for {relief_words} --")


def test_the_form_lists_only_offers_that_free_someone():
    model = DashboardModel(scenario_name="freeze", seat="washington", worlds=5, seed=2)
    for relief in range(len(model.player.relief_choices())):
        model.player.relief = relief
        assert model.player.release_choices()
        assert all(not words.endswith(": 0") for _, words in model.player.release_choices())


def test_a_seated_model_records_what_the_model_records():
    """A seated model waits at the table between the halves of `step`; stepped in halves with
    nobody seated, it records exactly what `BargainingModel.step` records."""
    whole = DashboardModel(scenario_name="thaw", worlds=30, seed=5)
    halves = DashboardModel(scenario_name="thaw", worlds=30, seed=5)
    for _ in range(8):
        whole.step()
        halves.open_month()
        assert halves.at_table
        halves.close_month()
    for name in ("prisoners", "instruments", "sanctions_cost", "moscow_pressure", "utility", "deal"):
        assert np.array_equal(getattr(whole.recorder, name), getattr(halves.recorder, name)), name
    assert whole.events.rows == halves.events.rows and whole.recorder.offers == halves.recorder.offers


def test_a_seated_model_waits_at_the_first_table():
    model = DashboardModel(scenario_name="thaw", seat="washington", worlds=4, seed=1)
    assert model.at_table and model.round == 0 and model.recorder.recorded == 0
    assert model.washington.engaged.all()  # the month's visit has happened; the talks have not
    model.step()
    assert model.at_table and model.round == 1 and model.recorder.recorded == 1


# --------------------------------------------------------------- the built-in Minsk counters
def _firm_sides(model):
    """Ask for a firm Minsk, and capture the Minsk the talks meet each month."""
    model.player.firm = True
    seen, hook = [], model.talks.seats["minsk"]

    def spy(side, worlds, menu):
        seen.append(hook(side, worlds, menu))
        return seen[-1]

    model.talks.seats["minsk"] = spy
    return seen


def test_minsk_refuses_a_short_offer_and_counters_with_more_for_itself():
    model = DashboardModel(scenario_name="thaw", seat="washington", worlds=20, seed=3)
    sides = _firm_sides(model)
    # All of Washington's price for no relief: short of Minsk's demand in every world.
    model.player.relief, model.player.release, model.player.accept = 0, 3, False
    model.step()
    _, outcome = model.talks.outcome
    offer, counter = outcome.offers
    demand = sides[0].demand
    assert offer.proposer == "washington" and offer.made.all() and not offer.accepted.any()
    assert (offer.values["minsk"] < demand).all()
    assert counter.proposer == "minsk" and counter.made.all()
    assert (counter.values["minsk"] >= demand - 1e-9).all()
    assert (counter.values["minsk"] > offer.values["minsk"]).all()  # it asks for more than it refused
    assert not model.recorder.deal[0].any()  # and the person refused the counter


def test_minsk_accepts_an_offer_that_meets_its_demand():
    model = DashboardModel(scenario_name="thaw", seat="washington", worlds=20, seed=3)
    sides = _firm_sides(model)
    # The most relief on the menu for the smallest share of the price: Minsk's best bundle.
    model.player.relief, model.player.release = len(model.player.relief_choices()) - 1, 0
    model.step()
    _, outcome = model.talks.outcome
    offer = outcome.offers[0]
    meets = offer.values["minsk"] >= sides[0].demand - 1e-9
    assert meets.sum() >= 15
    assert (offer.accepted == meets).all()  # accepted exactly where it meets the demand
    assert model.recorder.deal[0].sum() >= meets.sum()


def test_minsk_demands_less_as_the_months_go_by():
    model = DashboardModel(scenario_name="thaw", seat="washington", worlds=10, seed=4)
    sides = _firm_sides(model)
    model.player.relief, model.player.release = 0, 3
    for _ in range(12):
        model.step()
    first, last = sides[0], sides[-1]
    assert first.progress == 0 and last.progress > 0
    concession = (first.aspiration - first.demand), (last.aspiration - last.demand)
    assert np.allclose(concession[0], 0) and (concession[1] > 0).any()


def test_sanctions_relieved_count_a_licence_as_the_instruments_do():
    """The chart's "sanctions lifted or suspended" is `Instruments.relieved_count`: any step of
    relief in force, a licence on an instrument still imposed included (issue 19)."""
    from quidproquo.engine.instruments import IMPOSED

    model = DashboardModel(scenario_name="thaw", worlds=40, seed=0)
    assert (model.initial.instruments_relieved == model.instruments.relieved_count).all()
    licensed = 0
    for month in range(12):
        model.step()
        assert (model.relieved[month] == model.instruments.relieved_count).all()
        state, levels = model.recorder.instruments[month], model.recorder.levels[month]
        licence = (state == IMPOSED) & (levels > 0)  # a step of relief short of a lift or suspension
        assert (model.relieved[month] == ((state != IMPOSED) | (levels > 0)).sum(axis=1)).all()
        licensed += int(licence.sum())
    assert licensed > 0  # the case the old count (state != imposed) left out did happen
    assert (model.relieved[:12] > (model.recorder.instruments[:12] != IMPOSED).sum(axis=2)).any()


def test_play_answers_as_the_built_in_strategy_until_told_otherwise():
    """Play mode's default lets a deal happen: Washington's answer to Minsk's counter-offers is
    the built-in strategy's until the person chooses to accept or refuse them all."""
    model = DashboardModel(scenario_name="thaw", seat="washington", worlds=20, seed=1)
    assert model.player.accept is None
    for _ in range(4):
        model.step()
    assert model.recorder.deal[:4].any()


@pytest.mark.parametrize("seat", ["washington", "minsk"])
def test_play_mode_defaults_let_a_deal_happen_in_either_seat(seat):
    """Untouched, the form's first offer is one the other side's built-in strategy takes: a deal in
    every one of the first four months in most worlds, as Washington and as Minsk (the default
    counter-offer asked for relief and the built-in Washington refused it in every world, every month)."""
    model = DashboardModel(scenario_name="thaw", seat=seat, worlds=20, seed=0)
    assert model.player.accept is None and model.player.firm is False
    for _ in range(4):
        model.step()
    assert (model.recorder.deal[:4].mean(axis=1) >= 0.5).all(), model.recorder.deal[:4].sum(axis=1)


@pytest.mark.parametrize("seat", ["washington", "minsk"])
def test_the_realised_utility_part_by_part_adds_up(seat):
    """The verdict's parts are the recorder's realised utility component by component: they add
    up to it, for the person's model and for the built-in strategy's baseline alike."""
    model = DashboardModel(scenario_name="thaw", seat=seat, worlds=12, seed=3)
    for _ in range(5):
        model.step()
    baseline = model.baseline()
    for run in (model, baseline):
        for role in ("washington", "minsk"):
            total = realised_utility(run, role)
            parts = run.realised[role].parts(total)
            assert parts and run.realised[role].months == 5
            np.testing.assert_allclose(sum(parts.values()), total, rtol=1e-9, atol=1e-6)
    assert set(model.realised["minsk"].sums) == {"relief", "legitimacy", "security", "autonomy", "mobilisation"}


def test_the_verdict_says_what_decided_it():
    """A Minsk who releases the fewest for no relief beats the built-in Minsk because it releases
    fewer prisoners: the verdict names that part first, with both medians, and counts the deals."""
    from quidproquo.teaching.dashboard.app import verdict_reasons

    model = DashboardModel(scenario_name="thaw", seat="minsk", worlds=20, seed=0)
    for _ in range(4):
        model.step()
    baseline = model.baseline()
    yours, theirs = realised_utility(model, "minsk"), realised_utility(baseline, "minsk")
    said = verdict_reasons(model, baseline, yours, theirs)
    assert said.startswith("What decided it: <b>prisoners released</b> (yours ")
    security = (
        np.median(model.realised["minsk"].sums["security"]),
        np.median(baseline.realised["minsk"].sums["security"]),
    )
    assert f"yours {security[0]:,.1f}, the built-in strategy's {security[1]:,.1f}" in said
    deals = int(model.recorder.deal[:4].sum()), int(baseline.recorder.deal[:4].sum())
    assert f"Deals: yours in {deals[0]} of 80 world-months, the built-in strategy's in {deals[1]}." in said


# ------------------------------------------------------------------ labels and charts
def test_the_page_names_things_as_the_figures_do():
    from quidproquo.labels import LABELS, in_words

    assert KNOBS["washington_engagement"].label == LABELS["actors.washington.engagement"].text
    assert in_words("pardons 39 (39 rank_and_file)") == "pardons 39 (39 rank-and-file)"
    assert in_words("renews airspace_belavia unanimously") == f"renews {LABELS['airspace_belavia']} unanimously"
    assert in_words("snapback of belavia, potash") == f"snapback of {LABELS['belavia']}, {LABELS['potash']}"


def polyline(svg: str, n: int) -> list[tuple[float, float]]:
    """The n-th polyline's points in a chart's SVG (0: the first fan's median)."""
    import re

    points = re.findall(r'<polyline points="([^"]+)"', svg)[n]
    return [tuple(map(float, point.split(","))) for point in points.split()]


def test_charts_start_at_month_zero_and_follow_the_months():
    from quidproquo.teaching.dashboard.charts import Charts

    model = DashboardModel(scenario_name="thaw", worlds=30, seed=0)
    charts = Charts(model)
    first = charts.svg("prisoners")
    assert first.startswith("<svg") and first.endswith("</svg>") and charts.svg("indicators").startswith("<svg")
    assert (
        'data-months="0"' in first and len(polyline(first, 0)) == 1
    )  # month 0 only: the worlds before the first month
    for _ in range(3):
        model.step()
    now = charts.svg("prisoners")
    assert now != first and 'data-months="3"' in now
    median, world0 = polyline(now, 0), polyline(now, 1)
    assert len(median) == 4 and len(world0) == 4
    # The median at month 3 sits as far up its panel as its value: the panel's scale, read back
    # from two y ticks, turns the drawn position into the worlds' median held.
    import re

    from quidproquo.teaching.dashboard.charts import FONT, LEFT

    ticks = [
        (float(y), float(v.replace(",", "")))
        for y, v in re.findall(rf'<text x="{LEFT - 8}" y="([\d.]+)" text-anchor="end">([\d,.]+)</text>', now)
    ]
    (y0, v0), (y1, v1) = ticks[0], ticks[-1]
    at = lambda y: v0 + (y + FONT * 0.35 - y0) * (v1 - v0) / (y1 - y0)  # noqa: E731  (labels sit 0.35 em below their line)
    assert at(median[3][1]) == pytest.approx(np.median(model.recorder.prisoners[2].sum(axis=1)), abs=1.0)
    assert at(median[0][1]) == pytest.approx(np.median(model.initial.prisoners), abs=1.0)
    assert median[0][0] < median[1][0] < median[3][0]  # months left to right, on an axis for the whole horizon
    assert charts.svg("prisoners") is charts.svg("prisoners")  # cached until the next month


def test_chart_text_is_at_least_the_projector_size():
    from quidproquo.teaching.dashboard.charts import FONT, Charts, smallest_text

    model = DashboardModel(scenario_name="thaw", worlds=10, seed=0)
    charts = Charts(model)
    for _ in range(4):
        model.step()
    for name in Charts.NAMES:
        svg = charts.svg(name)
        assert smallest_text(svg) == FONT >= 16 * 720 / 652  # 16 CSS px in the 652 px column at 1024x768
        assert f'font-size="{FONT}"' in svg.split(">", 1)[0]  # the chart's own size: text without one of its own


def test_chart_labels_stay_inside_the_chart():
    """The last month's label on a long horizon ends at the chart's edge instead of running past it."""
    import re

    from quidproquo.teaching.dashboard.charts import FONT, WIDTH, Charts

    model = DashboardModel(scenario_name="thaw", worlds=5, seed=0)
    svg = Charts(model).svg("prisoners")
    found = re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="(middle|end)">(\d{4}-\d{2})</text>', svg)
    assert len(found) >= 4
    spans = [
        (
            float(x) - (0.3 if anchor == "middle" else 0.6) * FONT * len(words),
            float(x) + (0.3 * FONT * len(words) if anchor == "middle" else 0),
        )
        for x, anchor, words in found
    ]
    assert all(right <= WIDTH for _, right in spans)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))  # no two labels touch
