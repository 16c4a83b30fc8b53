"""What a page visitor may set, and the model the page builds from it.

The dashboard is served to a classroom, so nothing typed or sent from the page may reach a
`_target_` node, a file path or any config key beyond a short whitelist: the scenario is chosen
from the list of scenario files, every other control is a named knob with a numeric range, and
`DashboardModel` turns these into Hydra overrides only after checking all of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

import numpy as np
from mesa.experimental.scenarios import Scenario as MesaScenario

from quidproquo.config import Config, ConfigError, load
from quidproquo.config.schema import DEFAULT_SCENARIO
from quidproquo.engine.model import BargainingModel
from quidproquo.labels import text
from quidproquo.teaching.parts import Realised
from quidproquo.teaching.play import SETTINGS, WORLDS, Player, firm, scenarios

SEATS = ("nobody", "washington", "minsk")
__all__ = ["KNOBS", "SEATS", "DashboardModel", "scenarios"]  # `scenarios` is play's: the scenarios a person may choose


@dataclass(frozen=True)
class Knob:
    """One slider: the config key it sets, its label and its range."""

    key: str  # dotted config key; for an EU stance, "{stance}" stands for every member of it
    label: str  # from labels.py, the one table of names a figure or a page shows
    low: float
    high: float
    step: float
    integer: bool = False
    stance: str | None = None  # EU knobs set the threshold of every member with this stance


KNOBS: dict[str, Knob] = {
    "worlds": Knob("engine.worlds", text("engine.worlds"), 1, 500, 1, integer=True),
    "seed": Knob("engine.seed", text("engine.seed"), 0, 999, 1, integer=True),
    "washington_engagement": Knob("actors.washington.engagement", text("actors.washington.engagement"), 0, 1, 0.05),
    "washington_channel_value": Knob(
        "actors.washington.channel_value", text("actors.washington.channel_value"), 0, 100, 1
    ),
    "washington_snapback_ratio": Knob(
        "actors.washington.snapback_ratio", text("actors.washington.snapback_ratio"), 0, 5, 0.25
    ),
    "minsk_hostage_elasticity": Knob(
        "actors.minsk.hostage_elasticity", text("actors.minsk.hostage_elasticity"), 0, 1, 0.01
    ),
    "minsk_goodwill": Knob("actors.minsk.goodwill", text("actors.minsk.goodwill"), 0, 3, 0.1),
    "minsk_repression_adjust": Knob(
        "actors.minsk.repression_adjust", text("actors.minsk.repression_adjust"), 0, 1, 0.05
    ),
    "moscow_responsiveness": Knob("actors.moscow.responsiveness", text("actors.moscow.responsiveness"), 0, 2, 0.05),
    "opposition_lobbying": Knob("actors.opposition.lobbying", text("actors.opposition.lobbying"), 0, 1, 0.05),
    "eu_hawk_threshold": Knob(
        "actors.eu.members.{code}.threshold", text("actors.eu.hawk_threshold"), 0, 1, 0.05, stance="hawk"
    ),
    "eu_dove_threshold": Knob(
        "actors.eu.members.{code}.threshold", text("actors.eu.dove_threshold"), 0, 1, 0.05, stance="dove"
    ),
}


def _members(cfg: Config, stance: str) -> list[str]:
    return [code for code, member in cfg.actors.eu.members.items() if member.stance == stance]


def scenario_config(scenario: str) -> Config:
    """The scenario's own config, after checking the name is one of the listed scenarios."""
    if not isinstance(scenario, str) or scenario not in scenarios():
        raise ConfigError(f"scenario={scenario!r}: no such scenario; allowed: {', '.join(scenarios())}")
    return load([f"scenario={scenario}"])


def knob_value(name: str, value) -> float | int:
    """A knob's value checked: a real number (not text, not a bool) inside the knob's range."""
    knob = KNOBS.get(name)
    if knob is None:
        raise ConfigError(f"{name}: not a dashboard control; allowed: {', '.join(KNOBS)}")
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise ConfigError(f"{name}={value!r}: must be a number")
    if not knob.low <= value <= knob.high:
        raise ConfigError(f"{name}={value!r}: must be within {knob.low}..{knob.high}")
    if knob.integer:
        if float(value) != int(value):
            raise ConfigError(f"{name}={value!r}: must be a whole number")
        return int(value)
    return float(value)


def knob_values(cfg: Config) -> dict[str, float | int]:
    """Each knob's value in a config (an EU stance knob: its first member's threshold)."""
    out: dict[str, float | int] = {"worlds": cfg.engine.worlds, "seed": cfg.engine.seed}
    for name, knob in KNOBS.items():
        if name in out:
            continue
        if knob.stance:
            codes = _members(cfg, knob.stance)
            if codes:
                out[name] = cfg.actors.eu.members[codes[0]].threshold
            continue
        node = cfg
        for part in knob.key.split("."):
            node = getattr(node, part)
        out[name] = node
    return out


def knobs_for(scenario: str) -> dict[str, float | int]:
    """The knobs' values in the scenario as written, on 100 worlds: the sliders start there."""
    return {**knob_values(scenario_config(scenario)), "worlds": 100}


