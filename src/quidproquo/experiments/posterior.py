"""The posterior of the behaviour given the record: ABC-SMC in which every particle is a world.

What it estimates (`PRIOR`): the arrests, sentence ends and pardons that make the stock move,
how often envoys come, and how Washington prices a visit and grants relief -- uniform priors on
ranges wide enough to hold every value the record allows. The data (`Record`) are the record
from the scenario's start to a month `until` (a fit from an origin reads no later row:
observations.read_data, and sanctions.csv's state columns only up to `until`): every prisoner
count, mean monthly arrests, and per half-year the pardons, the envoy releases (freed, months
with one, the largest), and the instruments of each sender with relief in force.

Why our own sampler and not ELFI or pyabc: ELFI 0.8.8, the one built for batched simulators,
pins matplotlib < 3.9 and brings GPy, dask, ipyparallel, scikit-learn and arviz; pyabc runs one
simulation per particle and keeps its populations in a SQL database. Here a particle is one
world of one batched model -- `Draws` gives every world its own parameter values and its own
number, hence its own random streams -- so a generation of 10,000 proposals is one run of
10,000 worlds, seconds. The algorithm is the textbook adaptive ABC-SMC (Beaumont, Cornuet,
Marin & Robert 2009; thresholds by quantile, Del Moral, Doucet & Jasra 2012):

- generation 0: proposals from the prior; each moment's distance is scaled by its spread (MAD)
  across these worlds, floored at 1 (a count of 1,200 and three visits weigh alike); the
  `particles` closest are kept;
- generation t: the threshold is the `QUANTILE` of the distances of the particles kept at t - 1; proposals
  are kept particles, drawn by weight and moved by a Gaussian with twice their weighted
  covariance (redrawn until inside the prior's box); the closest `particles` under the
  threshold are kept, weighted prior / sum_j w_j K(theta | theta_j).

Every draw is seeded: the sampler's from `seed`, each world's from (seed, world number). The
same seed gives the same posterior, byte for byte.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from quidproquo.config import Config, ConfigError, month
from quidproquo.config.points import Points, points
from quidproquo.engine.instruments import relief_in_force
from quidproquo.engine.model import BargainingModel
from quidproquo.experiments.bands import BAND_AND_MEDIAN
from quidproquo.experiments.calibrate import Parameter
from quidproquo.experiments.observations import NOT_RELIEVED, data_dir, read_data

PRIOR = (
    Parameter("inflow", "goods.prisoners.rank_and_file.inflow", 20.0, 80.0, "new political arrests a month at repression 1"),
    Parameter("completion_rate", "goods.prisoners.rank_and_file.completion_rate", 0.005, 0.06, "monthly share of sentences ending"),
    Parameter("clemency_2024", "actors.minsk.clemency", 0.2, 3.0, "pardon intensity before the January 2025 election"),
    Parameter("clemency_2025", "actors.minsk.clemency@2025-02", 0.05, 2.0, "pardon intensity after the election"),
    Parameter("engagement_2025", "actors.washington.engagement@2025-01", 0.02, 1.0, "monthly chance of a US envoy visit from January 2025"),
    Parameter("visit_ask", "actors.washington.visit_ask", 0.0005, 0.045, "share of those held Washington asks for a visit without relief"),
    Parameter("price", "actors.washington.price", 0.005, 0.4, "share of those held Washington asks for all its relief"),
    Parameter("relief_signal", "actors.washington.relief_signal", 0.0, 1.5, "political cost of any relief, a share of the worth of everyone held"),
    Parameter("trust", "actors.washington.trust", 0.0, 700.0, "how much each share of those held freed in earlier deals makes relief defensible"),
)  # fmt: skip
QUANTILE = 0.6  # each generation's threshold: this quantile of the last one's distances


# ------------------------------------------------------------------------------------ data
def half_years(start: pd.Period, until: pd.Period) -> list[tuple[str, int, int]]:
    """The half-years from `start` to `until`, each (label, first round, last round), cut at both ends."""
    out, first = [], start
    while first <= until:
        half = 1 if first.month <= 6 else 2
        end = min(pd.Period(f"{first.year}-{6 * half:02d}", freq="M"), until)
        out.append((f"{first.year}H{half}", (first - start).n, (end - start).n))
        first = end + 1
    return out


def report_round(date: pd.Timestamp, start: pd.Period) -> int:
    """The round a count reports on: its own month from day 25, else the month before."""
    return (date.to_period("M") - (0 if date.day >= 25 else 1) - start).n


@dataclass
class Record:
    """The figures the posterior is fitted to, and the round each belongs to."""

    start: pd.Period
    until: pd.Period
    names: list[str]
    observed: np.ndarray
    count_rounds: np.ndarray
    arrest_rounds: np.ndarray
    halves: list[tuple[str, int, int]]
    relief_by: dict[str, dict[str, int]]  # "YYYY-MM" -> sender -> instruments with relief in force
    last_count: tuple[pd.Timestamp, int] = field(default=(pd.NaT, 0))

    @property
    def rounds(self) -> int:
        return (self.until - self.start).n + 1


def record(start: pd.Period, until: pd.Period, folder=None) -> Record:
    """The record from `start` to the end of `until`: no row dated later is read."""
    folder = data_dir() if folder is None else folder
    counts = read_data(folder / "political_prisoners.csv", until)
    flows = read_data(folder / "flows.csv", until)
    events = read_data(folder / "events.csv", until)
    counts = counts[counts.date >= start.start_time].copy()
    counts["round"] = [report_round(d, start) for d in counts.date]
    counts = counts[(counts["round"] >= 0) & (counts["round"] <= (until - start).n)]
    if counts.empty:
        raise ConfigError(f"calibration data in {folder}: no prisoner count from {start} to {until}")
    monthly = flows[(flows.metric == "newly_recognized") & flows.period.astype(str).str.fullmatch(r"\d{4}-\d{2}")]
    arrest_rounds = np.array([(pd.Period(p, freq="M") - start).n for p in monthly.period])
    keep = arrest_rounds >= 0
    events = events[events.date >= start.start_time]
    events = events.assign(round=[(d.to_period("M") - start).n for d in events.date])
    names, observed = [f"prisoners {d:%Y-%m-%d}" for d in counts.date], [*counts.political_prisoners.astype(float)]
    names.append("arrests a month")
    observed.append(float(monthly.value.astype(float)[keep].mean()))
    halves = half_years(start, until)
    for label, first, last in halves:
        inside = events[(events["round"] >= first) & (events["round"] <= last)]
        visits = inside[(inside.kind == "us_envoy_release") & (inside.released_political > 0)]
        by_month = visits.groupby("round").released_political.sum()
        names += [
            f"pardons {label}",
            f"freed in visits {label}",
            f"months with a visit release {label}",
            f"largest visit release {label}",
        ]
        observed += [
            float(inside[inside.kind == "pardon"].released_political.sum()),
            float(by_month.sum()),
            float(by_month.size),
            float(by_month.max()) if by_month.size else 0.0,
        ]  # fmt: skip
    sanctions = pd.read_csv(folder / "sanctions.csv", dtype=str)
    relief_by = {}
    for _, _first, last in halves:
        at = start + last
        column = f"status_{at.year}_{at.month:02d}"
        if column in sanctions.columns:
            relief_by[str(at)] = {
                sender: int((~sanctions[sanctions.sender == sender][column].isin(NOT_RELIEVED)).sum())
                for sender in ("us", "eu")
            }
    for at, senders in relief_by.items():
        names += [f"US instruments relieved by {at}", f"EU instruments relieved by {at}"]
        observed += [float(senders["us"]), float(senders["eu"])]
    last = counts.iloc[-1]
    return Record(
        start,
        until,
        names,
        np.array(observed),
        counts["round"].to_numpy(),
        arrest_rounds[keep],
        halves,
        relief_by,
        (last.date, int(last.political_prisoners)),
    )


def simulated(model: BargainingModel, rec: Record) -> np.ndarray:
    """(worlds, moments): the record's figures in every simulated world."""
    r = model.recorder
    held = r.prisoners.sum(axis=2)
    pardons, deals = r.released_pardon, r.released_deal
    columns = [*(held[k] for k in rec.count_rounds), r.arrests[rec.arrest_rounds].mean(axis=0)]
    for _, first, last in rec.halves:
        span = slice(first, last + 1)
        columns += [
            pardons[span].sum(axis=0),
            deals[span].sum(axis=0),
            (deals[span] > 0).sum(axis=0),
            deals[span].max(axis=0),
        ]
    instruments = model.instruments
    for at in rec.relief_by:
        last = (pd.Period(at, freq="M") - rec.start).n
        ever = relief_in_force(r.instruments[: last + 1], r.levels[: last + 1]).any(axis=0)
        columns += [(ever & instruments.of("washington")).sum(axis=1), (ever & instruments.of("eu")).sum(axis=1)]
    return np.column_stack(columns).astype(np.float64)


