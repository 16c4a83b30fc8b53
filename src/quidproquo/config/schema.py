"""The configuration schema: every key a user can type, with its type and its one default.

The dataclasses are Hydra structured configs, registered in Hydra's ConfigStore as `schema`;
`conf/config.yaml` extends them, so Hydra rejects unknown keys and wrong types while composing.
This file is the only place a default lives: the YAML under `conf/` and `scenarios/` says only
what a group or a scenario changes (`tests/config/test_defaults.py` holds it to that).

Each actor's `utility` and `strategy` is a `_target_` node: a function and its keyword arguments.
A utility defaults to `UTILITY` (no arguments), so another function merges into it cleanly. A
strategy's default has arguments (`STRATEGIES`) that would leak into any other strategy merged
over it, so the schema leaves it empty (None) and `compose.complete` fills it in after
composition: a scenario or an override that sets a strategy sets the whole node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ACTORS = ("minsk", "washington", "eu", "moscow", "opposition")
SENDERS = ("washington", "eu")
INSTRUMENT_STATES = ("imposed", "lifted", "suspended")
INSTRUMENT_KINDS = ("sanction", "detainee")  # a sanction may be reimposed; a detainee the sender frees (a swap) cannot be re-arrested
RENEWED = "renewed"  # what a dated event may also say of an instrument: its scheduled renewal passed that month (the record's vote)
DEFAULT_SCENARIO = "thaw"  # what a command runs when no scenario is named (conf/config.yaml says the same to Hydra)
STANCES = ("hawk", "core", "dove")
ROLE_NAMES = {"minsk": "Minsk", "washington": "Washington", "eu": "the EU", "moscow": "Moscow", "opposition": "the opposition"}
PROTOCOLS = ("alternating", "nash")
GOODS_KINDS = ("bundles", "divisible")

UTILITY = {"_target_": "quidproquo.utility.linear"}
STRATEGIES = {
    "minsk": {"_target_": "quidproquo.strategies.time_dependent", "exponent": 0.5},  # Boulware: holds out
    "washington": {"_target_": "quidproquo.strategies.time_dependent", "exponent": 1.0},  # linear concession
}


@dataclass
class EngineConfig:
    worlds: int = 1000  # parallel worlds: enough for stable medians and 90% bands, well under a second
    rounds: int = 36  # months simulated: long enough for relief, snapback and a second EU renewal
    seed: int = 0  # the integer every world's random stream derives from
    start: str = "2025-07"  # month of round 0 (YYYY-MM): the month after the Belarus data end


@dataclass
class BargainingConfig:
    max_offers: int = 4  # alternating offers per envoy visit (two each way); Washington proposes first
    verification_lag: int = 0  # rounds between release and relief; 0: same month, as in the 2025 visits
    end_hazard: float = 0.02  # monthly chance that what a deal starts ends (relief snapped back or let lapse, a leader's exile, a US administration: 1/48 a month, estimate); values have no horizon
    protocol: str = "alternating"  # how a visit's talks settle: "alternating" offers, or "nash": at once on the Nash bargaining solution
    release_levels: int = 4  # sizes an offer may free, on a geometric grid from one person to Washington's price for the relief offered (in each of two mixes of tiers)
    talks: bool = True  # whether envoys bargain; false: they still visit but never bargain (the deal channel off)
    max_steps: int = 4  # steps of relief one deal may grant: relief is graduated, deal by deal
    good: str = "bundles"  # what is bargained over: "bundles" of releases and relief, or "divisible": one good of size 1 split between the two (theory)
    nash_weight: float = 0.5  # Washington's bargaining power in the Nash protocol; Minsk has the rest


@dataclass
class OutputConfig:
    figures: bool = True  # draw the run's figures into figures/
    event_log_worlds: int = 100  # worlds 0..n-1 get a plain-words log: readable, and cheap at 100,000 worlds


# ------------------------------------------------------------------------------------ goods
@dataclass
class Valuation:
    """What one prisoner of a tier is worth to each actor, in that actor's own utility units."""

    minsk: float = 1.0  # security cost to Minsk of releasing one
    washington: float = 1.0  # humanitarian value to Washington of one freed
    eu: float = 1.0  # humanitarian value to the EU of one freed
    opposition: float = 1.0  # value to the opposition of one freed


