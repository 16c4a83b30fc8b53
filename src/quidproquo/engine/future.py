"""What a flow that lasts is worth now: the present value the actors give relief in force, chips
held and a visit's legitimacy, with no horizon.

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


def lasting(discount, hazard, lag: int = 0):
    """Present value of one unit a month from `lag` months on for as long as it lasts, when each
    month it ends with probability `hazard` (bargaining.end_hazard): sum over k >= lag of
    (discount x (1 - hazard))^k. It has no horizon: what an actor gives relief in force, chips
    held or a leader in exile is the same whether the run ends next month or in ten years, so a
    run's length changes only how far it reports (issue 21; it replaced an annuity cut off at
    the run's last month, which made the 2025 answers depend on engine.rounds)."""
    kept = discount * (1.0 - hazard)
    return power(kept, lag) / (1.0 - kept)
