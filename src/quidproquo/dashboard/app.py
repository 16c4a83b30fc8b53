"""The dashboard page: Mesa's SolaraViz around `DashboardModel`, with charts, the event log and play mode.

`qpq dashboard` serves `Page` with Solara. Each visitor gets a model of their own. The scenario
is chosen at the top of the page (choosing one rebuilds the model with that scenario's own
values on the sliders); the sliders and the seat take effect on Mesa's "Reset"; "Step" runs a
month. The charts show every world -- median, 50% and 90% bands -- and world 0 as a dashed
line; the event log is world 0's, in plain words.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, quote

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import solara  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from mesa.visualization import SolaraViz  # noqa: E402
from mesa.visualization.utils import force_update, update_counter  # noqa: E402

from quidproquo.dashboard.controls import KNOBS, PLAY_OFFERS, PLAY_WORLDS, SEATS, DashboardModel, knob_values, knobs_for, realised_utility, scenarios  # noqa: E402
from quidproquo.instruments import IMPOSED  # noqa: E402
from quidproquo.plots import fan  # noqa: E402

DEFAULT_SCENARIO = "thaw"


def initial_scenario() -> str:
    """The scenario the page opens with: `qpq dashboard scenario=NAME` passes it in the environment."""
    chosen = os.environ.get("QPQ_DASHBOARD_SCENARIO", DEFAULT_SCENARIO)
    return chosen if chosen in scenarios() else DEFAULT_SCENARIO


def model_params(scenario: str) -> dict:
    """Mesa's parameter controls: the seat, then one slider per knob, starting at the scenario's values."""
    values = knobs_for(scenario)
    params: dict = {"scenario_name": scenario,
                    "seat": {"type": "Select", "value": "nobody", "values": list(SEATS), "label": "seat (play mode)"}}
    for name, value in values.items():
        knob = KNOBS[name]
        params[name] = {"type": "SliderInt" if knob.integer else "SliderFloat", "value": value, "label": knob.label,
                        "min": knob.low, "max": knob.high, "step": knob.step}
    return params


# ----------------------------------------------------------------------------- charts
def _months(model) -> pd.DatetimeIndex:
    return pd.period_range(model.start, periods=model.round, freq="M").to_timestamp()


def _axes_over_horizon(ax, model) -> None:
    end = (model.start + model.rounds).to_timestamp()
    ax.set_xlim(model.start.to_timestamp(), end)
    ax.tick_params(axis="x", labelrotation=30, labelsize=9)


def prisoners_figure(model) -> Figure:
    fig = Figure(figsize=(7, 3.4))
    ax = fig.subplots()
    n = model.round
    if n:
        fan(ax, _months(model), model.recorder.prisoners[:n].sum(axis=2).T.astype(float), "")
        ax.legend(loc="lower left", frameon=False, fontsize=9)
    ax.set(title=f"Political prisoners held, {model.num_worlds} worlds", ylabel="prisoners held")
    _axes_over_horizon(ax, model)
    # Fixed margins: a constrained layout would double the time a step takes to show.
    fig.subplots_adjust(left=0.12, right=0.98, top=0.92, bottom=0.16)
    return fig


def indicators_figure(model) -> Figure:
    fig = Figure(figsize=(7, 4.3))
    axes = fig.subplots(3, 1, sharex=True)
    n, rec = model.round, model.recorder
    series = [("instruments lifted or suspended (of all US and EU)", lambda: (rec.instruments[:n] != IMPOSED).sum(axis=2)),
              ("sanctions cost to Minsk, USD m a month", lambda: rec.sanctions_cost[:n]),
              ("Moscow's pressure on Minsk (0..1)", lambda: rec.moscow_pressure[:n])]
    for ax, (title, values) in zip(axes, series):
        if n:
            fan(ax, _months(model), values().T.astype(float), "", world0=model.num_worlds > 1)
        ax.set_title(title, fontsize=10, loc="left")
        ax.tick_params(labelsize=9)
        _axes_over_horizon(ax, model)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.95, bottom=0.13, hspace=0.45)
    return fig


def summary_line(model) -> str:
    if model.round == 0:
        return f"{model.scenario_name}: {model.month_label}, nothing run yet -- press Step"
    held = model.recorder.prisoners[model.round - 1].sum(axis=1)
    return (f"{model.scenario_name}: {str(model.start + model.round - 1)}, month {model.round} of {model.rounds}; "
            f"median held {np.median(held):,.0f}; deals so far in {np.mean(model.washington.deals > 0):.0%} of worlds")


def _show(fig: Figure) -> None:
    solara.FigureMatplotlib(fig, format="png", dpi=90)
    plt.close(fig)


@solara.component
def PrisonersChart(model):
    update_counter.get()  # re-render after every step, as Mesa's own components do
    with solara.Card(classes=["qpq-prisoners"]):
        with solara.Div():
            solara.Text(summary_line(model), classes=["qpq-summary"])
        with solara.Div(style={"line-height": "1.2"}):
            solara.Text(parameters_line(model), classes=["qpq-parameters"], style={"font-size": "11px", "color": "#555"})
        _show(prisoners_figure(model))


def parameters_line(model) -> str:
    values = knob_values(model.start_config)
    return "; ".join(f"{KNOBS[name].label} {value:g}" for name, value in values.items())


def prose(html: str) -> None:
    """A paragraph of the page's own fixed wording (never visitor input). Not solara.Markdown,
    which would fetch a maths typesetter from the internet."""
    solara.HTML(tag="div", unsafe_innerHTML=html, style={"font-size": "14px", "line-height": "1.5"})


@solara.component
def IndicatorsChart(model):
    update_counter.get()  # re-render after every step, as Mesa's own components do
    with solara.Card(classes=["qpq-indicators"]):
        _show(indicators_figure(model))


@solara.component
def EventLog(model):
    """World 0's event log, newest month first."""
    update_counter.get()  # re-render after every step, as Mesa's own components do
    events = [e for e in model.events.rows if e[0] == 0]
    with solara.Card("Event log, world 0 (newest first)", classes=["qpq-event-log"]):
        with solara.Column(style={"max-height": "420px", "overflow-y": "auto", "gap": "2px"}):
            if not events:
                solara.Text("No events yet.")
            for _, _, date, actor, _, text in reversed(events):
                solara.Text(f"{date}  {actor}: {text}", classes=["qpq-event"])


