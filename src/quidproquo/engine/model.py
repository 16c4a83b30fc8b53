"""The bargaining model: five actors trading political-prisoner releases for sanctions relief.

`BargainingModel` is a Mesa model whose agents are the five actors -- Minsk, Washington, the EU
bloc, Moscow and the Belarusian opposition. It simulates many parallel *worlds* at once: every
state variable carries a leading world axis and every decision is written once, with numpy, for
all worlds. One world is the readable case (dashboard, notebooks); a sweep runs thousands per
model. Each month (round), in this order:

1. dated scenario events (and the case's dated facts) change parameters (or put an instrument in a state, or record that a
   renewal passed);
2. flows: new arrests (Poisson; base inflow x repression x mobilisation effect) and sentence
   completions (binomial), per prisoner tier;
3. the opposition mobilises and lobbies;
4. Moscow sets its pressure;
5. Washington delivers staged relief that is due, renews or lets lapse licences whose term ends,
   snaps back after an arrest surge, decides on an envoy visit; if it visits, Washington and
   Minsk hold talks (`talks.py`) over bundles of any size, in two mixes of tiers (`menu.py`);
6. the EU's member states vote on snapback, renewals, suspensions and listings;
7. Minsk pardons and sets next month's repression;
8. the round is recorded.

A world's trajectory depends only on (seed, world index, its parameters): every random number
comes from a counter-based stream keyed by them (see `streams.py`).

Where each step lives, all in `quidproquo/engine/`: the goods in `prisoners.py` and
`instruments.py` (the only place an instrument's state changes), the actors in `actors/`, the
talks in `talks.py` (with the menu in `menu.py`, the protocols in `bargaining.py` and divisible
splits in `divisible.py`), this round's flows in `ledger.py`, the scenario's dated events in
`timeline.py`, every parameter a decision reads in `parameters.py`, and the event log and the
record in `record.py`. The config it reads is built and checked in `quidproquo/config/`.
"""

from __future__ import annotations

import copy

import mesa
import numpy as np
import pandas as pd

from quidproquo.config import Config, load, month
from quidproquo.config.points import Points, drawn
from quidproquo.config.schema import DEFAULT_SCENARIO
from quidproquo.engine.actors import EU, Minsk, Moscow, Opposition, Washington
from quidproquo.engine.arrays import total
from quidproquo.engine.instruments import Instruments
from quidproquo.engine.ledger import Ledger
from quidproquo.engine.parameters import Parameters
from quidproquo.engine.prisoners import Prisoners
from quidproquo.engine.record import EventLog, Recorder, WorldMean
from quidproquo.engine.streams import Draw, Streams
from quidproquo.engine.talks import Talks
from quidproquo.engine.timeline import Timeline


def _overrides_from_kwargs(kwargs: dict) -> list[str]:
    """Keyword arguments to Hydra overrides: `rounds=36` is engine.rounds, `a__b=1` is a.b."""
    engine = {"rounds", "seed", "start"}
    out = []
    for key, value in kwargs.items():
        path = f"engine.{key}" if key in engine else key.replace("__", ".")
        out.append(f"{path}={value}")
    return out


