"""Seeded bootstrap draws without touching every study: a resample of n studies with
replacement, seen through any grouping of them, is multinomial over the groups, and a
multinomial is a chain of binomials.

The binomial sampler is the one Python 3.12 added as `random.binomialvariate`
(Devroye's geometric method where n p < 10, Hörmann's BTRS otherwise), written out
so that a seed gives the same intervals on every Python version.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence


def binomial(rng: random.Random, n: int, p: float) -> int:
    """A draw of Binomial(n, p)."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    if p > 0.5:
        return n - binomial(rng, n, 1.0 - p)
    uniform = rng.random
    if n * p < 10.0:
        # Count the successes by the geometric gaps between them.
        successes = at = 0
        log_q = math.log(1.0 - p)
        if not log_q:
            return 0
        while True:
            at += math.floor(math.log(1.0 - uniform()) / log_q) + 1
            if at > n:
                return successes
            successes += 1
    spread = math.sqrt(n * p * (1.0 - p))
    b = 1.15 + 2.53 * spread
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    squeeze = 0.92 - 4.2 / b
    ready = False
    alpha = log_odds = h = 0.0
    mode = 0
    while True:
        u = uniform() - 0.5
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        v = uniform()
        if us >= 0.07 and v <= squeeze:
            return k
        if not ready:
            alpha = (2.83 + 5.1 / b) * spread
            log_odds = math.log(p / (1.0 - p))
            mode = math.floor((n + 1) * p)
            h = math.lgamma(mode + 1) + math.lgamma(n - mode + 1)
            ready = True
        v *= alpha / (a / (us * us) + b)
        if v > 0 and math.log(v) <= h - math.lgamma(k + 1) - math.lgamma(n - k + 1) \
                + (k - mode) * log_odds:
            return k


def multinomial(rng: random.Random, counts: Sequence[int]) -> list[int]:
    """How many of sum(counts) draws with replacement fall in each group, the groups
    holding `counts` items."""
    left = total = sum(counts)
    out = []
    for count in counts[:-1]:
        drawn = binomial(rng, left, count / total) if total > 0 else 0
        out.append(drawn)
        left -= drawn
        total -= count
    if counts:
        out.append(left)
    return out