@dataclass
class TierConfig:
    initial: int = 0  # prisoners held at round 0
    inflow: float = 0.0  # expected new arrests per month at repression 1
    completion_rate: float = 0.0  # monthly probability that a sentence ends
    pardon_rate: float = 0.0  # monthly pardon probability at clemency 1
    valuation: Valuation = field(default_factory=Valuation)


@dataclass
class InstrumentConfig:
    sender: str = "???"  # who imposed it and may relieve it: washington or eu (every instrument names its sender)
    monthly_cost: float = 0.0  # USD m a month the instrument costs Minsk while imposed
    lift_cost: float = 0.0  # political cost to the sender of lifting it, sender's units
    legitimacy: float = 0.0  # monthly legitimacy Minsk gains while it is not imposed
    state: str = "imposed"  # its state at round 0: imposed, lifted or suspended
    level: int = 0  # steps of relief in force at round 0 while imposed (a licence the record says is in force where a forecast starts)
    renewal_month: int = 0  # calendar month of its scheduled renewal (EU); 0 = none
    kind: str = "sanction"  # sanction, or detainee: someone the sender holds whom the target wants back, freed in a deal (a swap) and never re-imposed
    duration: int = 0  # months a licence (relief short of its last step) runs before it lapses unless the sender renews it; 0 = until reversed
    # Graduated relief, as senders give it (data/comparative): after step k, relief[k] of the cost
    # and legitimacy is relieved, at step_cost[k] of the lift cost (cumulative, ending at 1).
    steps: list[str] = field(default_factory=lambda: ["licence", "general licence", "suspension", "delisting"])  # the names of its steps of relief, in order
    relief: list[float] = field(default_factory=lambda: [0.1, 0.3, 0.6, 1.0])  # cumulative share of cost and legitimacy relieved after each step
    step_cost: list[float] = field(default_factory=lambda: [0.05, 0.2, 0.5, 1.0])  # cumulative share of the lift cost spent after each step


@dataclass
class GoodsConfig:
    prisoners: dict[str, TierConfig] = field(default_factory=dict)
    instruments: dict[str, InstrumentConfig] = field(default_factory=dict)


# ----------------------------------------------------------------------------------- actors
@dataclass
class MinskConfig:
    discount: float = 0.97  # a regime planning in years: a month's delay costs 3%
    utility: Any = field(default_factory=lambda: dict(UTILITY))  # the function that weighs its components (a _target_ node)
    strategy: Any = None  # its concession strategy in the talks (a _target_ node); unset, STRATEGIES["minsk"]: Boulware
    relief_weight: float = 1.0  # USD m of sanctions cost avoided is the unit of Minsk's utility
    legitimacy_weight: float = 1.0  # weight of legitimacy (relief in force, visits that end in a deal)
    security_weight: float = 1.0  # weight of the prisoners released (their value to Minsk and as chips)
    autonomy_weight: float = 20.0  # full Moscow pressure costs as much as USD 20 m a month
    mobilisation_weight: float = 10.0  # cost of full opposition mobilisation, per month
    reservation: float = 0.0  # utility a deal must beat: any deal better than none
    repression: float = 1.0  # initial repression level: arrests at the base rate
    repression_adjust: float = 0.3  # share of the gap to its target closed each month
    repression_min: float = 0.3  # lowest repression, x base arrest rate
    repression_max: float = 3.0  # highest repression, x base arrest rate
    hostage_elasticity: float = 0.0  # repression rise per unit hostage price; off unless a scenario turns it on
    moscow_push: float = 0.2  # repression rise per unit Moscow pressure
    threat_response: float = 0.3  # repression rise per unit opposition mobilisation
    clemency: float = 1.0  # multiplies every tier's pardon rate
    goodwill: float = 0.0  # extra pardon multiplier in months of an envoy visit
    visit_legitimacy: float = 10.0  # legitimacy of a visit that ends in a deal, the recognition Minsk wants most (USD m equivalent)
    # Prisoners are chips for later deals: releasing one also gives up what it could fetch, its
    # value to Washington times chip_value, scaled by 1 - strain. Strain is how hard the
    # sanctions bite: it moves towards the share of the sanctions' cost in force by
    # 1/strain_months a month, so the chips lose value the longer sanctions hold (estimates).
    chip_value: float = 0.1  # what a held prisoner could still fetch in a later deal, as a share of its value to Washington
    strain: float = 0.3  # strain at round 0
    strain_months: float = 18.0  # months the strain takes to follow the sanctions' cost
    # Unilateral releases: a month's chance of a gesture is gesture_rate x the share of the
    # sanctions' cost in force x (1 + gesture_drift x drift from Moscow). 0.0422 gives one within 36
    # months in 78.8% of worlds under full sanctions: TIES v4.1's rate of at least partial
    # concessions where sanctions concern the release of citizens (data/comparative/README.md).
    gesture_rate: float = 0.0422  # monthly chance of a unilateral release under full sanctions (TIES v4.1)
    gesture_drift: float = 1.0  # how much drift from Moscow raises the chance of a unilateral release
    gesture_share: float = 0.03  # share of each tier held that a gesture frees