# --------------------------------------------------------------------------- play mode
@solara.component
def PlayPanel(model):
    update_counter.get()  # re-render after every step, as Mesa's own components do
    finished = solara.use_reactive(False)
    solara.use_effect(lambda: finished.set(False), [model])
    player = model.player
    with solara.Card("Play", classes=["qpq-play"]):
        if player is None:
            prose(
                "Take a seat: choose <b>washington</b> (or <b>minsk</b>) under <i>seat (play mode)</i> and press <b>Reset</b>. "
                f"While you play, the model runs at most {PLAY_WORLDS} worlds, Washington sends an envoy every "
                f"month so that there are talks, and each visit has {PLAY_OFFERS} offers: Washington's and "
                "Minsk's counter-offer. Your choice is made in every world at once; the log shows world 0.")
            return
        other = "Minsk" if model.seat == "washington" else "Washington"
        you = model.seat.capitalize()
        if model.seat == "washington":
            prose(f"You are <b>Washington</b>. Each month: your offer, then {other}'s counter-offer if it refuses. "
                            "An envoy visits every month while you play.")
        else:
            prose("You are <b>Minsk</b>. Each month Washington offers first; refuse it and your counter-offer goes back.")
        done = finished.value or not model.running
        releases, reliefs = player.release_options(), player.relief_options()
        player.relief = min(player.relief, len(reliefs) - 1)

        # The options change with the choices (a relief set has its own price) and with every month:
        # a label is found by what it means -- its share, its place -- never by a stale list.
        def set_release(label):
            shares = [option.split(":")[0] for option in player.release_options()]
            if label.split(":")[0] in shares:
                player.release = shares.index(label.split(":")[0])
            force_update()

        def set_relief(label):
            options = player.relief_options()
            if label in options:
                player.relief = options.index(label)
            force_update()

        def set_accept(value):
            player.accept = bool(value)
            force_update()

        if not done:
            solara.Select(label=f"{you} offers: prisoners released", values=releases,
                          value=releases[min(player.release, len(releases) - 1)], on_value=set_release, classes=["qpq-release"])
            solara.Select(label=f"{you} offers: sanctions relief", values=reliefs, value=reliefs[player.relief],
                          on_value=set_relief, classes=["qpq-relief"])
            with solara.Div(classes=["qpq-accept"]):
                solara.Checkbox(label=f"accept {other}'s offer this month", value=player.accept, on_value=set_accept)
            solara.Text("Then press Step (left) to play the month.")
            solara.Button("Finish and compare", on_click=lambda: finished.set(True), color="secondary", classes=["qpq-finish"])
        if done and model.round > 0:
            Verdict(model)


