"""Exact sums of floats, fast: each finite float is a whole number of 2^-1074 (the smallest
subnormal), so it is turned into that integer and the integers are added, with no rounding and
no dependence on order. The same figures as `fractions.Fraction` gives, some ten times faster
on a million records (Fraction reduces by a gcd at every step).

Where it sits: assurance, pure; the sample sizes (risk.py) and the draw (sampling.py) use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

SCALE_BITS = 1074  # 2^-1074 is the smallest positive double


def units(x: float) -> int:
    """`x` (finite) as an integer number of 2^-SCALE_BITS, exactly."""
    n, d = x.as_integer_ratio()  # d is a power of two, at most 2^1074
    return n << (SCALE_BITS - (d.bit_length() - 1))


def total(xs: Iterable[float]) -> Fraction:
    """The exact sum of `xs`."""
    return Fraction(sum(units(x) for x in xs), 1 << SCALE_BITS)
