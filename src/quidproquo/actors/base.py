"""What every actor shares: its parameters, its utility function and its flow utility."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import mesa
import numpy as np
from hydra.errors import InstantiationException
from hydra.utils import get_method

from quidproquo.config import ConfigError


def build_callable(node: Any, key: str, example_args: tuple) -> Callable:
    """Turn a `_target_` node (or a callable) into a function, checking it takes `example_args`."""
    if callable(node):
        function = node
    else:
        target = node.get("_target_") if isinstance(node, dict) else None
        if not target:
            raise ConfigError(f"{key}={node!r}: must be a node with a _target_ naming a function")
        params = {k: v for k, v in node.items() if not k.startswith("_")}
        try:
            # get_method + partial rather than instantiate(_partial_=True): Hydra 1.3.8 wraps
            # instantiated callables in a policy proxy that costs ~0.3 ms a call in the hot loop.
            function = functools.partial(get_method(target), **params)
        except (InstantiationException, ImportError, AttributeError, TypeError, ValueError) as err:
            cause = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise ConfigError(f"{key}._target_={target!r}: cannot be imported ({cause})") from None
    try:
        inspect.signature(function).bind(*example_args)
    except TypeError as err:
        raise ConfigError(f"{key}: {function!r} does not accept the documented arguments ({err})") from None
    except ValueError:
        pass  # builtins without a signature: trust them
    return function


class Actor(mesa.Agent):
    """One actor across all worlds. Subclasses name their utility components and weights."""

    name = "actor"

    def __init__(self, model):
        super().__init__(model)
        self.utility = build_callable(self.params.utility, f"actors.{self.name}.utility",
                                      ({"x": np.zeros(1)}, {"x": 1.0}))

    @property
    def params(self):
        """This actor's parameters, read live from the model's config (events change them)."""
        return getattr(self.model.cfg.actors, self.name)

    @property
    def worlds(self) -> int:
        return self.model.num_worlds

    def weights(self) -> dict[str, float]:
        raise NotImplementedError

    def flow_components(self) -> dict[str, np.ndarray]:
        """This round's outcome, component by component, for every world."""
        raise NotImplementedError

    def flow_utility(self) -> np.ndarray:
        value = self.utility(self.flow_components(), self.weights())
        return np.broadcast_to(np.asarray(value, dtype=np.float64), (self.worlds,))