@solara.component
def Verdict(model):
    """The person's realised utility against the built-in strategy's, in the same worlds."""
    baseline = solara.use_memo(model.baseline, [model, model.round])
    yours = realised_utility(model, model.seat)
    theirs = realised_utility(baseline, model.seat)
    better = int(np.sum(yours > theirs))
    with solara.Div(classes=["qpq-verdict"]):
        _verdict_body(model, yours, theirs, better)


def _verdict_body(model, yours, theirs, better) -> None:
    prose(
        f"<b>After {model.round} months</b>, {model.seat.capitalize()}'s discounted utility: yours median "
        f"<b>{np.median(yours):,.1f}</b>, the built-in strategy's median <b>{np.median(theirs):,.1f}</b> in the same worlds. "
        f"You did better in {better} of {yours.size} worlds.")
    fig = Figure(figsize=(6, 2.8), layout="constrained")
    ax = fig.subplots()
    bins = np.histogram_bin_edges(np.concatenate([yours, theirs]), bins=12)
    ax.hist(theirs, bins=bins, color="#6baed6", alpha=0.7, label="built-in strategy")
    ax.hist(yours, bins=bins, color="#d94801", alpha=0.6, label="you")
    ax.set(xlabel=f"{model.seat}'s realised utility", ylabel="worlds")
    ax.legend(frameon=False, fontsize=9)
    _show(fig)


# --------------------------------------------------------------------------------- page
@solara.component
def Dashboard(scenario: str):
    """Mesa's SolaraViz for one scenario, with that scenario's own values on the sliders."""
    params = solara.use_memo(lambda: model_params(scenario), [scenario])
    model = solara.use_reactive(solara.use_memo(lambda: DashboardModel(scenario_name=scenario, worlds=params["worlds"]["value"],
                                                                       seed=params["seed"]["value"]), [scenario]))
    SolaraViz(model, components=[(PrisonersChart, 0), (IndicatorsChart, 0), (EventLog, 0), (PlayPanel, 0)],
              model_params=params, name=f"quidproquo -- {scenario}")


def chosen_scenario(search: str | None) -> str:
    """The scenario named in the page address (`?scenario=freeze`), if it is one of the list."""
    named = parse_qs(search or "").get("scenario", [])
    return named[-1] if named and named[-1] in scenarios() else initial_scenario()


@solara.component
def Page():
    # The scenario is part of the address, and choosing one loads the page afresh: Mesa's
    # parameter controls keep their state for the whole session, so a new scenario (whose
    # slider values differ) needs a new session rather than a re-render.
    scenario = chosen_scenario(solara.use_router().search)
    with solara.Sidebar():
        with solara.Card("Scenario"):
            with solara.Row(style={"flex-wrap": "wrap"}):
                for name in scenarios():
                    solara.Button(name, href=f"?scenario={quote(name)}", outlined=name != scenario, color="primary",
                                  classes=["qpq-scenario", f"qpq-scenario-{name.replace('/', '-')}"])
            solara.Text("A scenario loads afresh with its own values on the sliders; "
                        "slider and seat changes apply on Reset.", style={"font-size": "13px"})
    Dashboard(scenario)
