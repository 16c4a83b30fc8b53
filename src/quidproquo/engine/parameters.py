"""The parameters a model reads: each a scalar from the config, or one value per world.

A sweep, a sensitivity design, a decomposition or a posterior forecast varies parameters across
*points*; a point is a block of worlds that share values (`config.points.Points`). Rather than a
model per point, one model runs every point's worlds, and each varying parameter holds a
(worlds,) array. Everything in the engine reads parameters through `Parameters.get` (actors
through `Actor.param`, goods through their `vector`), which returns the config's scalar where a
key does not vary and the array where it does -- so a decision is written once, with numpy, and
holds for both.

A varying key holds for the whole run, as a command-line value does: a dated event's change to
it is dropped (`overrides.keep_overrides` says so for overrides). A key of the form `key@YYYY-MM`
varies the value that the event of that month sets: it takes effect from that month on, when
the timeline applies the event (`apply_event`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from quidproquo.config import Config, month, set_key, value_of


class Parameters:
    """The current value of every parameter: the config's, or a (worlds,) array where it varies."""

    def __init__(self, cfg: Config, varying: Mapping[str, np.ndarray] | None = None):
        self.cfg = cfg
        self.varying: dict[str, np.ndarray] = {}
        self.scheduled: dict[tuple[str, str], np.ndarray] = {}  # (key, YYYY-MM) -> values from that month
        for key, values in (varying or {}).items():
            values = np.asarray(values)
            values.flags.writeable = False
            path, _, date = key.partition("@")
            if date:
                self.scheduled[path, str(month(date, key))] = values
            else:
                self.varying[path] = values
        self.held = frozenset(self.varying)  # plain varying keys: they hold for the whole run

    def get(self, key: str, worlds: np.ndarray | slice | None = None) -> Any:
        """The value of dotted `key` now: the config's scalar, or its per-world array (for
        `worlds` only, when given)."""
        values = self.varying.get(key)
        if values is None:
            return value_of(self.cfg, key)
        return values if worlds is None else values[worlds]

    def varies(self, prefix: str) -> bool:
        """Does any key under `prefix` (e.g. `goods.prisoners.`) vary across worlds now?"""
        return any(key.startswith(prefix) for key in self.varying)

    def apply_change(self, key: str, value: Any, when: str) -> None:
        """A dated event of month `when` sets `key` to `value`: its per-world values where the
        key varies at that date (`key@YYYY-MM`), nothing where the key varies for the whole run,
        the config's scalar otherwise."""
        values = self.scheduled.get((key, when))
        if values is not None:
            self.varying[key] = values
        elif key not in self.held:
            self.varying.pop(key, None)
            set_key(self.cfg, key, value)
