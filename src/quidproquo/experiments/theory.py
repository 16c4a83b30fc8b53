"""The engine against bargaining theory: analytic answers beside what the engine does.

Each function here runs the real engine (`BargainingModel`) on a theory scenario
(`scenarios/theory/`) with given parameters, and each `*_analytic` function gives the textbook
answer. `qpq theory` prints them side by side; the tests check them over the parameter ranges.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from scipy import optimize

from quidproquo.config import Config, load, with_changes
from quidproquo.engine.model import BargainingModel
from quidproquo.strategies import time_dependent


@functools.cache
def _scenario(name: str) -> Config:
    return load([f"scenario=theory/{name}"])


def configured(name: str, changes: dict) -> Config:
    """A theory scenario's config with `changes` ({dotted key: value}) applied."""
    return with_changes(_scenario(name), changes)


def play(cfg: Config) -> BargainingModel:
    """One round of one world: Washington visits and the two sides bargain over the good."""
    return BargainingModel(config=cfg).run()


# ------------------------------------------------------------------------------- Rubinstein
def rubinstein_analytic(d1: float, d2: float, offers: int = 0) -> float:
    """The first proposer's share in the subgame-perfect equilibrium: (1 - d2) / (1 - d1 d2)
    without a deadline; by backward induction over `offers` offers with one."""
    if offers == 0:
        return (1 - d2) / (1 - d1 * d2)
    share, proposer_is_first = 1.0, offers % 2 == 1  # who makes the last offer
    for _ in range(offers - 1):
        # One offer earlier, the other side proposes and leaves this one its discounted share.
        share = 1 - (d1 if proposer_is_first else d2) * share
        proposer_is_first = not proposer_is_first
    return share


def rubinstein_engine(d1: float, d2: float, offers: int = 0) -> tuple[float, int]:
    """Washington's agreed share and the offer (0 = first) at which they agreed."""
    spe = "quidproquo.strategies.spe"
    cfg = configured(
        "rubinstein",
        {
            "actors.washington.discount": d1,
            "actors.minsk.discount": d2,
            "actors.washington.strategy": {"_target_": spe, "discount": d1, "other_discount": d2, "offers": offers},
            "actors.minsk.strategy": {"_target_": spe, "discount": d2, "other_discount": d1, "offers": offers},
            **({"bargaining.max_offers": offers} if offers else {}),
        },
    )
    _, outcome = play(cfg).talks.outcome
    accepted = [k for k, offer in enumerate(outcome.offers) if offer.accepted[0]]
    return float(outcome.candidate[0]), (accepted[0] if accepted else -1)


# ------------------------------------------------------------------------------------- Nash
def utility_node(risk_aversion: float | None) -> dict:
    """Linear utility of one's share, or CRRA with curvature from 0 (scale 1)."""
    if risk_aversion is None:
        return {"_target_": "quidproquo.utility.linear"}
    return {"_target_": "quidproquo.utility.crra", "risk_aversion": risk_aversion, "scale": 1.0}


def _crra(x, eta):
    if eta is None:
        return x
    return np.log1p(x) if eta == 1.0 else ((1 + x) ** (1 - eta) - 1) / (1 - eta)


def nash_analytic(weight: float, r1: float, r2: float, eta1: float | None = None, eta2: float | None = None) -> float:
    """Washington's share maximising the weighted Nash product, by scipy.optimize (bounded
    Brent on the negative log product), written from the textbook definition."""
    u1, u2 = (lambda x: _crra(x, eta1)), (lambda x: _crra(1 - x, eta2))
    low = optimize.brentq(lambda x: u1(x) - r1, 0, 1) if u1(0) < r1 else 0.0
    high = optimize.brentq(lambda x: u2(x) - r2, 0, 1) if u2(1) < r2 else 1.0

    def negative(x):
        g1, g2 = u1(x) - r1, u2(x) - r2
        return np.inf if g1 <= 0 or g2 <= 0 else -(weight * np.log(g1) + (1 - weight) * np.log(g2))

    return optimize.minimize_scalar(negative, bounds=(low, high), method="bounded", options={"xatol": 1e-12}).x


