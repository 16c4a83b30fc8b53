"""What a flow that lasts is worth now: the present value the actors give relief in force, chips
held and a visit's legitimacy."""

from __future__ import annotations


def annuity(discount: float, remaining: int, lag: int = 0) -> float:
    """Present value of one unit a month from `lag` months on until the horizon, `remaining`
    months away: how a one-off change that pays every month (relief) enters a utility."""
    months = remaining - lag
    if months <= 0:
        return 0.0
    return discount**lag * (1.0 - discount**months) / (1.0 - discount)
