"""Dated scenario events: exogenous shocks that change parameters from a given month on, or put
an instrument in a state (a reversal or a relief the record dates, outside the talks)."""

from __future__ import annotations

import pandas as pd

from quidproquo.config import Config, month
from quidproquo.config.schema import RENEWED
from quidproquo.engine.instruments import STATE_NAMES


class Timeline:
    """The scenario's events, by the round in which they take effect."""

    def __init__(self, cfg: Config, start: pd.Period):
        self.by_round: dict[int, list] = {}
        for i, event in enumerate(cfg.events):
            round_ = (month(event.date, f"events[{i}].date") - start).n
            self.by_round.setdefault(round_, []).append(event)

    def apply(self, model) -> None:
        """Apply this round's events to the model's config and log them in every logged world."""
        for event in self.by_round.get(model.round, []):
            when = str(month(event.date, "events.date"))
            for key, value in event.changes.items():
                model.parameters.apply_change(key, value, when)
            text = event.text or ", ".join(f"{k} = {v}" for k, v in event.changes.items())
            if event.changes or not event.instruments:
                model.events.log("scenario", "event", None, lambda i, text=text: text)
            for name, state in event.instruments.items():
                instruments = model.instruments
                words = event.text if not event.changes and event.text else f"{name} {state}"
                if state == RENEWED:
                    instruments.renew_by_record(instruments.names.index(name), f"{words} (dated event)")
                else:
                    instruments.put(instruments.names.index(name), STATE_NAMES.index(state), f"{words} (dated event)")