# ------------------------------------------------------------------------------- sampling
@dataclass(frozen=True)
class Draws(Points):
    """Points of one world each, numbered from `first` on: every particle its own world, with
    its own random streams (a `Points` numbers each point's worlds from 0). With a `period`, the
    numbers start again every `period` worlds: blocks of the same worlds under other settings."""

    first: int = 0
    period: int = 0

    def world_ids(self, worlds: int) -> np.ndarray:
        ids = np.arange(len(self) * worlds, dtype=np.int64)
        return self.first + (ids % self.period if self.period else ids)


def simulate(base: Config, theta: np.ndarray, first: int, rounds: int, prior=PRIOR) -> BargainingModel:
    """One model of len(theta) worlds, world i at theta[i] (`prior`'s order) numbered first + i."""
    cfg = copy.deepcopy(base)  # the caller's config stays as it was
    cfg.engine.worlds, cfg.engine.rounds = 1, rounds  # one world a point: a point is a particle
    cfg.output.event_log_worlds = 0
    table = {p.key: theta[:, j] for j, p in enumerate(prior)}
    checked = points(cfg, table)
    return BargainingModel(config=cfg, points=Draws(checked.table, first)).run()


@dataclass
class Posterior:
    """The particles of the last generation, their weights and distances, what each world held
    at the record's end (by tier), what Washington had freed, and the generations' diagnostics."""

    theta: np.ndarray  # (particles, parameters)
    weights: np.ndarray  # (particles,), summing to 1
    distance: np.ndarray
    held: np.ndarray  # (particles, tiers) at the end of `until`
    freed: np.ndarray  # (particles,) prisoners freed in US deals by then
    generations: pd.DataFrame
    scale: np.ndarray
    record: Record
    seconds: float

    def table(self) -> pd.DataFrame:
        out = pd.DataFrame(self.theta, columns=[p.name for p in PRIOR])
        return out.assign(weight=self.weights, distance=self.distance)

    def summary(self) -> pd.DataFrame:
        rows = []
        for j, p in enumerate(PRIOR):
            q = weighted_quantiles(self.theta[:, j], self.weights)
            mean = float(self.weights @ self.theta[:, j])
            sd = float(np.sqrt(self.weights @ (self.theta[:, j] - mean) ** 2))
            rows.append(
                {"parameter": p.name, "key": p.key, "prior_low": p.low, "prior_high": p.high,
                 "mean": mean, "sd": sd, "q05": q[0], "median": q[1], "q95": q[2]}
            )  # fmt: skip
        return pd.DataFrame(rows)

    def ess(self) -> float:
        return float(1.0 / np.sum(self.weights**2))

    def write(self, staged) -> None:
        """The particles, the parameters' summary and the generations, into a staged folder."""
        from quidproquo.runs import storage

        storage.write_text(self.table().to_csv(index=False), staged / "posterior.csv")
        storage.write_text(self.summary().to_csv(index=False), staged / "parameters.csv")
        storage.write_text(self.generations.to_csv(index=False), staged / "generations.csv")


