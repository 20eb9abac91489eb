"""Pathways: known values worked by hand, properties of the line and the forecast, statuses."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zerotrail.targets.pathway import (
    STATUSES,
    classify,
    fraction_of_way,
    gap,
    pathway_value,
    target_value,
    trend_forecast,
)

# The worked example: base 36,056 t in 2020, 30% lower by 2025.
BASE = 36_056.0
# 36,056 * (1 - 30/100) = 36,056 * 0.7 = 25,239.2
TARGET = 25_239.2


def test_target_value() -> None:
    assert target_value(BASE, 30) == pytest.approx(TARGET)
    # 36,056 * (1 - 0/100) = 36,056; 36,056 * (1 - 100/100) = 0
    assert target_value(BASE, 0) == BASE
    assert target_value(BASE, 100) == 0


def test_pathway_known_values() -> None:
    # 2023 is 3 of the 5 years: 36,056 - 3/5 * (36,056 - 25,239.2)
    #   = 36,056 - 3/5 * 10,816.8 = 36,056 - 6,490.08 = 29,565.92
    assert pathway_value(BASE, TARGET, 2020, 2025, 2023) == pytest.approx(29_565.92)
    # 2021: 36,056 - 1/5 * 10,816.8 = 36,056 - 2,163.36 = 33,892.64
    assert pathway_value(BASE, TARGET, 2020, 2025, 2021) == pytest.approx(33_892.64)
    # Endpoints exactly, flat outside them.
    assert pathway_value(BASE, TARGET, 2020, 2025, 2020) == BASE
    assert pathway_value(BASE, TARGET, 2020, 2025, 2025) == TARGET
    assert pathway_value(BASE, TARGET, 2020, 2025, 2018) == BASE
    assert pathway_value(BASE, TARGET, 2020, 2025, 2031) == TARGET


def test_pathway_rising_series() -> None:
    # Renewable share from 20% (2020) to 100% (2030); 2025 is halfway: 20 + 5/10 * 80 = 60
    assert pathway_value(20, 100, 2020, 2030, 2025) == pytest.approx(60)
    # 2022: 20 + 2/10 * 80 = 36
    assert pathway_value(20, 100, 2020, 2030, 2022) == pytest.approx(36)


def test_fraction_of_way() -> None:
    # (100 - 85) / (100 - 70) = 15 / 30 = 0.5
    assert fraction_of_way(100, 70, 85) == pytest.approx(0.5)
    # Moved away: (100 - 110) / 30 = -10 / 30 = -1/3
    assert fraction_of_way(100, 70, 110) == pytest.approx(-1 / 3)
    # Overshot: (100 - 60) / 30 = 40 / 30 = 4/3
    assert fraction_of_way(100, 70, 60) == pytest.approx(4 / 3)
    # Rising series, 20% -> 100%, at 60%: (20 - 60) / (20 - 100) = -40 / -80 = 0.5
    assert fraction_of_way(20, 100, 60) == pytest.approx(0.5)
    assert fraction_of_way(50, 50, 40) is None


def test_trend_forecast_known_values() -> None:
    history = {2020: 100.0, 2021: 90.0, 2022: 85.0, 2023: 70.0}
    # Last 3 years: x = 2021, 2022, 2023 (mean 2022); y = 90, 85, 70 (mean 245/3 = 81.667)
    # sxy = (-1)(90 - 81.667) + 0 + (1)(70 - 81.667) = -8.333 - 11.667 = -20; sxx = 1 + 0 + 1 = 2
    # slope = -20 / 2 = -10; at 2025: 245/3 - 10 * (2025 - 2022) = 81.667 - 30 = 51.667
    assert trend_forecast(history, 2025) == pytest.approx(245 / 3 - 30)
    # All 4 years: mean x 2021.5, mean y 345/4 = 86.25;
    # sxy = (-1.5)(13.75) + (-0.5)(3.75) + (0.5)(-1.25) + (1.5)(-16.25)
    #     = -20.625 - 1.875 - 0.625 - 24.375 = -47.5; sxx = 2.25 + 0.25 + 0.25 + 2.25 = 5
    # slope = -47.5 / 5 = -9.5; at 2025: 86.25 - 9.5 * 3.5 = 86.25 - 33.25 = 53
    assert trend_forecast(history, 2025, window=4) == pytest.approx(53)


def test_trend_forecast_uses_latest_years_present() -> None:
    # Gaps: the latest 2 years present are 2018 and 2023; slope (40 - 50) / 5 = -2;
    # at 2024: 40 - 2 * 1 = 38 (the 2010 point is outside the window)
    assert trend_forecast({2010: 999.0, 2018: 50.0, 2023: 40.0}, 2024, window=2) == pytest.approx(
        38
    )


def test_trend_forecast_needs_two_points() -> None:
    assert trend_forecast({}, 2025) is None
    assert trend_forecast({2023: 10.0}, 2025) is None
    assert trend_forecast({2022: 10.0, 2023: 9.0}, 2025, window=1) is None
    # Two points: slope 9 - 10 = -1; at 2025: 9 - 2 = 7
    assert trend_forecast({2022: 10.0, 2023: 9.0}, 2025) == pytest.approx(7)


def test_gap() -> None:
    # 30,000 - 29,565.92 = 434.08 t above the pathway
    assert gap(30_000, 29_565.92) == pytest.approx(434.08)
    # Share 55% against a 60% pathway: 55 - 60 = -5 points
    assert gap(55, 60) == -5


# classify(year, target_year, actual, pathway, target, forecast) for a falling series whose
# target is 70 in 2030; the pathway value passed is the one for the year.
@pytest.mark.parametrize(
    ("year", "actual", "pathway", "forecast", "expected"),
    [
        (2030, 70.0, 70.0, None, "achieved"),  # 70 <= 70
        (2031, 65.0, 70.0, 90.0, "achieved"),  # after the target year only the target counts
        (2030, 70.5, 70.0, 60.0, "missed"),  # 70.5 > 70
        (2025, 84.0, 85.0, 69.0, "on-track"),  # 84 <= 85 and 69 <= 70
        (2025, 84.0, 85.0, 71.0, "at-risk"),  # on the pathway, forecast misses
        (2025, 86.0, 85.0, 69.0, "at-risk"),  # off the pathway, forecast reaches
        (2025, 86.0, 85.0, 71.0, "off-track"),  # neither
        (2025, 85.0, 85.0, None, "on-track"),  # no forecast: the pathway decides alone
        (2025, 86.0, 85.0, None, "off-track"),
    ],
)
def test_classify_lower_is_better(
    year: int, actual: float, pathway: float, forecast: float | None, expected: str
) -> None:
    assert classify(year, 2030, actual, pathway, 70.0, forecast, lower_is_better=True) == expected


@pytest.mark.parametrize(
    ("year", "actual", "pathway", "forecast", "expected"),
    [
        # Renewable share, target 100% in 2030
        (2030, 100.0, 100.0, None, "achieved"),
        (2030, 95.0, 100.0, None, "missed"),
        (2027, 80.0, 76.0, 100.0, "on-track"),  # 80 >= 76 and 100 >= 100
        (2027, 80.0, 76.0, 96.0, "at-risk"),
        (2027, 70.0, 76.0, 101.0, "at-risk"),
        (2027, 70.0, 76.0, 90.0, "off-track"),
    ],
)
def test_classify_higher_is_better(
    year: int, actual: float, pathway: float, forecast: float | None, expected: str
) -> None:
    got = classify(year, 2030, actual, pathway, 100.0, forecast, lower_is_better=False)
    assert got == expected


def test_classify_tolerance() -> None:
    # 0.1 + 0.2 = 0.30000000000000004 > 0.3 by 5.6e-17, inside the 1e-9 tolerance
    assert classify(2030, 2030, 0.1 + 0.2, 0.3, 0.3, None, lower_is_better=True) == "achieved"
    # With no tolerance, the float noise counts
    got = classify(2030, 2030, 0.1 + 0.2, 0.3, 0.3, None, lower_is_better=True, tolerance=0)
    assert got == "missed"


def test_every_status_reached() -> None:
    seen = {
        classify(2030, 2030, 70, 70, 70, None, lower_is_better=True),
        classify(2030, 2030, 71, 70, 70, None, lower_is_better=True),
        classify(2025, 2030, 84, 85, 70, 69, lower_is_better=True),
        classify(2025, 2030, 84, 85, 70, 71, lower_is_better=True),
        classify(2025, 2030, 86, 85, 70, 71, lower_is_better=True),
    }
    assert seen == set(STATUSES)


years = st.integers(1990, 2100)
values = st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)


@given(values, values, years, st.integers(1, 60))
def test_pathway_monotone_and_hits_endpoints(
    base_value: float, goal: float, base_year: int, span: int
) -> None:
    target_year = base_year + span
    line = [
        pathway_value(base_value, goal, base_year, target_year, y)
        for y in range(base_year - 2, target_year + 3)
    ]
    assert pathway_value(base_value, goal, base_year, target_year, base_year) == base_value
    assert pathway_value(base_value, goal, base_year, target_year, target_year) == goal
    pairs = list(pairwise(line))
    if goal <= base_value:
        assert all(a >= b for a, b in pairs)
    else:
        assert all(a <= b for a, b in pairs)


@given(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(-1e4, 1e4, allow_nan=False),
    st.integers(1990, 2090),
    st.integers(2, 10),
    st.integers(0, 20),
)
def test_forecast_of_linear_history_reproduces_line(
    intercept: float, slope: float, first: int, n: int, ahead: int
) -> None:
    history = {first + i: intercept + slope * i for i in range(n)}
    year = first + n - 1 + ahead
    expected = intercept + slope * (year - first)
    got = trend_forecast(history, year, window=n)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-6)


@given(
    years,
    years,
    values,
    values,
    values,
    st.none() | values,
)
def test_classify_symmetric_under_negation(
    year: int,
    target_year: int,
    actual: float,
    pathway: float,
    goal: float,
    forecast: float | None,
) -> None:
    lower = classify(year, target_year, actual, pathway, goal, forecast, lower_is_better=True)
    negated_forecast = None if forecast is None else -forecast
    higher = classify(
        year, target_year, -actual, -pathway, -goal, negated_forecast, lower_is_better=False
    )
    assert lower == higher
    assert lower in STATUSES
