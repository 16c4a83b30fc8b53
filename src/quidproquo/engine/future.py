"""What a flow that lasts is worth now: the present value the actors give relief in force, chips
held and a visit's legitimacy.

Powers of a discount factor are taken by repeated squaring, in the same order of the same IEEE
multiplications whether the factor is one number or one per world: `x ** n` would use the C
library's `pow` for a Python float and one of numpy's own kernels for an array (which differ in
the last bit), and a world's result must not depend on whether its parameters vary beside it.
"""

from __future__ import annotations

import numpy as np


def power(base, exponent: int):
    """`base ** exponent` for a whole exponent >= 0, elementwise, by repeated squaring."""
    result = np.ones_like(np.asarray(base, dtype=np.float64)) if np.ndim(base) else 1.0
    square, n = base, int(exponent)
    while n:
        if n & 1:
            result = result * square
        n >>= 1
        if n:
            square = square * square
    return result


def annuity(discount, remaining: int, lag: int = 0):
    """Present value of one unit a month from `lag` months on until the horizon, `remaining`
    months away: how a one-off change that pays every month (relief) enters a utility."""
    months = remaining - lag
    if months <= 0:
        return 0.0
    return power(discount, lag) * (1.0 - power(discount, months)) / (1.0 - discount)
