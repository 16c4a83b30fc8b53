"""The dashboard page: Mesa's model controller around `DashboardModel`, charts, the event log and play mode.

`qpq dashboard` serves `Page` with Solara. Each visitor gets a model of their own. The page is
made for a projector at 1024x768: a sidebar that the menu button folds away (scenario, seat,
sliders), and a main column with Mesa's own Reset / ▶ / Step controller and the month's summary
on top, then the Info panel (`about.py`), the play form when a seat is taken (`play.py`), the
two charts (`charts.py`) and world 0's event log in plain words.

Mesa's `SolaraViz` frame is not used whole: its draggable half-width grid, page tabs and
play-interval, render-interval and thread controls are for model developers, not students. The
page keeps Mesa's `ModelController` (and its `update_counter`), so Reset, ▶ and Step behave as in
every Mesa model. The scenario is chosen at the top of the sidebar (choosing one loads the page
afresh with that scenario's values on the sliders); the sliders and the seat take effect on
Reset; Step runs a month.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, quote

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import force_update, update_counter

from quidproquo.config import load
from quidproquo.config.schema import DEFAULT_SCENARIO
from quidproquo.labels import in_words, scenario_name, text
from quidproquo.teaching.dashboard.about import MODEL, QUESTION, about
from quidproquo.teaching.dashboard.charts import FONT, Charts
from quidproquo.teaching.dashboard.controls import (
    KNOBS,
    DashboardModel,
    knob_value,
    knob_values,
    knobs_for,
    realised_utility,
    scenarios,
)
from quidproquo.teaching.parts import decided
from quidproquo.teaching.play import OFFERS, WORLDS

PLAY_INTERVAL = 150  # ms between months while ▶ runs
LOG_LINES = 80  # of world 0's event log on the page (all of it is in a run's events table)

SEAT_CHOICES = [
    ("nobody", "nobody: watch the model"),
    ("washington", "Washington: you make the offers"),
    ("minsk", "Minsk: you answer Washington"),
]

# Lettering for the back of a room; the sidebar narrower than Solara's 400 px; charts as wide as
# their column. Solara's own classes are styled, nothing of Mesa's is hidden: it is not rendered.
CSS = """
.v-application { font-size: 16px; }
.v-navigation-drawer { width: 300px !important; min-width: 300px !important; max-width: 300px !important; }
.v-toolbar__title { font-size: 22px; white-space: nowrap; }
.qpq-chart img, .qpq-chart svg { width: 100%; height: auto; display: block; max-width: 1200px; }
.qpq-summary { font-size: 20px; font-weight: 500; line-height: 1.35; }
.qpq-parameters { font-size: 16px; color: #333; line-height: 1.4; }
.qpq-event { font-size: 16px; line-height: 1.4; }
.qpq-prose { font-size: 16px; line-height: 1.5; }
.qpq-description { font-size: 15px; line-height: 1.4; color: #333; }
.qpq-controls .v-btn { font-size: 16px; min-width: 84px !important; }
.qpq-main .v-card__title { font-size: 20px; }
.qpq-knob { margin-top: 10px; }
.qpq-knob-label { font-size: 15px; color: #222; }
.qpq-knob .v-input__slot { margin-bottom: 0; }
.qpq-knob .v-messages { display: none; }
.qpq-sidebar .v-card__title { font-size: 19px; word-break: normal; }
.qpq-choice { margin: 8px 0 4px 0; }
.qpq-choice-label { font-size: 15px; color: #333; display: block; margin-bottom: 4px; }
.v-btn.qpq-option { width: 100%; justify-content: flex-start; text-transform: none; letter-spacing: 0; font-size: 16px;
  margin-bottom: 4px; height: auto !important; min-height: 36px; white-space: normal; text-align: left; padding: 4px 12px; }
.v-btn.qpq-option .v-btn__content { white-space: normal; flex: 1 1 auto; }
.qpq-accept .v-btn.qpq-option { width: auto; margin-right: 8px; }
.v-btn.qpq-scenario { width: 100%; justify-content: flex-start; text-transform: none; letter-spacing: 0; font-size: 16px;
  margin-bottom: 6px; height: auto !important; min-height: 36px; white-space: normal; text-align: left; padding: 6px 12px; }
.v-btn.qpq-scenario .v-btn__content { white-space: normal; flex: 1 1 auto; }
.qpq-play .v-select__selection, .qpq-play .v-label, .qpq-play label { font-size: 16px !important; }
"""


def initial_scenario() -> str:
    """The scenario the page opens with: `qpq dashboard scenario=NAME` passes it in the environment."""
    chosen = os.environ.get("QPQ_DASHBOARD_SCENARIO", DEFAULT_SCENARIO)
    return chosen if chosen in scenarios() else DEFAULT_SCENARIO


def chosen_scenario(search: str | None) -> str:
    """The scenario named in the page address (`?scenario=freeze`), if it is one of the list."""
    named = parse_qs(search or "").get("scenario", [])
    return named[-1] if named and named[-1] in scenarios() else initial_scenario()


def model_params(scenario: str) -> dict:
    """The values Mesa's Reset builds a model from: the scenario, the seat, and one per knob,
    starting at the scenario's own values."""
    return {"scenario_name": scenario, "seat": "nobody", **knobs_for(scenario)}


def description(scenario: str) -> str:
    return load([f"scenario={scenario}"]).description


def prose(html: str, classes: list[str] | None = None) -> None:
    """A paragraph of the page's own fixed wording (never visitor input). Not solara.Markdown,
    which would fetch a maths typesetter from the internet."""
    solara.HTML(tag="div", unsafe_innerHTML=html, classes=["qpq-prose", *(classes or [])])


def choice(label: str, items: list[tuple], value, on_value, classes: list[str]) -> None:
    """A choice shown as one button per option, the chosen one filled, all in sight on a projector.

    Buttons, not a drop-down: a click is an event, handled in order with the Step and Reset
    clicks after it, whereas a drop-down's value is synchronised apart and was measured to
    arrive after a quick next click (a seat picked, then Reset at once, built the old seat).
    Each button carries its option's value, not its text; a click on a button that a re-render
    has since relabelled still names a valid choice (play.py clips a stale index)."""
    with solara.Div(classes=["qpq-choice", *classes]):
        solara.Text(label, classes=["qpq-choice-label"])
        for option, words in items:
            chosen = option == value
            # Keyed by the state too: a button that changes state is a new widget, so that no
            # class or style of its former state stays on it.
            solara.Button(
                words,
                on_click=lambda option=option: on_value(option),
                outlined=not chosen,
                color="primary",
                classes=["qpq-option", "qpq-option-chosen" if chosen else "qpq-option-other"],
            ).key(f"{classes[0]}-{option}-{chosen}")


# ----------------------------------------------------------------------------- summary
def summary_line(model) -> str:
    name = scenario_name(model.scenario_name)
    if model.round == 0:
        at = " -- at the table: choose your offer" if model.at_table else " -- press Step"
        return f"{name}: {model.month_label}, nothing run yet{at}"
    held = model.recorder.prisoners[model.round - 1].sum(axis=1)
    return (
        f"{name}: {model.start + model.round - 1!s}, month {model.round} of {model.rounds}; "
        f"median held {np.median(held):,.0f}; a deal so far in {np.mean(model.washington.deals > 0):.0%} of worlds"
    )


def parameters_line(model) -> str:
    values = knob_values(model.start_config)
    return "; ".join(f"{KNOBS[name].label} {value:g}" for name, value in values.items())


@solara.component
def Summary(model):
    update_counter.get()  # re-render after every step, as Mesa's own components do
    solara.Text(summary_line(model), classes=["qpq-summary"])


# ----------------------------------------------------------------------------- charts
@solara.component
def ChartImage(model, name: str):
    update_counter.get()  # re-render after every step, as Mesa's own components do
    charts = solara.use_memo(lambda: Charts(model), [model])
    # The chart's own SVG (built from numbers only: no visitor text reaches it), drawn by the
    # browser; cached per month, so other re-renders cost nothing.
    solara.HTML(tag="div", unsafe_innerHTML=charts.svg(name), classes=["qpq-svg-chart", f"qpq-svg-{name}"])


@solara.component
def PrisonersChart(model):
    with solara.Card(classes=["qpq-prisoners", "qpq-chart"]):
        ChartImage(model, "prisoners")
        with solara.Div(style={"margin-top": "6px"}):
            solara.Text("This run: " + parameters_line(model), classes=["qpq-parameters"])


@solara.component
def IndicatorsChart(model):
    with solara.Card(classes=["qpq-indicators", "qpq-chart"]):
        ChartImage(model, "indicators")


@solara.component
def EventLog(model):
    """World 0's event log, newest month first, in words (`labels.in_words`)."""
    update_counter.get()  # re-render after every step, as Mesa's own components do
    events = [e for e in model.events.rows if e[0] == 0]
    with solara.Card("Event log, world 0 (newest first)", classes=["qpq-event-log"]):
        with solara.Column(style={"max-height": "480px", "overflow-y": "auto", "gap": "4px"}):
            if not events:
                solara.Text("No events yet.", classes=["qpq-event"])
            # The newest lines only: every line is a widget to build and send at each step.
            for _, _, date, actor, kind, words in reversed(events[-LOG_LINES:]):
                # The timeline's lines are the scenario file's own words; the others name things by key.
                line = words if kind == "event" else in_words(words)
                solara.Text(f"{date}  {text(actor)}: {line}", classes=["qpq-event"])


# ------------------------------------------------------------------------------- info
@solara.component
def Info(scenario: str):
    notes = about(scenario)
    with solara.Card(classes=["qpq-about"], margin=2):
        with solara.Details(summary="About this model · things to notice · things to try", expand=False):
            prose(f"<p>{MODEL}</p><p>{QUESTION}</p>")
            prose(
                "<b>Things to notice</b><ul>" + "".join(f"<li>{line}</li>" for line in notes.notice) + "</ul>",
                classes=["qpq-notice"],
            )
            prose(
                "<b>Things to try</b><ul>" + "".join(f"<li>{line}</li>" for line in notes.try_) + "</ul>",
                classes=["qpq-try"],
            )


# --------------------------------------------------------------------------- play mode
@solara.component
def PlayPanel(model):
    update_counter.get()  # re-render after every step, as Mesa's own components do
    finished = solara.use_reactive(False)
    solara.use_effect(lambda: finished.set(False), [model])
    player = model.player
    if player is None:
        return
    with solara.Card("Play", classes=["qpq-play"]):
        other = "Minsk" if model.seat == "washington" else "Washington"
        you = model.seat.capitalize()
        if model.seat == "washington":
            prose(
                f"You are <b>Washington</b>. Each month: your offer, then {other}'s counter-offer if it refuses. "
                f"An envoy visits every month while you play; the model runs at most {WORLDS} worlds, and your "
                "choice is made in each of them (the offer shown is world 0's)."
            )
        else:
            prose(
                "You are <b>Minsk</b>. Each month Washington offers first; refuse it and your counter-offer goes back "
                f"-- {OFFERS} offers a visit. The offer shown is world 0's; your choice is made in all "
                f"{model.num_worlds} worlds."
            )
        done = finished.value or not model.running
        if not done:
            PlayForm(model, you, other)
            solara.Button(
                "Finish and compare", on_click=lambda: finished.set(True), color="secondary", classes=["qpq-finish"]
            )
        if done and model.round > 0:
            Verdict(model)


@solara.component
def PlayForm(model, you: str, other: str):
    update_counter.get()  # a choice re-renders the form (force_update), as a step does
    player = model.player

    # Choices are indices into the table's menu; a stale one (the menu changes every month)
    # is clipped when read, so no click order can make a choice that does not exist.
    def set_relief(index):
        player.relief = int(index)
        force_update()

    def set_release(index):
        player.release = int(index)
        force_update()

    def set_accept(value):
        player.accept = None if value is None else bool(value)
        force_update()

    def set_firm(value):
        player.firm = bool(value)
        force_update()

    relief, release = player.choice()
    offered, relieved = player.offer_words()
    worded = lambda items: [(index, in_words(words)) for index, words in items]  # noqa: E731
    choice(f"{you} offers: sanctions relief", worded(player.relief_choices()), relief, set_relief, ["qpq-relief"])
    choice(
        f"{you} offers: prisoners released (one person up to Washington's price, in two mixes)",
        worded(player.release_choices()),
        release,
        set_release,
        ["qpq-release"],
    )
    choice(
        f"{other}'s offers this month",
        [(None, f"as {you}'s built-in strategy would"), (False, "refuse them"), (True, "accept them")],
        player.accept,
        set_accept,
        ["qpq-accept"],
    )
    if model.seat == "washington":
        choice(
            "Minsk plays",
            [
                (False, "its built-in strategy (as in the comparison)"),
                (True, "firm: refuses offers short of its demand, and counters"),
            ],
            player.firm,
            set_firm,
            ["qpq-firm"],
        )
    prose(
        f"Your offer: release <b>{in_words(offered)}</b> for <b>{in_words(relieved)}</b>. Press <b>Step</b> to make it.",
        classes=["qpq-offer"],
    )


@solara.component
def Verdict(model):
    """The person's realised utility against the built-in strategy's, in the same worlds."""
    baseline = solara.use_memo(model.baseline, [model, model.round])
    yours = realised_utility(model, model.seat)
    theirs = realised_utility(baseline, model.seat)
    better = int(np.sum(yours > theirs))
    with solara.Div(classes=["qpq-verdict"]):
        prose(
            f"<b>After {model.round} months</b>, {model.seat.capitalize()}'s discounted utility: yours median "
            f"<b>{np.median(yours):,.1f}</b>, the built-in strategy's median <b>{np.median(theirs):,.1f}</b> in the "
            f"same worlds. You did better in {better} of {yours.size} worlds. {verdict_reasons(model, baseline, yours, theirs)}",
            classes=["qpq-verdict-words"],
        )
        png = solara.use_memo(lambda: verdict_png(model.seat, yours, theirs), [model, model.round])
        with solara.Div(classes=["qpq-chart"]):
            solara.Image(png, format="png")


def verdict_reasons(model, baseline, yours: np.ndarray, theirs: np.ndarray) -> str:
    """What decided the verdict: the parts of the seat's utility (prisoners freed, relief's cost,
    ...) in which the person's months differed most from the built-in strategy's, and the deals."""
    seat = model.seat
    reasons = decided(model.realised[seat].parts(yours), baseline.realised[seat].parts(theirs), seat)
    if reasons:
        said = [
            f"<b>{words}</b> (yours {mine:,.1f}, the built-in strategy's {its:,.1f})" for words, mine, its in reasons
        ]
        lead = "What decided it: " + ", then ".join(said) + " (medians, in utility)."
    else:
        lead = "Your months and the built-in strategy's differ in no part of the utility."
    months = model.round * model.num_worlds
    deals = int(model.recorder.deal[: model.round].sum()), int(baseline.recorder.deal[: baseline.round].sum())
    return f"{lead} Deals: yours in {deals[0]} of {months} world-months, the built-in strategy's in {deals[1]}."


def verdict_png(seat: str, yours: np.ndarray, theirs: np.ndarray) -> bytes:
    import io

    fig = Figure(figsize=(7.2, 3.2), dpi=100, layout="constrained")
    ax = fig.subplots()
    bins = np.histogram_bin_edges(np.concatenate([yours, theirs]), bins=12)
    ax.hist(theirs, bins=bins, color="#6baed6", alpha=0.7, label="built-in strategy")
    ax.hist(yours, bins=bins, color="#d94801", alpha=0.6, label="you")
    ax.set_xlabel(f"{text(seat)}'s realised utility", fontsize=FONT)
    ax.set_ylabel("worlds", fontsize=FONT)
    ax.tick_params(labelsize=FONT)
    ax.legend(frameon=False, fontsize=FONT)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


# ------------------------------------------------------------------------------ sidebar
@solara.component
def ScenarioCard(scenario: str):
    with solara.Card("Scenario"):
        for name in scenarios():
            solara.Button(
                scenario_name(name),
                href=f"?scenario={quote(name)}",
                outlined=name != scenario,
                color="primary",
                classes=["qpq-scenario", f"qpq-scenario-{name.replace('/', '-')}"],
            )
        solara.Text(
            solara.use_memo(lambda: description(scenario), [scenario]),
            classes=["qpq-description", "qpq-scenario-description"],
        )


@solara.component
def Settings(values: solara.Reactive[dict]):
    """The seat and the sliders: what the next Reset builds. Each slider shows its value."""

    def setter(name):
        def set_value(value):
            # A slider sends numbers in range; a forged message may send anything, and is
            # refused here, in one line (guard.py shows it), before it reaches the page.
            checked = value if name == "seat" else knob_value(name, value)
            values.set({**values.value, name: checked})

        return set_value

    with solara.Card("Seat and sliders", classes=["qpq-settings"]):
        solara.Text("They apply when you press Reset.", classes=["qpq-description"])
        choice("seat (play mode)", SEAT_CHOICES, values.value["seat"], setter("seat"), ["qpq-seat"])
        seated = values.value["seat"] != "nobody"
        for name, knob in KNOBS.items():
            value, high = values.value[name], knob.high
            if name == "worlds" and seated:  # a person plays at most WORLDS worlds: the slider says so
                value, high = min(value, WORLDS), WORLDS
            slider = solara.SliderInt if knob.integer else solara.SliderFloat
            with solara.Div(classes=["qpq-knob", f"qpq-knob-{name}"]):
                # The value in words above its slider, always shown (a thumb label shows only while dragged).
                solara.Text(f"{knob.label}: {value:g}", classes=["qpq-knob-label"])
                slider(
                    "", value=value, min=knob.low, max=high, step=knob.step, on_value=setter(name), thumb_label=False
                )
                if name == "worlds" and seated:
                    solara.Text(f"at most {WORLDS} while a person plays", classes=["qpq-description", "qpq-knob-note"])


# --------------------------------------------------------------------------------- page
@solara.component
def Dashboard(scenario: str):
    """One scenario's page: the model, Mesa's controller, and the components around it."""
    defaults = solara.use_memo(lambda: model_params(scenario), [scenario])
    model = solara.use_reactive(
        solara.use_memo(
            lambda: DashboardModel(scenario_name=scenario, worlds=defaults["worlds"], seed=defaults["seed"]), [scenario]
        )
    )
    values = solara.use_reactive(defaults)
    play_interval, render_interval, use_threads = (
        solara.use_reactive(PLAY_INTERVAL),
        solara.use_reactive(1),
        solara.use_reactive(False),
    )
    solara.Style(CSS)
    solara.Title(f"quidproquo · {scenario_name(scenario)}")
    with solara.AppBar():
        solara.AppBarTitle(f"quidproquo · {scenario_name(scenario)}")
    with solara.Sidebar(), solara.Column(classes=["qpq-sidebar"]):
        ScenarioCard(scenario)
        Settings(values)
    current = model.value
    with solara.Column(classes=["qpq-main"], style={"gap": "12px", "max-width": "1240px"}):
        with solara.Card(classes=["qpq-controls"], margin=0):
            with solara.Row(style={"align-items": "center", "gap": "16px", "flex-wrap": "wrap"}):
                with solara.Div(style={"min-width": "300px"}):
                    ModelController(
                        model,
                        model_parameters=values,
                        play_interval=play_interval,
                        render_interval=render_interval,
                        use_threads=use_threads,
                    )
                with solara.Div(style={"flex": "1 1 300px"}):
                    Summary(current)
        Info(scenario)
        PlayPanel(current)
        PrisonersChart(current)
        IndicatorsChart(current)
        EventLog(current)


@solara.component
def Page():
    # The scenario is part of the address, and choosing one loads the page afresh with that
    # scenario's values on the sliders (and a link that opens it).
    Dashboard(chosen_scenario(solara.use_router().search))
