"""Pathways: where a target says a series should be in a given year, and how far off it is.

Part of the pure target layer (see `zerotrail.targets`): plain numbers in, plain numbers or a
status word out. The progress report gathers a target's base and actual figures from the store
and uses these functions to draw the straight line from base year to target year, forecast the
recent trend and classify each year. Works for falling series (tCO2e) and rising ones
(renewable share, in percent): the direction only matters in `classify`.
"""

from __future__ import annotations

from collections.abc import Mapping

from zerotrail.targets.status import TargetStatus

# What `classify` can say; `no-data` and `not-started` come from the progress stage.
STATUSES = (
    TargetStatus.ACHIEVED,
    TargetStatus.MISSED,
    TargetStatus.ON_TRACK,
    TargetStatus.AT_RISK,
    TargetStatus.OFF_TRACK,
)


def target_value(base: float, reduction_pct: float) -> float:
    """The value a reduction target aims at: `base` less `reduction_pct` percent of it."""
    return base * (1 - reduction_pct / 100)


def pathway_value(
    base_value: float, target_value: float, base_year: int, target_year: int, year: int
) -> float:
    """The straight line from (base_year, base_value) to (target_year, target_value) at `year`.

    Flat before the base year (nothing was promised yet) and after the target year (the target
    is meant to hold once reached).
    """
    if year <= base_year:
        return base_value
    if year >= target_year:
        return target_value
    share = (year - base_year) / (target_year - base_year)
    value = base_value + share * (target_value - base_value)
    # Rounding can push an interior point an ulp past an endpoint; clamping keeps the line
    # monotone so a year never looks stricter than the target itself.
    low, high = min(base_value, target_value), max(base_value, target_value)
    return min(max(value, low), high)


def fraction_of_way(base_value: float, target_value: float, actual: float) -> float | None:
    """How much of the distance from base to target `actual` has covered (1.0 = all of it).

    Negative when the series moved away from the target, above 1 when it overshot. None when
    base and target coincide, since there is no distance to cover.
    """
    if base_value == target_value:
        return None
    return (base_value - actual) / (base_value - target_value)


def trend_forecast(history: Mapping[int, float], year: int, window: int = 3) -> float | None:
    """Least-squares line through the latest `window` years of `history`, evaluated at `year`.

    Only the most recent years are used because older years describe a company that has since
    changed; None with fewer than two points, where no line is defined.
    """
    years = sorted(history)[-window:] if window > 0 else []
    if len(years) < 2:
        return None
    mean_x = sum(years) / len(years)
    mean_y = sum(history[y] for y in years) / len(years)
    # Centred sums: years are large numbers (~2000) and raw sums of squares lose precision.
    sxy = sum((y - mean_x) * (history[y] - mean_y) for y in years)
    sxx = sum((y - mean_x) ** 2 for y in years)
    return mean_y + sxy / sxx * (year - mean_x)


def _meets(value: float, goal: float, lower_is_better: bool, tolerance: float) -> bool:
    # The tolerance absorbs float noise in sums of many records (0.1 + 0.2 style), so a value
    # exactly on its goal is not reported as missing it.
    if lower_is_better:
        return value <= goal + tolerance
    return value >= goal - tolerance


def classify(
    year: int,
    target_year: int,
    actual: float,
    pathway: float,
    target_value: float,
    forecast: float | None,
    *,
    lower_is_better: bool,
    tolerance: float = 1e-9,
) -> TargetStatus:
    """One of STATUSES for `actual` in `year`.

    From the target year on, only the target counts (achieved or missed). Before it, two
    signals are combined: is the year on the pathway, and does the trend forecast reach the
    target. Both: on-track; one: at-risk; neither: off-track. Without a forecast the pathway
    signal stands in for it, so the status is on-track or off-track.
    """
    if year >= target_year:
        met = _meets(actual, target_value, lower_is_better, tolerance)
        return TargetStatus.ACHIEVED if met else TargetStatus.MISSED
    meets_pathway = _meets(actual, pathway, lower_is_better, tolerance)
    forecast_meets = (
        meets_pathway
        if forecast is None
        else _meets(forecast, target_value, lower_is_better, tolerance)
    )
    if meets_pathway and forecast_meets:
        return TargetStatus.ON_TRACK
    if meets_pathway or forecast_meets:
        return TargetStatus.AT_RISK
    return TargetStatus.OFF_TRACK


def gap(actual: float, pathway: float) -> float:
    """Distance of `actual` from the pathway, in the series' units (tCO2e or points)."""
    return actual - pathway
