"""The generator's random draws: Poisson and over-dispersed counts, binomial parts, and streams that depend only
on a key."""

from __future__ import annotations

import math
import random


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean < 30:
        limit, k, product = math.exp(-mean), 0, rng.random()
        while product > limit:
            k += 1
            product *= rng.random()
        return k
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))


def count(rng: random.Random, mean: float, spread: float = 0.05) -> int:
    """A count around `mean`: Poisson when small, else normal with a relative spread (over-dispersed)."""
    if mean < 30:
        return poisson(rng, mean)
    return max(0, round(rng.gauss(mean, max(math.sqrt(mean), mean * spread))))


def part(rng: random.Random, total: int, share: float) -> int:
    """How many of `total` have a property of probability `share` (binomial, approximated when large)."""
    share = min(1.0, max(0.0, share))
    if total <= 0:
        return 0
    if total < 25:
        return sum(1 for _ in range(total) if rng.random() < share)
    sd = math.sqrt(total * share * (1.0 - share))
    return min(total, max(0, round(rng.gauss(total * share, sd))))


def stable(seed: int, *key: object) -> random.Random:
    """A random stream that depends only on the key: for values fixed over a school year, etc."""
    return random.Random("|".join(str(k) for k in (seed, *key)))
