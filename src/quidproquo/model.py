"""The bargaining model: five actors trading political-prisoner releases for sanctions relief.

`BargainingModel` is a Mesa model whose agents are the five actors -- Minsk, Washington, the EU
bloc, Moscow and the Belarusian opposition. It simulates many parallel *worlds* at once: every
state variable carries a leading world axis and every decision is written once, with numpy, for
all worlds. One world is the readable case (dashboard, notebooks); a sweep runs thousands per
model. Each month (round), in this order:

1. dated scenario events change parameters;
2. flows: new arrests (Poisson; base inflow x repression x mobilisation effect) and sentence
   completions (binomial), per prisoner tier;
3. the opposition mobilises and lobbies;
4. Moscow sets its pressure;
5. Washington delivers staged relief that is due, snaps back after an arrest surge, decides on
   an envoy visit; if it visits, Washington and Minsk exchange alternating offers;
6. the EU's member states vote on snapback, renewals, suspensions and listings;
7. Minsk pardons and sets next month's repression;
8. the round is recorded.

A world's trajectory depends only on (seed, world index, its parameters): every random number
comes from a counter-based stream keyed by them (see `streams.py`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import mesa
import numpy as np
import pandas as pd

from quidproquo.actors import EU, Minsk, Moscow, Opposition, Washington
from quidproquo.bargaining import Menu, Negotiator, alternate, build_menu, nash
from quidproquo.config import Config, load, month
from quidproquo.divisible import Claimant
from quidproquo.goods import IMPOSED, LIFTED, Instruments, Prisoners, row_sum
from quidproquo.record import Recorder
from quidproquo.streams import Streams
from quidproquo.timeline import Timeline

ARREST_DRAW, COMPLETION_DRAW = 1, 10


@dataclass
class Ledger:
    """What happened this round, per world: the flows the record and the utilities read."""

    arrests: np.ndarray
    completed: np.ndarray
    released_deal: np.ndarray
    released_pardon: np.ndarray
    engaged: np.ndarray
    deal: np.ndarray
    snapback: np.ndarray
    lifted_now: np.ndarray

    @classmethod
    def empty(cls, worlds: int, tiers: int, instruments: int) -> Ledger:
        counts = lambda: np.zeros((worlds, tiers), dtype=np.int64)  # noqa: E731
        flags = lambda: np.zeros(worlds, dtype=bool)  # noqa: E731
        return cls(counts(), counts(), counts(), counts(), flags(), flags(), flags(),
                   np.zeros((worlds, instruments), dtype=bool))


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
    """

    def __init__(self, scenario: str = "thaw", worlds: int = 1, rng: int | np.random.Generator | None = None, *,
                 config: Config | None = None, world_ids: np.ndarray | None = None, **overrides):
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
        self.world_ids = np.arange(config.engine.worlds) if world_ids is None else np.asarray(world_ids)
        self.num_worlds = int(self.world_ids.size)
        self.rounds = config.engine.rounds
        self.start = month(config.engine.start, "engine.start")
        self.round = 0
        self.streams = Streams(seed, self.world_ids)
        self.timeline = Timeline(config, self.start)

        self.prisoners = Prisoners(config, self.num_worlds)
        self.instruments = Instruments(config, self.num_worlds)
        self.ledger = Ledger.empty(self.num_worlds, len(self.prisoners.tiers), len(self.instruments.names))
        self.opposition = Opposition(self)
        self.moscow = Moscow(self)
        self.washington = Washington(self)
        self.eu = EU(self)
        self.minsk = Minsk(self)
        self.actors = (self.minsk, self.washington, self.eu, self.moscow, self.opposition)
        self.seats: dict = {}  # actor name -> a person's side at the table (see `negotiate`)
        self.outcome = None  # (worlds, bargaining.Outcome) of the latest round with talks

        self._logged = np.flatnonzero(self.world_ids < config.output.event_log_worlds)
        self.recorder = Recorder(self)
        self.datacollector = mesa.DataCollector(model_reporters={
            "prisoners_held": "prisoners_held", "deals": "deals_this_round",
            "instruments_lifted": "instruments_lifted", "sanctions_cost": "sanctions_cost",
            "moscow_pressure": "moscow_pressure", "mobilisation": "mobilisation"})
        self.datacollector.collect(self)

    # ------------------------------------------------------------------------------ the round
    def step(self) -> None:
        if self.round >= self.rounds:
            self.running = False
            return
        self.ledger = Ledger.empty(self.num_worlds, len(self.prisoners.tiers), len(self.instruments.names))
        self.timeline.apply(self)
        # Goods cache their parameter vectors for the round: re-read them after any change
        # to the config (this round's events, or a user's edit between steps).
        self.prisoners.refresh()
        self.instruments.refresh()
        self.flows()
        self.opposition.act()
        self.moscow.act()
        self.washington.act(self.streams)
        self.bargain()
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
        p, prisoners, ledger = self.cfg.actors.opposition, self.prisoners, self.ledger
        mobilisation_effect = np.maximum(1.0 + p.arrest_effect * (self.opposition.mobilisation - p.mobilisation), 0.0)
        rate = prisoners.vector("inflow")[None, :] * (self.minsk.repression * mobilisation_effect)[:, None]
        completion = prisoners.vector("completion_rate")
        for t in range(len(prisoners.tiers)):
            ledger.arrests[:, t] = self.streams.poisson(self.round, ARREST_DRAW + t, rate[:, t])
            ledger.completed[:, t] = self.streams.binomial(self.round, COMPLETION_DRAW + t, prisoners.held[:, t], completion[t])
        prisoners.held += ledger.arrests - ledger.completed

    def bargain(self) -> None:
        """Washington and Minsk bargain in the worlds with an envoy visit: over the menu of
        prisoners-for-relief bundles, or over one divisible good (`bargaining.good`)."""
        worlds = np.flatnonzero(self.washington.engaged)
        if worlds.size == 0:
            return
        if self.cfg.bargaining.good == "divisible":
            self.split(worlds)
            return
        w, m, instruments = self.washington, self.minsk, self.instruments
        liftable = (instruments.state[worlds] == IMPOSED) & w.instruments[None, :] & (instruments.pending_lift[worlds] < 0)
        menu = build_menu(w.ask(worlds), liftable, w.offer_order, self.cfg.bargaining.release_levels)
        # Value release levels and relief sets separately; they broadcast to every pairing.
        releases, lift = menu.releases[:, None, :, :], menu.lift[:, :, None, :]
        u_w = menu.flatten(w.value_bundles(worlds, releases, lift))
        u_m = menu.flatten(m.value_bundles(worlds, releases, lift))
        outcome = self.negotiate(worlds,
                                 Negotiator("washington", u_w, np.full(worlds.size, w.params.reservation), w.params.discount, w.strategy),
                                 Negotiator("minsk", u_m, np.full(worlds.size, m.params.reservation), m.params.discount, m.strategy),
                                 menu)
        self._log_offers(worlds, menu, outcome)

        agreed = np.flatnonzero(outcome.deal)
        rows = worlds[agreed]
        releases, lift = menu.bundle(agreed, outcome.candidate[agreed])
        released = np.zeros_like(self.prisoners.held)
        released[rows] = releases
        self.prisoners.release(released)
        self.ledger.released_deal = released
        self.ledger.deal[rows] = True
        lag = self.cfg.bargaining.verification_lag
        if lag == 0:
            state = instruments.state[rows]
            state[lift] = LIFTED
            instruments.state[rows] = state
            self.ledger.lifted_now[rows] |= lift
        else:
            pending = instruments.pending_lift[rows]
            pending[lift] = self.round + lag
            instruments.pending_lift[rows] = pending
        w.record_deal(rows, lift)
        m.record_deal(rows, releases, lift)

    def negotiate(self, worlds: np.ndarray, washington, minsk, menu: Menu | None):
        """Run the configured protocol between the two sides; keep the outcome for inspection.

        A seat in `self.seats` (actor name -> function(side, worlds, menu) -> side) replaces that
        actor's side at the table: the dashboard's play mode seats a student this way.
        """
        unseated = lambda side, *_: side  # noqa: E731
        washington = self.seats.get("washington", unseated)(washington, worlds, menu)
        minsk = self.seats.get("minsk", unseated)(minsk, worlds, menu)
        logged = np.isin(worlds, self._logged)
        if self.cfg.bargaining.protocol == "nash":
            outcome = nash(washington, minsk, self.cfg.bargaining.nash_weight)
        else:
            outcome = alternate(washington, minsk, self.cfg.bargaining.max_offers, keep=logged)
        self.outcome = (worlds, outcome)
        for step, offer in enumerate(outcome.offers):
            for j in np.flatnonzero(offer.made & logged):
                self.recorder.offers.append((int(self.world_ids[worlds[j]]), self.round, self.month_label, step, offer.proposer,
                                             float(offer.candidate[j]), float(offer.values["washington"][j]),
                                             float(offer.values["minsk"][j]), bool(offer.accepted[j])))
        return outcome

    def split(self, worlds: np.ndarray) -> None:
        """Bargaining over one divisible good: nothing but the split changes hands."""
        w, m = self.washington, self.minsk
        outcome = self.negotiate(worlds,
                                 Claimant("washington", w.share_utility, np.full(worlds.size, w.params.reservation), w.params.discount, w.strategy, first=True),
                                 Claimant("minsk", m.share_utility, np.full(worlds.size, m.params.reservation), m.params.discount, m.strategy, first=False),
                                 None)
        rows = worlds[outcome.deal]
        self.ledger.deal[rows] = True
        w.record_deal(rows, np.zeros((rows.size, len(self.instruments.names)), dtype=bool))
        for i, j in zip(*np.intersect1d(worlds, self._logged, return_indices=True)[1:]):
            for offer in outcome.offers:
                if offer.made[j]:
                    x = offer.candidate[j]
                    verdict = "accepted" if offer.accepted[j] else "refused"
                    self.log_one(i, offer.proposer, "offer", f"{offer.proposer.capitalize()} proposes: Washington {x:.4f}, Minsk {1 - x:.4f} -- {verdict}")
            if outcome.deal[j]:
                x = outcome.candidate[j]
                self.log_one(i, "minsk", "deal", f"deal: the good is split Washington {x:.4f}, Minsk {1 - x:.4f}")

    # ------------------------------------------------------------------------- event log
    def log_one(self, i: int, actor: str, kind: str, text: str) -> None:
        """Add a plain-words line to the log of the world at position `i`."""
        self.recorder.events.append((int(self.world_ids[i]), self.round, self.month_label, actor, kind, text))

    def log(self, actor: str, kind: str, mask: np.ndarray | None, text) -> None:
        """Add a plain-words line for each logged world where `mask` holds (None: all)."""
        for i in self._logged:
            if mask is None or mask[i]:
                self.recorder.events.append((int(self.world_ids[i]), self.round, self.month_label, actor, kind, text(i)))

    def _log_offers(self, worlds, menu, outcome) -> None:
        logged, at, _ = np.intersect1d(worlds, self._logged, return_indices=True)
        lag = self.cfg.bargaining.verification_lag
        for i, j in zip(logged, at):
            world = int(self.world_ids[i])
            for offer in outcome.offers:
                if not offer.made[j]:
                    continue
                releases, lift = menu.bundle(j, offer.candidate[j])
                verdict = "accepted" if offer.accepted[j] else "refused"
                text = (f"{offer.proposer.capitalize()} proposes: release {self.tier_list(releases)}"
                        f" for {self.relief_words(lift)} -- {verdict}")
                self.recorder.events.append((world, self.round, self.month_label, offer.proposer, "offer", text))
            if outcome.deal[j]:
                releases, lift = menu.bundle(j, outcome.candidate[j])
                staged = f" after {lag} months' verification" if lag and lift.any() else ""
                text = f"deal: Minsk releases {self.tier_list(releases)}; {self.relief_words(lift)}{staged}"
                self.recorder.events.append((world, self.round, self.month_label, "minsk", "deal", text))

    def tier_list(self, counts: np.ndarray) -> str:
        parts = [f"{n} {tier}" for tier, n in zip(self.prisoners.tiers, counts) if n]
        return f"{int(np.sum(counts))} ({', '.join(parts)})" if parts else "0"

    def instrument_list(self, mask: np.ndarray) -> str:
        return ", ".join(n for n, on in zip(self.instruments.names, mask) if on) or "nothing"

    def relief_words(self, mask: np.ndarray) -> str:
        return f"lifting {self.instrument_list(mask)}" if mask.any() else "no relief"

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
        return float(self.prisoners.vector("inflow").sum())

    @property
    def prisoners_held(self) -> float:
        return float(self.prisoners.total.mean())

    @property
    def deals_this_round(self) -> float:
        return float(self.ledger.deal.mean())

    @property
    def instruments_lifted(self) -> float:
        return float(row_sum(self.instruments.state != IMPOSED).mean())

    @property
    def sanctions_cost(self) -> float:
        return float(self.instruments.sanctions_cost.mean())

    @property
    def moscow_pressure(self) -> float:
        return float(self.moscow.pressure.mean())

    @property
    def mobilisation(self) -> float:
        return float(self.opposition.mobilisation.mean())
