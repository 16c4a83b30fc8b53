"""What a bundle is worth to a side, part by part: prisoners freed, relief's cost, credibility, ...

A student who sees only "worth to you -747.3" for every offer of relief never learns why relief
costs what it costs. The engine values the menu with each actor's own utility function, from named
components (`Washington.value_bundles`: humanitarian, channel, credibility, alliance); `Parts`
watches that function and keeps the components it was given, so a page can show each part as
the actor weighs it -- the same numbers, from the same code, not a second formula. A part is the
utility function applied to that component alone: for an additive utility (linear, CRRA: a sum
over components) the parts add up to the total; for one that is not, `of` gives no parts rather
than parts that would not add up.
"""

from __future__ import annotations

import numpy as np

from quidproquo.engine.future import power

# Each component in the words of a seminar, with the sign it usually carries.
WORDS = {
    "washington": {
        "humanitarian": "prisoners freed",
        "credibility": "credibility: relief given at home",
        "alliance": "relief's cost with the EU",
        "channel": "the talks themselves",
    },
    "minsk": {
        "relief": "sanctions relief",
        "legitimacy": "legitimacy",
        "security": "prisoners released",
        "autonomy": "Moscow's displeasure",
        "mobilisation": "leaders freed to the exile",
    },
}
TOLERANCE = 1e-6


class Parts:
    """An actor's utility function, watched: it answers as the function does, and keeps the
    components of the last valuation of a menu (an array per component over worlds, sets, levels)."""

    def __init__(self, function):
        self.function = function
        self.seen: tuple[dict, dict] | None = None

    def __call__(self, components, weights):
        if any(np.ndim(value) == 3 for value in components.values()):  # the menu's (worlds, sets, levels)
            self.seen = (dict(components), dict(weights))
        return self.function(components, weights)

    def of(self, menu, total: np.ndarray) -> dict[str, np.ndarray]:
        """World 0's parts, one (candidates,) array per component, for the menu whose values
        (world 0's, (candidates,)) are `total`; {} if the parts do not add up to it."""
        if self.seen is None:
            return {}
        components, weights = self.seen
        shape = menu.asked.shape
        parts = {}
        for name, value in components.items():
            alone = self.function({name: value}, {name: weights.get(name, 1.0)})
            parts[name] = np.broadcast_to(np.asarray(alone, dtype=np.float64), shape)[0].reshape(-1)
        valid = np.isfinite(total)
        added = sum(parts.values())
        if not np.allclose(added[valid], total[valid], rtol=1e-9, atol=TOLERANCE):
            return {}
        return parts


def watch(model) -> None:
    """Watch Washington's and Minsk's utility functions in this model (once)."""
    for actor in (model.washington, model.minsk):
        if not isinstance(actor.utility, Parts):
            actor.utility = Parts(actor.utility)


def words(role: str, name: str) -> str:
    return WORDS.get(role, {}).get(name, name.replace("_", " "))


class Realised:
    """Each world's discounted sum of an actor's monthly utility, part by part: what the
    recorder's `realised_utility` adds up in total, kept per component (prisoners freed, relief's
    cost, ...), so that play mode's verdict can say which part decided it. `add` is called after
    each month is recorded; the month's parts are the actor's own utility function applied to
    each component of `flow_components` alone, as `Parts.of` does for a menu."""

    def __init__(self, model, role: str):
        self.role = role
        self.sums: dict[str, np.ndarray] = {}
        self.months = 0

    def add(self, model) -> None:
        actor = getattr(model, self.role)
        components, weights = actor.flow_components(), actor.weights()
        factor = power(np.asarray(actor.p.discount, dtype=np.float64), model.recorder.recorded - 1)
        for name, value in components.items():
            part = actor.checked(actor.utility({name: value}, {name: weights.get(name, 1.0)}), (model.num_worlds,))
            self.sums[name] = self.sums.get(name, np.zeros(model.num_worlds)) + factor * part
        self.months = model.recorder.recorded

    def parts(self, total: np.ndarray) -> dict[str, np.ndarray]:
        """The parts, one (worlds,) array each, if they add up to `total` (the realised utility);
        {} if not (a utility that is not a sum over components) or if a month was missed."""
        if not self.sums:
            return {}
        added = sum(self.sums.values())
        return dict(self.sums) if np.allclose(added, total, rtol=1e-9, atol=TOLERANCE) else {}


def decided(
    yours: dict[str, np.ndarray], theirs: dict[str, np.ndarray], role: str, most: int = 2
) -> list[tuple[str, float, float]]:
    """The parts in which the person's game differed most from the built-in strategy's in the same
    worlds, largest first: (words, the person's median, the built-in's median), at most `most`,
    leaving out parts that differ by less than 1% of the largest difference."""
    gaps = {name: float(np.median(yours[name] - theirs[name])) for name in yours if name in theirs}
    if not gaps:
        return []
    largest = max(abs(g) for g in gaps.values())
    ranked = sorted(gaps, key=lambda name: -abs(gaps[name]))
    return [
        (words(role, name), float(np.median(yours[name])), float(np.median(theirs[name])))
        for name in ranked[:most]
        if largest > 0 and abs(gaps[name]) >= 0.01 * largest
    ]
