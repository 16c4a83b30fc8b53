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

# Each component in the words of a seminar, with the sign it usually carries.
WORDS = {
    "washington": {"humanitarian": "prisoners freed", "credibility": "credibility: relief given at home",
                   "alliance": "relief's cost with the EU", "channel": "the talks themselves"},
    "minsk": {"relief": "sanctions relief", "legitimacy": "legitimacy", "security": "prisoners released",
              "autonomy": "Moscow's displeasure", "mobilisation": "leaders freed to the exile"},
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
