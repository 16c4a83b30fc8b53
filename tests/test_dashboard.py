"""The dashboard without a browser: what the page may set (issue 6), and the play seat."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from tests_support import qpq

from quidproquo.config import ConfigError
from quidproquo.dashboard.controls import (
    KNOBS,
    PLAY_WORLDS,
    DashboardModel,
    knobs_for,
    overrides,
    realised_utility,
    scenarios,
)


# ------------------------------------------------------------------------------ safety
def test_scenarios_are_the_listed_files_only():
    assert "thaw" in scenarios() and "freeze" in scenarios()
    assert not any(name.startswith("theory/") for name in scenarios())


@pytest.mark.parametrize("scenario", ["nope", "../../etc/passwd", "thaw,freeze", "theory/rubinstein", 3, None])
def test_the_model_factory_refuses_an_unlisted_scenario(scenario):
    with pytest.raises(ConfigError, match="no such scenario"):
        DashboardModel(scenario_name=scenario)


@pytest.mark.parametrize("name, value", [
    ("actors__washington__utility___target_", 1.0),  # a key that is not a knob
    ("_target_", 1.0),
    ("hydra_run_dir", 1.0),
])
def test_the_model_factory_refuses_an_unknown_key(name, value):
    with pytest.raises(ConfigError, match="not a dashboard control"):
        DashboardModel(**{name: value})


@pytest.mark.parametrize("name, value", [
    ("washington_engagement", "1 actors.washington.utility._target_=os.system"),
    ("washington_engagement", "0.5"),
    ("washington_engagement", True),
    ("washington_engagement", float("nan")),
    ("washington_engagement", 1.5),
    ("worlds", 10_000),
    ("worlds", 2.5),
])
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
    assert model.num_worlds == PLAY_WORLDS
    assert model.cfg.actors.washington.engagement == 1.0
    model.step()
    assert model.recorder.us_engaged[0].all()


@pytest.mark.parametrize("args, message", [
    (["scenario=nope"], "no such scenario"),
    (["--port", "99999"], "--port"),
    (["--port", "eighty"], "--port"),
    (["engine.worlds=3"], "takes scenario=NAME"),
])
def test_qpq_dashboard_refuses_bad_input_in_one_line(args, message, env):
    done = subprocess.run([qpq(), "dashboard", *args], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- the seat
def _offers(model, proposer):
    return [o for o in model.recorder.offers if o[4] == proposer]


def test_a_seated_washington_offers_exactly_the_chosen_candidates():
    model = DashboardModel(scenario_name="thaw", seat="washington", worlds=5, seed=3)
    levels = model.cfg.bargaining.release_levels
    choices = [(1, 1), (2, 2), (0, 3)]
    for relief, release in choices:
        model.player.relief, model.player.release, model.player.accept = relief, release, False
        model.step()
    made = {(r, int(w)): int(c) for r, worlds, cands in model.player.made for w, c in zip(worlds, cands)}
    offered = {(o[1], o[0]): int(o[5]) for o in _offers(model, "washington")}
    assert offered and offered == {key: c for key, c in made.items() if key in offered}
    for (round_, world), candidate in offered.items():
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
    levels = model.cfg.bargaining.release_levels
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


@pytest.mark.parametrize("args,host", [([], "127.0.0.1"), (["--port", "8800"], "127.0.0.1"),
                                       (["--host", "0.0.0.0"], "0.0.0.0")])
def test_the_dashboard_binds_to_localhost_unless_a_host_is_given(monkeypatch, args, host):
    from quidproquo import cli
    from quidproquo.dashboard import serve

    started = []
    monkeypatch.setattr(serve, "serve", lambda *a: started.append(a))
    cli.main(["dashboard", *args])
    assert started[0][0] == host
    assert serve.command(host, 8765)[serve.command(host, 8765).index("--host") + 1] == host