def nash_engine(weight: float, r1: float, r2: float, eta1: float | None = None, eta2: float | None = None) -> float:
    cfg = configured(
        "nash",
        {
            "bargaining.nash_weight": weight,
            "actors.washington.reservation": r1,
            "actors.minsk.reservation": r2,
            "actors.washington.utility": utility_node(eta1),
            "actors.minsk.utility": utility_node(eta2),
        },
    )
    _, outcome = play(cfg).talks.outcome
    return float(outcome.candidate[0])


# ---------------------------------------------------------------------- time-dependent tactics
def concession_analytic(exponent: float, reservation: float, offers: int, initial: float = 0.0) -> np.ndarray:
    """The value of each of a side's offers to itself: 1 - F(t) (1 - reservation) at t = k/(offers-1)."""
    t = np.arange(offers) / max(offers - 1, 1)
    return 1.0 - np.array([time_dependent(x, np.zeros(1), exponent, initial)[0] for x in t]) * (1.0 - reservation)


def concession_engine(
    washington_exponent: float, minsk_exponent: float, reservation: float = 0.6, offers: int = 12
) -> pd.DataFrame:
    """Every offer of the exchange: step, proposer, and its value to the proposer."""
    node = lambda exponent: {"_target_": "quidproquo.strategies.time_dependent", "exponent": exponent}  # noqa: E731
    cfg = configured(
        "time_dependent",
        {
            "actors.washington.reservation": reservation,
            "actors.minsk.reservation": reservation,
            "bargaining.max_offers": offers,
            "actors.washington.strategy": node(washington_exponent),
            "actors.minsk.strategy": node(minsk_exponent),
        },
    )
    offers_made = play(cfg).recorder.offers_table()
    own = np.where(offers_made.proposer == "washington", offers_made.value_washington, offers_made.value_minsk)
    return offers_made.assign(own_value=own)[["step", "proposer", "own_value"]]


# ------------------------------------------------------------------------------------ table
def table() -> pd.DataFrame:
    """The reductions side by side: game, parameters, analytic value, engine value, difference."""
    rows = []
    for d1, d2 in [(0.9, 0.9), (0.9, 0.8), (0.5, 0.95), (0.99, 0.5)]:
        share, at = rubinstein_engine(d1, d2)
        rows.append(
            (
                "Rubinstein, no deadline",
                f"d1={d1} d2={d2} (agreed at offer {at + 1})",
                rubinstein_analytic(d1, d2),
                share,
            )
        )
    for offers in (1, 2, 3, 5):
        share, at = rubinstein_engine(0.9, 0.8, offers)
        rows.append(
            (
                "Rubinstein, deadline",
                f"d1=0.9 d2=0.8 offers={offers} (agreed at offer {at + 1})",
                rubinstein_analytic(0.9, 0.8, offers),
                share,
            )
        )
    for weight, r1, r2, eta1, eta2, label in [
        (0.5, 0.0, 0.0, None, None, "linear"),
        (0.5, 0.1, 0.3, None, None, "linear, disagreement (0.1, 0.3)"),
        (0.5, 0.0, 0.0, None, 2.0, "Minsk CRRA eta=2"),
        (0.5, 0.0, 0.0, 0.5, 1.0, "CRRA eta=0.5 vs log"),
        (0.7, 0.0, 0.0, None, None, "weights 0.7/0.3"),
        (0.3, 0.05, 0.0, 1.0, None, "weights 0.3/0.7, Washington log"),
    ]:
        rows.append(
            (
                "Nash bargaining",
                label,
                nash_analytic(weight, r1, r2, eta1, eta2),
                nash_engine(weight, r1, r2, eta1, eta2),
            )
        )
    offers = concession_engine(0.2, 5.0)
    curves = {"washington": concession_analytic(0.2, 0.6, 12), "minsk": concession_analytic(5.0, 0.6, 12)}
    exponents = {"washington": "Boulware e=0.2", "minsk": "Conceder e=5"}
    for step, proposer, own_value in offers.itertuples(index=False):
        rows.append(
            (
                "Time-dependent offers",
                f"offer {step + 1}: {proposer}, {exponents[proposer]}, reservation 0.6",
                float(curves[proposer][step]),
                float(own_value),
            )
        )
    out = pd.DataFrame(rows, columns=["game", "parameters", "analytic", "engine"])
    out["difference"] = out.engine - out.analytic
    return out