@dataclass
class WashingtonConfig:
    discount: float = 0.97  # monthly discount of future utility
    utility: Any = field(default_factory=lambda: dict(UTILITY))  # the function that weighs its components (a _target_ node)
    strategy: Any = None  # its concession strategy in the talks (a _target_ node); unset, STRATEGIES["washington"]: linear
    engagement: float = 0.0  # monthly probability of an envoy visit: none unless a scenario sends them
    channel_value: float = 0.0  # value of the channel to Moscow that a deal keeps open
    # The ask scales with what is on the table, in shares of everyone held at the start (so one
    # behaviour fits a case of 100 prisoners or 1,000): visit_ask of them for a visit alone, plus
    # `price` of them for all the relief Washington could give (each instrument weighed by its
    # monthly cost and legitimacy to Minsk), filled from the tiers it values most: own nationals first.
    visit_ask: float = 0.00845  # share of everyone held at the start asked for a visit alone, without relief (10 of Belarus's 1,183)
    price: float = 0.137  # share of everyone held at the start asked for all of Washington's relief (1.5 a USD m a month in Belarus 2025)
    reserve_weight: float = 1.0  # each step costs 1 + this x the share of US relief already given: relief kept for later
    # Any relief at all is a political signal ("no concession announced" is the norm): a deal
    # with relief costs relief_signal x what everyone held at the start is worth to Washington
    # more (a share, so the same number means the same in a case of 100 prisoners or 1,000), and
    # relief's whole political cost is divided by 1 + trust x the share of everyone held at the
    # start freed in earlier deals -- a track record makes relief defensible.
    relief_signal: float = 0.38  # the political cost of a deal with any relief at all, as a share of the worth to Washington of everyone held at the start
    track_record: float = 0.0  # prisoners freed in its deals before round 0 (where a forecast starts from the record); trust counts them
    trust: float = 118.0  # relief's political cost is divided by 1 + trust x the share of everyone held at the start freed in earlier deals (0.1 a prisoner in Belarus 2025)
    humanitarian_weight: float = 1.0  # weight of prisoners freed
    credibility_weight: float = 1.0  # weight of the political cost of relief
    alliance_weight: float = 1.0  # friction with the EU for each US instrument lifted alone, per month
    rearrest_penalty: float = 0.1  # credibility cost per arrest above base in a month after a deal
    reservation: float = 0.0  # utility a deal must beat
    snapback_ratio: float = 0.0  # re-impose relief if arrests exceed this x base; 0 = never
    renewal_ratio: float = 1.5  # estimate: at a licence's end it is renewed unless arrests that month exceed this x base; 0 = never renewed (left to lapse)


@dataclass
class MemberConfig:
    stance: str = "core"  # its stance on relief: hawk, core or dove
    threshold: float = 0.5  # share of political prisoners freed it needs before lifting
    veto_renewal: float = 0.0  # probability it vetoes a scheduled renewal
    listing_trigger: float = 1.5  # arrests / base arrests that make it vote for new listings


@dataclass
class EUConfig:
    discount: float = 0.97  # monthly discount of future utility
    utility: Any = field(default_factory=lambda: dict(UTILITY))  # the function that weighs its components (a _target_ node)
    humanitarian_weight: float = 1.0  # weight of prisoners freed
    unity_weight: float = 5.0  # cost of a failed vote (a veto), per occurrence
    pressure_weight: float = 0.01  # value of each USD m of monthly cost on Minsk
    listing_cost: float = 2.0  # USD m a month each new package of listings costs Minsk (estimate)
    snapback_ratio: float = 2.0  # re-impose suspended instruments above this x base arrests
    members: dict[str, MemberConfig] = field(default_factory=dict)


