"""Exact float sums (assurance/exact.py) equal the sums `fractions.Fraction` gives, for any
finite floats, subnormals and negatives included, in any order."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from zerotrail.assurance import exact

FLOATS = st.floats(allow_nan=False, allow_infinity=False)


@given(st.lists(FLOATS, max_size=50))
def test_the_total_is_the_exact_sum(xs: list[float]) -> None:
    assert exact.total(xs) == sum((Fraction(x) for x in xs), Fraction(0))
    assert exact.total(reversed(xs)) == exact.total(xs)


@given(FLOATS)
def test_units_are_the_float_in_the_smallest_subnormal(x: float) -> None:
    assert Fraction(exact.units(x), 1 << exact.SCALE_BITS) == Fraction(x)


def test_the_smallest_and_largest_doubles() -> None:
    assert exact.units(5e-324) == 1  # 2^-1074 itself
    assert exact.units(0.0) == 0
    assert exact.units(-1.5) == -3 << 1073
    assert Fraction(exact.units(1.7976931348623157e308), 1 << 1074) == Fraction(
        1.7976931348623157e308
    )
