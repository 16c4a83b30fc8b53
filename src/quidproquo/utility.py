"""Utility functions: how an actor turns named outcome components into one number.

Every utility function has the signature `u(components, weights, **params) -> array`:
`components` maps a component name ("relief", "security", ...) to an array (one value per
world, or per world and candidate offer), signed so that more is better for the actor;
`weights` maps the same names to the actor's weights. A config selects one per actor with
`_target_` (Hydra instantiate, partially applied with the node's other keys), so a user's own
function with this signature works the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def _weighted(components: Mapping[str, np.ndarray], weights: Mapping[str, float]):
    for name, value in components.items():
        yield weights.get(name, 1.0), np.asarray(value, dtype=np.float64)


def _add(terms) -> np.ndarray:
    """Sum arrays that broadcast together, adding equal shapes first.

    Offers are valued per relief set (worlds, sets, 1) and per release level (worlds, 1, levels);
    summing each family before they meet means one full-size pass instead of one per component.
    """
    by_shape: dict[tuple, np.ndarray] = {}
    for term in terms:
        by_shape[term.shape] = by_shape[term.shape] + term if term.shape in by_shape else term
    groups = sorted(by_shape.values(), key=np.size)
    total = groups[0]
    for group in groups[1:]:
        total = total + group
    return total


def linear(components: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    """Linear-additive utility: the weighted sum of the components (the default)."""
    return _add(w * x for w, x in _weighted(components, weights))


def crra(
    components: Mapping[str, np.ndarray], weights: Mapping[str, float], risk_aversion: float = 1.0, scale: float = 100.0
) -> np.ndarray:
    """Concave (constant relative risk aversion) utility of each component.

    Each component x is valued as scale * phi(x / scale), phi(y) = sign(y) ((1+|y|)^(1-eta) - 1)
    / (1 - eta), and log(1+|y|) at eta = 1: sensitivity diminishes for large gains and large
    losses alike. `scale` is where curvature sets in, in the component's units.
    """
    eta = float(risk_aversion)

    def phi(y: np.ndarray) -> np.ndarray:
        a = np.abs(y)
        curved = np.log1p(a) if eta == 1.0 else ((1.0 + a) ** (1.0 - eta) - 1.0) / (1.0 - eta)
        return np.sign(y) * curved

    return _add(w * scale * phi(x / scale) for w, x in _weighted(components, weights))


def reference_dependent(
    components: Mapping[str, np.ndarray],
    weights: Mapping[str, float],
    reference: float = 0.0,
    loss_aversion: float = 2.25,
) -> np.ndarray:
    """Prospect-theory value: gains above the reference count once, losses `loss_aversion` times.

    Applied component by component, so an actor who "fears selling himself short" weighs every
    prisoner released (a security loss) more heavily than the relief it buys. 2.25 is Tversky and
    Kahneman's (1992) estimate.
    """

    def value(w: float, x: np.ndarray) -> np.ndarray:
        gain = x - reference
        return w * np.where(gain >= 0, gain, loss_aversion * gain)

    return _add(value(w, x) for w, x in _weighted(components, weights))


# What each utility's parameters allow, checked when a config names the function (before any run):
# name -> {parameter: (low, high, low_open, high_open)}, None for no bound.
ALLOWED = {
    "crra": {"risk_aversion": (0, 100, False, False), "scale": (0, None, True, False)},
    "reference_dependent": {"loss_aversion": (0, 100, False, False)},
}