def overrides(scenario: str, values: dict) -> list[str]:
    """Hydra overrides for a scenario and knob values, every one checked first."""
    cfg = scenario_config(scenario)
    out = [f"scenario={scenario}"]
    for name, value in values.items():
        number, knob = knob_value(name, value), KNOBS[name]
        # repr of an int or float: nothing but digits, a sign, a point or an exponent
        if knob.stance:
            out += [f"{knob.key.format(code=code)}={number!r}" for code in _members(cfg, knob.stance)]
        else:
            out.append(f"{knob.key}={number!r}")
    return out


class DashboardModel(BargainingModel):
    """The model behind the page: a `BargainingModel` built from whitelisted controls only.

    `scenario_name` is one of `scenarios()`; every other keyword is a knob of `KNOBS`.

    `seat` is "nobody", or the actor a person plays ("washington" or "minsk"). While someone
    plays, the model runs at most `play.WORLDS` worlds with play's settings (`play.SETTINGS`: an
    envoy every month, so there are talks to take part in, and two offers a visit: the person's
    offer and the other side's counter-offer, or the other way round).

    A seated model waits *at the table*: the month's events, flows, the opposition's and
    Moscow's moves and Washington's visit have happened, the talks have not. The form shows the
    menu the talks will use, built from that very state, so the offer a person chooses is the
    offer made, to the prisoner (`play.py`). `step` then holds the talks, finishes the month and
    goes on to the next month's table. The order of a month is the model's own (`model.py`);
    only where the page waits for the person moves, so the built-in strategy's baseline run
    (`baseline`) meets the same months.
    """

    def __init__(
        self,
        scenario_name: str = DEFAULT_SCENARIO,
        seat: str = "nobody",
        worlds: int = 100,
        seed: int = 0,
        scenario: MesaScenario | None = None,
        **knobs,
    ):
        # Mesa's Reset hands the model's own `mesa` Scenario object back as `scenario`; it carries
        # no settings of ours (the scenario file is `scenario_name`), so anything else is refused.
        if scenario is not None and not isinstance(scenario, MesaScenario):
            raise ConfigError(f"scenario={scenario!r}: choose the scenario file with scenario_name")
        scenario = scenario_name
        if seat not in SEATS:
            raise ConfigError(f"seat={seat!r}: allowed: {', '.join(SEATS)}")
        values = {"worlds": worlds, "seed": seed, **knobs}
        if seat != "nobody":
            values["worlds"] = min(knob_value("worlds", worlds), WORLDS)
            values.pop("washington_engagement", None)  # play sends an envoy every month
        points = overrides(scenario, values)
        if seat != "nobody":
            points += list(SETTINGS)
        config = load(points)
        self.start_config = config  # as composed, before dated events change the model's copy
        self.seat = seat
        self.at_table = False  # a seated model between its month's visit and its talks
        super().__init__(config=config, rng=config.engine.seed)
        # (months, worlds): instruments with any relief in force at each month's end, counted by
        # the instruments' own rule (`Instruments.relieved_count`: a licence counts, as a lift does)
        self.relieved = np.zeros((self.rounds, self.num_worlds), dtype=np.int64)
        self.initial = InitialState(self)
        self.realised = {role: Realised(self, role) for role in ("washington", "minsk")}  # utility part by part
        self.player = None
        if seat != "nobody":
            self.player = Player(self, seat)
            self.talks.seats[seat] = self.player
            if seat == "washington":  # the built-in Minsk answers first, with a counter-offer left
                self.talks.seats["minsk"] = firm(self)
            self.open_month()

    @property
    def seed(self) -> int:
        return int(self.cfg.engine.seed)

    def step(self) -> None:
        if self.player is None:
            super().step()
            return
        if self.round >= self.rounds:
            self.running = False
            return
        if not self.at_table:
            self.open_month()
        self.close_month()
        if self.running:
            self.open_month()

    def open_month(self) -> None:
        super().open_month()
        self.at_table = True

    def close_month(self) -> None:
        super().close_month()
        self.relieved[self.round - 1] = self.instruments.relieved_count
        if self.player is not None:  # for the verdict: watching, nobody is compared
            for realised in self.realised.values():
                realised.add(self)
        self.at_table = False

    def baseline(self) -> BargainingModel:
        """The same worlds with nobody seated, run as far as this model: what the built-in
        strategy makes of them. Its `realised` holds its utility part by part, as this model's does."""
        other = BargainingModel(config=self.start_config, rng=self.seed)
        other.realised = {role: Realised(other, role) for role in ("washington", "minsk")}
        while other.round < self.round:
            other.step()
            for realised in other.realised.values():
                realised.add(other)
        return other


class InitialState:
    """The worlds before the first month, so that a chart starts at month 0 (the recorder
    keeps the end of each month only)."""

    def __init__(self, model: BargainingModel):
        self.prisoners = model.prisoners.held.sum(axis=1).astype(float)  # (worlds,)
        self.instruments_relieved = model.instruments.relieved_count.astype(float)
        self.sanctions_cost = np.array(model.instruments.sanctions_cost, dtype=float)
        self.moscow_pressure = np.array(model.moscow.pressure, dtype=float)


def realised_utility(model: BargainingModel, actor: str) -> np.ndarray:
    """Each world's discounted sum of the actor's monthly utility over the months run so far."""
    return model.recorder.realised_utility(model, actor)