@dataclass
class MoscowConfig:
    discount: float = 0.97  # monthly discount of future utility
    utility: Any = field(default_factory=lambda: dict(UTILITY))  # the function that weighs its components (a _target_ node)
    pressure: float = 0.2  # initial pressure on Minsk, 0..1
    tolerance: float = 0.1  # Western drift accepted unanswered: shedding a tenth of the sanctions' cost
    responsiveness: float = 0.5  # pressure rise per unit drift beyond tolerance, per month
    relaxation: float = 0.05  # monthly decay of pressure towards zero
    channel_benefit: float = 0.0  # pressure relief in a month the US-Minsk channel serves Moscow
    engagement_drift: float = 0.1  # drift an envoy visit adds
    control_weight: float = 10.0  # cost of Minsk's drift to the West
    channel_weight: float = 5.0  # value of the US-Minsk channel to Moscow


@dataclass
class OppositionConfig:
    discount: float = 0.97  # monthly discount of future utility
    utility: Any = field(default_factory=lambda: dict(UTILITY))  # the function that weighs its components (a _target_ node)
    mobilisation: float = 0.3  # initial mobilisation, 0..1
    base_mobilisation: float = 0.3  # mobilisation it returns to without freed leaders or repression
    exile_effect: float = 0.5  # mobilisation gain per freed prominent prisoner, as share of tier
    suppression: float = 0.2  # mobilisation loss per unit repression above 1
    adjust: float = 0.2  # share of the gap to its target mobilisation closed each month
    lobbying: float = 0.2  # how much more than the base ask it makes Washington demand
    arrest_effect: float = 0.5  # arrest-rate rise at full mobilisation
    freed_weight: float = 1.0  # weight of prisoners freed
    pressure_weight: float = 0.02  # value of each USD m of sanctions kept while prisoners remain
    unity_weight: float = 5.0  # weight of its mobilisation


@dataclass
class ActorsConfig:
    minsk: MinskConfig = field(default_factory=MinskConfig)
    washington: WashingtonConfig = field(default_factory=WashingtonConfig)
    eu: EUConfig = field(default_factory=EUConfig)
    moscow: MoscowConfig = field(default_factory=MoscowConfig)
    opposition: OppositionConfig = field(default_factory=OppositionConfig)


@dataclass
class EventConfig:
    """A dated exogenous shock: from `date` on, each `changes` key takes its new value."""

    date: str = "???"
    text: str = ""
    changes: dict[str, Any] = field(default_factory=dict)
    instruments: dict[str, str] = field(default_factory=dict)  # instrument -> the state it is put in that month, outside the talks (imposed: every step of relief reversed; lifted; suspended), or renewed: its scheduled renewal passes that month whatever the members would vote


@dataclass
class CaseConfig:
    """What names an episode: the data of a case (`conf/case/`) fill the rest of the config --
    goods, start, the EU's members and dated facts -- and nothing about how the actors decide."""

    name: str = ""  # the case (conf/case/NAME.yaml)
    title: str = ""  # a line that says which episode it is
    # The actors are roles: the target holds the prisoners (minsk), the senders impose and relieve
    # (washington, eu), the patron presses the target (moscow), the opposition mobilises.
    names: dict[str, str] = field(default_factory=lambda: dict(ROLE_NAMES))  # who plays each role, for the words of logs and reports: minsk: Caracas


@dataclass
class Config:
    name: str = "custom"
    description: str = ""
    case: CaseConfig = field(default_factory=CaseConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    bargaining: BargainingConfig = field(default_factory=BargainingConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    goods: GoodsConfig = field(default_factory=GoodsConfig)
    actors: ActorsConfig = field(default_factory=ActorsConfig)
    # Per-world values of numeric parameters (conf/behaviour/posterior.yaml: the posterior's draws):
    # world i takes the (i mod N)-th of each key's N values, whatever runs beside it.
    draws: dict[str, list[float]] = field(default_factory=dict)  # key -> N values, world i at value i mod N (a posterior's draws)
    facts: list[EventConfig] = field(default_factory=list)  # the case's dated facts (conf/case/): composition appends them to the events, and they apply alike
    events: list[EventConfig] = field(default_factory=list)


SCHEMAS = {cls.__name__: cls for cls in (  # by name, for error messages that list a node's keys
    EngineConfig, BargainingConfig, OutputConfig, TierConfig, Valuation, InstrumentConfig, GoodsConfig,
    MinskConfig, WashingtonConfig, MemberConfig, EUConfig, MoscowConfig, OppositionConfig, ActorsConfig,
    EventConfig, CaseConfig, Config)}
