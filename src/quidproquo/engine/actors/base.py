"""What every actor shares: its parameters, its utility function and its flow utility."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import mesa
import numpy as np

from quidproquo.config import ConfigError
from quidproquo.config.trust import check_arguments, resolve
from quidproquo.engine.streams import Streams


def build_callable(node: Any, key: str, example_args: tuple) -> Callable:
    """Turn a `_target_` node (or a callable) into a function, checking it takes `example_args`
    plus the node's own keyword arguments, so a mismatch is a config error before any run."""
    if callable(node):
        function, params, name = node, {}, getattr(node, "__qualname__", repr(node))
    else:
        target = node.get("_target_") if isinstance(node, dict) else None
        if not target:
            raise ConfigError(f"{key}={node!r}: must be a node with a _target_ naming a function")
        special = [k for k in node if str(k).startswith("_") and k != "_target_"]
        check_arguments({k: v for k, v in node.items() if k != "_target_"}, key)  # _args_ and nested nodes too
        if special:
            raise ConfigError(f"{key}.{special[0]}: not supported; a node has a _target_ and keyword arguments only")
        params, name = dict(node.items()), target
        params.pop("_target_")
        # Resolved by what it is, not what it is called, before anything it names is called;
        # nested _target_ nodes among its arguments pass the same test (trust.py).
        function = resolve(str(target), key)
    try:
        bound = inspect.signature(function).bind(*example_args, **params)
    except TypeError as err:
        raise ConfigError(f"{key}: {name} does not accept the documented arguments ({err})") from None
    except ValueError:
        bound = None  # builtins without a signature: trust them
    if bound is not None:
        check_parameters(function, bound, key)
    # partial rather than instantiate(_partial_=True): Hydra 1.3.8 wraps
    # instantiated callables in a policy proxy that costs ~0.3 ms a call in the hot loop.
    return functools.partial(function, **params) if params else function


def check_parameters(function: Callable, bound: inspect.BoundArguments, key: str) -> None:
    """A shipped utility's or strategy's parameters inside what it allows (its module's ALLOWED),
    its defaults included: an exponent of 0 or a scale of 0 is one line here, not a division by
    zero in the middle of a run."""
    import math
    import sys

    module = sys.modules.get(getattr(function, "__module__", "") or "")
    name = getattr(function, "__name__", "")
    rules = (
        getattr(module, "ALLOWED", {}).get(name)
        if module is not None and module.__name__ in ("quidproquo.strategies", "quidproquo.utility")
        else None
    )
    if rules is None:
        return
    bound.apply_defaults()
    values = dict(bound.arguments)
    for parameter, (low, high, low_open, high_open) in rules.items():
        if parameter not in values:
            continue
        value = values[parameter]
        allowed = " and ".join(
            part
            for part in (
                f"{'>' if low_open else '>='} {low:g}" if low is not None else "",
                f"{'<' if high_open else '<='} {high:g}" if high is not None else "",
            )
            if part
        )
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ConfigError(f"{key}.{parameter}={value!r}: {name} needs a finite number here; allowed: {allowed}")
        if (low is not None and (value < low or (low_open and value == low))) or (
            high is not None and (value > high or (high_open and value == high))
        ):
            raise ConfigError(f"{key}.{parameter}={value!r}: must be {allowed} for {name}")
    joint = getattr(module, "joint_check", None)
    problem = joint(name, values) if joint else None
    if problem:
        raise ConfigError(f"{key}: {name}: {problem}")


class ParameterView:
    """An actor's parameters by attribute (`p.goodwill`), each a scalar or a per-world array."""

    __slots__ = ("_node", "_parameters", "_prefix", "_worlds")

    def __init__(self, parameters, prefix: str, node, worlds):
        self._parameters, self._prefix, self._node, self._worlds = parameters, prefix, node, worlds

    def __getattr__(self, name: str):
        values = self._parameters.varying.get(self._prefix + name)
        if values is None:
            return getattr(self._node, name)
        return values if self._worlds is None else values[self._worlds]


class Actor(mesa.Agent):
    """One actor across all worlds. Subclasses name their utility components and weights."""

    name = "actor"

    def __init__(self, model):
        super().__init__(model)
        self.utility = build_callable(
            self.params.utility, f"actors.{self.name}.utility", ({"x": np.zeros(1)}, {"x": 1.0})
        )

    @property
    def params(self):
        """This actor's config node, read live (events change it): its `_target_` nodes and the
        values of its parameters where they do not vary by world. Decisions read `p` instead."""
        return getattr(self.model.cfg.actors, self.name)

    @property
    def p(self) -> ParameterView:
        """This actor's parameters now, for every world: a scalar each, or a (worlds,) array
        where a sweep point or a posterior draw varies it (engine/parameters.py)."""
        return ParameterView(self.model.parameters, f"actors.{self.name}.", self.params, None)

    def p_at(self, worlds: np.ndarray) -> ParameterView:
        """This actor's parameters in some worlds (the ones at the table, say)."""
        return ParameterView(self.model.parameters, f"actors.{self.name}.", self.params, worlds)

    @property
    def worlds(self) -> int:
        return self.model.num_worlds

    def act(self, streams: Streams) -> None:
        """This actor's move of the month, in every world; `streams` gives its random numbers."""
        raise NotImplementedError

    def weights(self) -> dict[str, float]:
        raise NotImplementedError

    def flow_components(self) -> dict[str, np.ndarray]:
        """This round's outcome, component by component, for every world."""
        raise NotImplementedError

    def flow_utility(self) -> np.ndarray:
        return self.checked(self.utility(self.flow_components(), self.weights()), (self.worlds,))

    def share_utility(self, share: np.ndarray) -> np.ndarray:
        """Its utility of a share of one divisible good (`bargaining.good: divisible`): its
        utility function applied to a single component, `share`, of weight 1."""
        return self.checked(self.utility({"share": share}, {"share": 1.0}), np.shape(share))

    def checked(self, value, shape: tuple) -> np.ndarray:
        """A utility function's result as an array of `shape`; NaN would silently steer every
        comparison, so it is an error naming the actor."""
        value = np.broadcast_to(np.asarray(value, dtype=np.float64), shape)
        if np.isnan(value).any():
            raise ValueError(f"actors.{self.name}.utility returned NaN")
        return value