class BargainingModel(mesa.Model):
    """Sanctions-for-prisoners bargaining among five actors, over many parallel worlds.

    Build it from a scenario name with keyword overrides, Mesa style --
    `BargainingModel(scenario="thaw", worlds=1, rng=7, rounds=36, actors__washington__channel_value=2)`
    (one world unless `worlds` says more) -- or from a composed config (`config=`). `rng` is the
    integer seed of the worlds' streams (default: the config's `engine.seed`; a numpy Generator is
    turned into one). `world_ids` runs a chosen subset of worlds.

    `points` (`config.points.Points`) runs many parameter points in this one model: point k is a
    block of `engine.worlds` worlds numbered 0..worlds-1, as a run of point k alone numbers
    them, so its world i sees the same random streams as world i of that run and ends the same.
    """

    def __init__(
        self,
        scenario: str = DEFAULT_SCENARIO,
        worlds: int = 1,
        rng: int | np.random.Generator | None = None,
        *,
        config: Config | None = None,
        world_ids: np.ndarray | None = None,
        points: Points | None = None,
        **overrides,
    ):
        if config is None:
            config = load([f"scenario={scenario}", f"engine.worlds={worlds}", *_overrides_from_kwargs(overrides)])
        elif overrides:
            raise TypeError("pass either config= or keyword overrides, not both")
        if rng is None:
            seed = config.engine.seed
        elif isinstance(rng, (int, np.integer)):
            seed = int(rng)
        else:  # a Generator or SeedSequence, as Mesa allows: draw the integer seed from it
            seed = int(np.random.default_rng(rng).integers(2**63))
        super().__init__(rng=seed)
        # Dated events change parameters as the run goes: work on a copy, never the caller's config.
        self.cfg = copy.deepcopy(config)
        self.cfg.engine.seed = seed
        self.scenario_name = config.name
        if points is not None and world_ids is not None:
            raise TypeError("pass either points= or world_ids=, not both")
        self.points = points
        if points is not None:
            self.world_ids, self.point = points.world_ids(config.engine.worlds), points.point_of(config.engine.worlds)
        else:
            self.world_ids = np.arange(config.engine.worlds) if world_ids is None else np.asarray(world_ids)
            self.point = np.zeros(self.world_ids.size, dtype=np.int64)
        self.num_worlds = int(self.world_ids.size)
        # What every actor and good reads: the config's scalars, and the points' per-world values.
        varying = points.varying(config.engine.worlds) if points is not None else {}
        # A behaviour's draws (config.draws): world i at the (i mod N)-th; a point's own value wins.
        varying = {**drawn(config, self.world_ids), **varying}
        self.parameters = Parameters(self.cfg, varying)
        self.rounds = config.engine.rounds
        self.start = month(config.engine.start, "engine.start")
        self.round = 0
        self.streams = Streams(seed, self.world_ids)
        self.timeline = Timeline(config, self.start)
        self.events = EventLog(self)

        self.prisoners = Prisoners(self.parameters, self.num_worlds)
        self.instruments = Instruments(self.parameters, self.num_worlds, self.events)
        self.ledger = Ledger.empty(self.num_worlds, len(self.prisoners.tiers))
        self.opposition = Opposition(self)
        self.moscow = Moscow(self)
        self.washington = Washington(self)
        self.eu = EU(self)
        self.minsk = Minsk(self)
        self.actors = (self.minsk, self.washington, self.eu, self.moscow, self.opposition)
        self.talks = Talks(self)

        self.recorder = Recorder(self)
        self.datacollector = mesa.DataCollector(
            model_reporters={
                name: name
                for name in (
                    "prisoners_held",
                    "deals_this_round",
                    "instruments_lifted",
                    "sanctions_cost",
                    "moscow_pressure",
                    "mobilisation",
                )
            }
        )
        self.datacollector.collect(self)

    # ------------------------------------------------------------------------------ the round
    def step(self) -> None:
        if self.round >= self.rounds:
            self.running = False
            return
        self.open_month()
        self.close_month()

    # A month in two halves, around the moment the talks begin: play mode (dashboard/controls.py)
    # waits between them for a person at the table; every other run goes straight through.
    def open_month(self) -> None:
        """Steps 1-5 up to the talks: events, flows, the opposition, Moscow, and Washington's
        deliveries, snapback and visit."""
        self.ledger = Ledger.empty(self.num_worlds, len(self.prisoners.tiers))
        self.instruments.begin_round()
        self.timeline.apply(self)
        # Goods cache their parameter vectors for the round: re-read them after any change
        # to the config (this round's events, or a user's edit between steps).
        self.prisoners.refresh()
        self.instruments.refresh()
        self.flows()
        self.opposition.act(self.streams)
        self.moscow.act(self.streams)
        self.washington.act(self.streams)

    def close_month(self) -> None:
        """The talks, then steps 6-8: the EU, Minsk, and the record."""
        self.talks.hold()
        self.eu.act(self.streams)
        self.minsk.act(self.streams)
        self.recorder.record(self)
        self.datacollector.collect(self)
        self.round += 1
        self.running = self.round < self.rounds

    def run(self) -> BargainingModel:
        while self.running:
            self.step()
        return self

    def flows(self) -> None:
        """New arrests and sentence completions, per tier."""
        p, prisoners, ledger = self.opposition.p, self.prisoners, self.ledger
        mobilisation_effect = np.maximum(1.0 + p.arrest_effect * (self.opposition.mobilisation - p.mobilisation), 0.0)
        rate = np.atleast_2d(prisoners.vector("inflow")) * (self.minsk.repression * mobilisation_effect)[:, None]
        completion = np.atleast_2d(prisoners.vector("completion_rate"))
        for t in range(len(prisoners.tiers)):
            ledger.arrests[:, t] = self.streams.poisson(self.round, Draw.ARRESTS.of(t), rate[:, t])
            ledger.completed[:, t] = self.streams.binomial(
                self.round,
                Draw.COMPLETIONS.of(t),
                prisoners.held[:, t],
                completion[:, t] if completion.shape[0] > 1 else completion[0, t],
            )
        prisoners.held += ledger.arrests - ledger.completed

    # ----------------------------------------------------------------------------- metrics
    @property
    def month(self) -> pd.Period:
        return self.start + self.round

    @property
    def month_label(self) -> str:
        return str(self.month)

    @property
    def base_arrests(self) -> float:
        """Expected arrests a month at repression 1: the yardstick for a 'surge'."""
        inflow = self.prisoners.vector("inflow")
        return float(inflow.sum()) if inflow.ndim == 1 else total(inflow)

    # Metrics for Mesa's DataCollector (and the dashboard): means over the worlds.
    prisoners_held = WorldMean("prisoners.total", "political prisoners held")
    deals_this_round = WorldMean("ledger.deal", "share of worlds whose talks ended in a deal this month")
    instruments_lifted = WorldMean("instruments.relieved_count", "instruments lifted or suspended")
    sanctions_cost = WorldMean("instruments.sanctions_cost", "monthly cost of the sanctions in force, USD m")
    moscow_pressure = WorldMean("moscow.pressure", "Moscow's pressure on Minsk, 0..1")
    mobilisation = WorldMean("opposition.mobilisation", "the opposition's mobilisation, 0..1")
