"""Per-world random streams: a counter-based generator computed for all worlds at once.

Every random number in the model is a pure function of (seed, world index, round, draw
purpose, attempt). World 17's trajectory therefore depends only on the seed, its own index and
its parameters -- never on how many worlds run beside it, on chunking or on process count --
and no Python loop over worlds is needed.

The uniform generator is SplitMix64's finaliser applied to a mix of the keys. Poisson and
binomial variates are drawn *exactly* from those uniforms: by inversion for small means and by
Hörmann's transformed-rejection samplers (PTRS for Poisson, BTRS for binomial -- the methods
numpy itself uses) for larger ones, with each rejection attempt keyed by its attempt number so
that a world's draw never depends on its neighbours'.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from scipy.special import gammaln

_GOLDEN, _MIX1, _MIX2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB  # SplitMix64's constants
_MASK = 2**64 - 1
_GOLDEN_U64, _MIX1_U64, _MIX2_U64 = np.uint64(_GOLDEN), np.uint64(_MIX1), np.uint64(_MIX2)
_TWO_POW_53 = float(2**53)
# Means below this are drawn by inversion; above, by transformed rejection (valid for >= 10).
_INVERSION_LIMIT = 10.0
_MAX_ATTEMPTS = 64


class Draw(IntEnum):
    """What a random number is for: the `draw` key of every call to `Streams`.

    Keeping every purpose in one enum keeps them apart: a new draw never shifts the numbers an
    existing one sees. Families with an index (a tier, a member's vote on an instrument) add it to
    their base with `of`; an index beyond the room of its base's block draws from a block of its
    own, so no two purposes ever share an id, however many tiers a scenario has.
    """

    ARRESTS = 1  # + tier
    COMPLETIONS = 10  # + tier
    PARDONS = 20  # + tier
    ENGAGEMENT = 30
    GESTURE = 31  # Minsk's coin for a unilateral release
    GESTURE_RELEASES = 40  # + tier
    VETOES = 100  # + 16 * member + instrument

    def of(self, index: int = 0) -> int:
        room = _ROOM.get(self, 1)
        if not index >= 0:
            raise ValueError(f"{self.name}: index {index} must be >= 0")
        if index < room:
            return int(self) + index
        # Beyond the block: 0x8000 and up, 0x1000 ids a family, collision-free up to 4,096.
        return 0x8000 + 0x1000 * list(Draw).index(self) + index


_ROOM = {Draw.ARRESTS: 9, Draw.COMPLETIONS: 10, Draw.PARDONS: 10, Draw.GESTURE_RELEASES: 10, Draw.VETOES: 0x8000 - 100}


def _splitmix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a bijective avalanche mix of 64-bit integers, for an array of them
    (uint64 array arithmetic wraps modulo 2**64 without a warning, as the mix needs)."""
    x = x + _GOLDEN_U64
    x = (x ^ (x >> np.uint64(30))) * _MIX1_U64
    x = (x ^ (x >> np.uint64(27))) * _MIX2_U64
    return x ^ (x >> np.uint64(31))


def _splitmix_int(x: int) -> int:
    """`_splitmix` of one 64-bit integer, in Python integers (the same bits): a draw's counter
    is one number, and numpy's scalar arithmetic costs more than the mix itself."""
    x = (x + _GOLDEN) & _MASK
    x = ((x ^ (x >> 30)) * _MIX1) & _MASK
    x = ((x ^ (x >> 27)) * _MIX2) & _MASK
    return x ^ (x >> 31)


class Streams:
    """The random streams of a set of worlds under one seed.

    `uniform(round_, draw)` returns one uniform in (0, 1) per world; `draw` names the purpose
    of the number (arrests of a tier, an engagement coin, a veto), so that adding a new draw
    never shifts the numbers an existing one sees.
    """

    def __init__(self, seed: int, world_ids: np.ndarray):
        self.seed = int(seed)
        self.world_ids = np.asarray(world_ids, dtype=np.uint64)
        self._world_keys = _splitmix(np.uint64(_splitmix_int(self.seed & _MASK)) ^ self.world_ids)

    def uniform(self, round_: int, draw: int, attempt: int = 0, worlds: np.ndarray | None = None) -> np.ndarray:
        """One uniform in the open interval (0, 1) per world (or per selected world)."""
        keys = self._world_keys if worlds is None else self._world_keys[worlds]
        # Python integers: a round or draw may come as a numpy integer, whose arithmetic would not wrap.
        counter = ((int(round_) & 0xFFFFF) << 40) | ((int(draw) & 0xFFFF) << 24) | (int(attempt) & 0xFFFFFF)
        bits = _splitmix(keys ^ np.uint64(_splitmix_int(counter)))
        return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) / _TWO_POW_53

    def poisson(self, round_: int, draw: int, mean: np.ndarray) -> np.ndarray:
        """One Poisson(mean) count per world, exact."""
        mean = np.broadcast_to(np.asarray(mean, dtype=np.float64), self.world_ids.shape)
        out = np.zeros(mean.shape, dtype=np.int64)
        small = mean < _INVERSION_LIMIT
        if small.any():
            idx = np.flatnonzero(small)
            out[idx] = _poisson_inversion(self.uniform(round_, draw, 0, idx), mean[idx])
        if (~small).any():
            idx = np.flatnonzero(~small)
            out[idx] = self._poisson_ptrs(round_, draw, idx, mean[idx])
        return out

    def binomial(
        self, round_: int, draw: int, n: np.ndarray, p: np.ndarray, at: np.ndarray | None = None
    ) -> np.ndarray:
        """One Binomial(n, p) count per world, exact; with `at` (positions of some worlds), one per
        world in `at` only, n and p given for those -- each world's draw is the same either way."""
        shape = self.world_ids.shape if at is None else np.shape(at)
        n = np.broadcast_to(np.asarray(n, dtype=np.int64), shape)
        p = np.broadcast_to(np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0), shape)
        position = (lambda idx: idx) if at is None else (lambda idx: np.asarray(at)[idx])
        # Draw the rarer outcome and reflect, so the samplers only ever see p <= 1/2.
        flip = p > 0.5
        q = np.where(flip, 1.0 - p, p)
        out = np.zeros(n.shape, dtype=np.int64)
        small = n * q < _INVERSION_LIMIT
        live = (n > 0) & (q > 0)
        inv = np.flatnonzero(small & live)
        if inv.size:
            out[inv] = _binomial_inversion(self.uniform(round_, draw, 0, position(inv)), n[inv], q[inv])
        rej = np.flatnonzero(~small & live)
        if rej.size:
            out[rej] = self._binomial_btrs(round_, draw, position(rej), n[rej], q[rej])
        return np.where(flip, n - out, out)

    def _rejection(self, round_, draw, idx, propose_and_accept):
        """Run a rejection sampler per world; attempt j of world i uses its own two uniforms."""
        out = np.zeros(idx.size, dtype=np.int64)
        pending = np.arange(idx.size)
        for attempt in range(_MAX_ATTEMPTS):
            worlds = idx if attempt == 0 else idx[pending]  # at first every world is pending
            u = self.uniform(round_, draw, 2 * attempt + 1, worlds) - 0.5
            v = self.uniform(round_, draw, 2 * attempt + 2, worlds)
            k, accepted = propose_and_accept(pending, u, v)
            out[pending[accepted]] = k[accepted]
            pending = pending[~accepted]
            if pending.size == 0:
                return out
        raise RuntimeError("rejection sampler did not converge")  # probability < 1e-60

    def _poisson_ptrs(self, round_, draw, idx, lam):
        """Hörmann's PTRS (1993) for Poisson means >= 10."""
        slam, loglam = np.sqrt(lam), np.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)

        def step(sel, u, v):
            us = 0.5 - np.abs(u)
            k = np.floor((2 * a[sel] / us + b[sel]) * u + lam[sel] + 0.43)
            accepted = (us >= 0.07) & (v <= vr[sel])
            # The exact test costs a log-gamma; run it only where the quick squeeze failed.
            slow = np.flatnonzero(~accepted & (k >= 0) & ~((us < 0.013) & (v > us)))
            if slow.size:
                s_, ks = sel[slow], k[slow]
                lhs = np.log(v[slow]) + np.log(invalpha[s_]) - np.log(a[s_] / (us[slow] ** 2) + b[s_])
                rhs = -lam[s_] + ks * loglam[s_] - gammaln(ks + 1)
                accepted[slow] = lhs <= rhs
            return k.astype(np.int64), accepted

        return self._rejection(round_, draw, idx, step)

    def _binomial_btrs(self, round_, draw, idx, n, p):
        """Hörmann's BTRS (1993) for binomials with n*p >= 10 and p <= 1/2."""
        spq = np.sqrt(n * p * (1 - p))
        b = 1.15 + 2.53 * spq
        a = -0.0873 + 0.0248 * b + 0.01 * p
        c = n * p + 0.5
        vr = 0.92 - 4.2 / b
        alpha = (2.83 + 5.1 / b) * spq
        m = np.floor((n + 1) * p)
        log_odds = np.log(p / (1 - p))

        def step(sel, u, v):
            us = 0.5 - np.abs(u)
            k = np.floor((2 * a[sel] / us + b[sel]) * u + c[sel])
            accepted = (us >= 0.07) & (v <= vr[sel])
            slow = np.flatnonzero(~accepted & (k >= 0) & (k <= n[sel]))
            if slow.size:
                s_, ks = sel[slow], k[slow]
                lhs = np.log(v[slow] * alpha[s_] / (a[s_] / (us[slow] ** 2) + b[s_]))
                # log f(k) - log f(m), exact, with f the binomial mass function. The log-gammas
                # are the costly part, so they are computed for the slow-path worlds only.
                log_fk = -gammaln(ks + 1) - gammaln(n[s_] - ks + 1)
                log_fm = -gammaln(m[s_] + 1) - gammaln(n[s_] - m[s_] + 1)
                accepted[slow] = lhs <= log_fk - log_fm + (ks - m[s_]) * log_odds[s_]
            return k.astype(np.int64), accepted

        return self._rejection(round_, draw, idx, step)


def _poisson_inversion(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Inverse-CDF Poisson by chop-down search, for means below 10."""
    k = np.zeros(u.shape, dtype=np.int64)
    mass = np.exp(-lam)
    cdf = mass.copy()
    pending = np.flatnonzero(u > cdf)
    step = 0
    while pending.size:
        step += 1
        mass[pending] *= lam[pending] / step
        cdf[pending] += mass[pending]
        k[pending] = step
        # Floating-point tail: stop once the mass underflows.
        pending = pending[(u[pending] > cdf[pending]) & (mass[pending] > 0)]
    return k


def _binomial_inversion(u: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Inverse-CDF binomial by chop-down search, for n*p below 10 and p <= 1/2."""
    k = np.zeros(u.shape, dtype=np.int64)
    odds = p / (1 - p)
    mass = np.exp(n * np.log1p(-p))
    cdf = mass.copy()
    pending = np.flatnonzero(u > cdf)
    step = 0
    while pending.size:
        step += 1
        mass[pending] *= odds[pending] * (n[pending] - step + 1) / step
        cdf[pending] += mass[pending]
        k[pending] = step
        pending = pending[(u[pending] > cdf[pending]) & (mass[pending] > 0) & (step < n[pending])]
    return k
