"""Property tests: conservation, valid states and finite utilities over wide parameter ranges."""

import copy

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quidproquo.config import load, validate
from quidproquo.engine.instruments import STATE_NAMES
from quidproquo.engine.model import BargainingModel

BASE = {name: load([f"scenario={name}"]) for name in ("thaw", "freeze")}

unit = st.floats(0.0, 1.0)
params = st.fixed_dictionaries(
    {
        "scenario": st.sampled_from(["thaw", "freeze"]),
        "worlds": st.integers(1, 6),
        "rounds": st.integers(1, 14),
        "seed": st.integers(0, 2**31),
        "inflow_scale": st.floats(0.0, 50.0),
        "initial_scale": st.floats(0.0, 3.0),
        "completion": unit,
        "pardon": unit,
        "engagement": unit,
        "channel": st.floats(0.0, 500.0),
        "discount_w": st.floats(0.01, 0.999),
        "discount_m": st.floats(0.01, 0.999),
        "elasticity": st.floats(0.0, 5.0),
        "goodwill": st.floats(0.0, 3.0),
        "max_offers": st.integers(1, 6),
        "lag": st.integers(0, 3),
        "veto": unit,
        "snapback": st.floats(0.0, 3.0),
        "lifted_at_start": st.booleans(),
        "exponent": st.floats(0.05, 20.0),
    }
)


def build(p) -> BargainingModel:
    cfg = copy.deepcopy(BASE[p["scenario"]])
    cfg.engine.worlds, cfg.engine.rounds, cfg.engine.seed = p["worlds"], p["rounds"], p["seed"]
    cfg.events = [e for e in cfg.events if e.date <= "2025-07"] if p["rounds"] < 3 else cfg.events
    for tier in cfg.goods.prisoners.values():
        tier.inflow *= p["inflow_scale"]
        tier.initial = int(tier.initial * p["initial_scale"])
        tier.completion_rate, tier.pardon_rate = p["completion"], p["pardon"]
    if p["lifted_at_start"]:
        for instrument in cfg.goods.instruments.values():
            instrument.state = "lifted"
    a, b = cfg.actors, cfg.bargaining
    if p["scenario"] == "thaw":  # freeze keeps its defining zero engagement
        a.washington.engagement = p["engagement"]
    a.washington.channel_value = p["channel"]
    a.washington.discount, a.minsk.discount = p["discount_w"], p["discount_m"]
    a.washington.snapback_ratio = p["snapback"]
    a.minsk.hostage_elasticity, a.minsk.goodwill = p["elasticity"], p["goodwill"]
    a.minsk.strategy = {"_target_": "quidproquo.strategies.time_dependent", "exponent": p["exponent"]}
    a.eu.members["HU"].veto_renewal = p["veto"]
    b.max_offers, b.verification_lag = p["max_offers"], p["lag"]
    validate(cfg)
    return BargainingModel(config=cfg)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params)
def test_every_tier_conserves_prisoners_and_states_stay_valid(p):
    m = build(p).run()
    rec = m.recorder
    held = rec.prisoners.astype(np.int64)  # (rounds, worlds, tiers)
    start = np.array([t.initial for t in m.cfg.goods.prisoners.values()])
    before = np.concatenate([np.broadcast_to(start, (1, *held.shape[1:])), held[:-1]])
    flows = rec.tier_flows
    assert np.array_equal(
        held, before + flows["arrests"] - flows["released_deal"] - flows["released_pardon"] - flows["completed"]
    )
    for array in (held, *flows.values()):
        assert array.dtype.kind == "i" and array.min() >= 0
    assert np.isin(rec.instruments, range(len(STATE_NAMES))).all()
    assert np.isfinite(rec.utility).all()
    for series in (rec.sanctions_cost, rec.moscow_pressure, rec.mobilisation, rec.repression):
        assert np.isfinite(series).all()
    assert ((rec.moscow_pressure >= 0) & (rec.moscow_pressure <= 1)).all()
    assert ((rec.mobilisation >= 0) & (rec.mobilisation <= 1)).all()
    worlds = rec.worlds_table(m)
    assert (worlds["total_released"] >= 0).all() and (worlds["total_arrested"] >= 0).all()
    assert (worlds["net_change"] == worlds["total_arrested"] - worlds["total_released"]).all()
    if p["scenario"] == "freeze" and not p["lifted_at_start"]:
        assert rec.released_deal.sum() == 0