def _weighted_cov(theta: np.ndarray, weights: np.ndarray) -> np.ndarray:
    mean = weights @ theta
    centred = theta - mean
    return (centred * weights[:, None]).T @ centred


def _kernel_sum(new: np.ndarray, old: np.ndarray, weights: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """sum_j w_j N(new_i | old_j, cov) for each new_i, up to the kernel's constant (it cancels)."""
    inverse = np.linalg.inv(cov)
    out = np.zeros(new.shape[0])
    for start in range(0, new.shape[0], 512):  # blocks of 512 x particles: bounded memory
        d = new[start : start + 512, None, :] - old[None, :, :]
        out[start : start + 512] = np.exp(-0.5 * np.einsum("ijk,kl,ijl->ij", d, inverse, d)) @ weights
    return out


def sample(
    base: Config,
    rec: Record,
    particles: int = 2000,
    proposals: int = 8000,
    generations: int = 6,
    seed: int = 0,
    progress=None,
) -> Posterior:
    """ABC-SMC over PRIOR for `base` against `rec` (see the module docstring)."""
    begun = time.perf_counter()
    if month(base.engine.start, "engine.start") != rec.start:
        raise ConfigError(f"engine.start={base.engine.start}: the record starts at {rec.start}")

    def run(proposal: np.ndarray, first: int):
        model = simulate(base, proposal, first=first, rounds=rec.rounds)
        return simulated(model, rec), model

    fit = smc(PRIOR, run, rec.observed, particles, proposals, generations, seed, progress)
    model, keep = fit.last
    return Posterior(
        fit.theta,
        fit.weights,
        fit.distance,
        model.prisoners.held[keep].copy(),
        model.washington.freed[keep].copy(),
        fit.generations,
        fit.scale,
        rec,
        time.perf_counter() - begun,
    )


@dataclass
class Fit:
    """What `smc` returns: the last generation's particles, weights and distances, the
    generations' diagnostics, each moment's scale, and (the simulation's extra, kept indices)
    of the last generation."""

    theta: np.ndarray
    weights: np.ndarray
    distance: np.ndarray
    generations: pd.DataFrame
    scale: np.ndarray
    last: tuple


def smc(
    prior, run, observed: np.ndarray, particles: int, proposals: int, generations: int, seed: int, progress=None
) -> Fit:
    """Adaptive ABC-SMC over the uniform `prior` (Parameters): `run(proposal, first)` simulates
    one world at each row of `proposal`, numbered from `first`, and returns (moments, extra);
    the distance to `observed` is scaled per moment by its spread in generation 0 (floored at 1)."""
    from quidproquo.experiments.progress import Silent

    progress = progress or Silent()
    begun = time.perf_counter()
    rng = np.random.default_rng([seed, 21])
    low, high = np.array([p.low for p in prior]), np.array([p.high for p in prior])
    stage = progress.stage("generations", generations, "generation", f"ABC-SMC {generations} x {proposals:,} worlds")
    history, scale = [], None
    theta = weights = distance = last = None
    with stage:
        for t in range(generations):
            if t == 0:
                proposal = low + (high - low) * rng.random((proposals, len(prior)))
            else:
                cov = 2.0 * _weighted_cov(theta, weights) + 1e-12 * np.diag((high - low) ** 2)
                chol = np.linalg.cholesky(cov)
                proposal = np.empty((proposals, len(prior)))
                todo = np.arange(proposals)
                for _ in range(1000):  # redraw what falls outside the prior's box
                    parents = rng.choice(theta.shape[0], size=todo.size, p=weights)
                    moved = theta[parents] + rng.standard_normal((todo.size, len(prior))) @ chol.T
                    inside = ((moved >= low) & (moved <= high)).all(axis=1)
                    proposal[todo[inside]] = moved[inside]
                    todo = todo[~inside]
                    if todo.size == 0:
                        break
                proposal[todo] = np.clip(proposal[todo], low, high)
            moments, extra = run(proposal, t * proposals)
            if scale is None:
                spread = np.median(np.abs(moments - np.median(moments, axis=0)), axis=0) * 1.4826
                scale = np.maximum(spread, 1.0)
            d = np.sqrt((((moments - observed) / scale) ** 2).sum(axis=1))
            threshold = np.inf if t == 0 else float(np.quantile(distance, QUANTILE))
            under = np.flatnonzero(d <= threshold)
            keep = under[np.argsort(d[under], kind="stable")[:particles]]
            if keep.size < 10:
                raise ConfigError(
                    f"ABC-SMC generation {t}: {keep.size} of {proposals:,} proposals within {threshold:.2f}; "
                    f"raise the proposals"
                )
            if t == 0:
                new_weights = np.full(keep.size, 1.0 / keep.size)
            else:
                new_weights = 1.0 / np.maximum(_kernel_sum(proposal[keep], theta, weights, cov), 1e-300)
                new_weights /= new_weights.sum()
            theta, weights, distance, last = proposal[keep], new_weights, d[keep], (extra, keep)
            history.append(
                {
                    "generation": t,
                    "threshold": threshold,
                    "proposals": proposals,
                    "within": int(under.size),
                    "kept": int(keep.size),
                    "acceptance": under.size / proposals,
                    "ess": float(1.0 / np.sum(weights**2)),
                    "median_distance": float(np.median(distance)),
                    "seconds": time.perf_counter() - begun,
                }
            )
            stage.update()
            stage.note(f"distance {np.median(distance):.2f}, ESS {history[-1]['ess']:.0f}")
    return Fit(theta, weights, distance, pd.DataFrame(history), scale, last)


def resample(posterior, worlds: int, seed: int, stream: int = 22) -> np.ndarray:
    """`worlds` particle indices of a posterior (or an `smc` Fit) drawn by weight, from a stream
    of their own (`stream`: seeded apart from the sampler's 21)."""
    return np.random.default_rng([seed, stream]).choice(posterior.theta.shape[0], size=worlds, p=posterior.weights)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, levels=BAND_AND_MEDIAN) -> list[float]:
    """The weighted quantiles of particles' values: the first value whose cumulative weight reaches each level."""
    order = np.argsort(values)
    cdf = np.cumsum(weights[order])
    return [float(values[order][np.searchsorted(cdf, c)]) for c in levels]


def predictive(base: Config, posterior: Posterior, worlds: int, seed: int) -> tuple[BargainingModel, np.ndarray]:
    """The posterior predictive over the record's months: `worlds` fresh worlds (numbered past
    every generation's), each at a particle drawn by weight; the model and its moments."""
    pick = resample(posterior, worlds, seed)
    first = int(posterior.generations.proposals.sum())
    model = simulate(base, posterior.theta[pick], first=first, rounds=posterior.record.rounds)
    return model, simulated(model, posterior.record)
