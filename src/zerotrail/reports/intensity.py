"""Emission intensities: emissions per unit of a business metric, years side by side.

Where it sits: reports, pure: the report stage hands the years' scope totals (periodic's
`years` rows), the metrics the workspace holds (report.json `metrics`: revenue, employees ...,
as imported with `zerotrail import metrics`) and the data centres' IT load per year
(pipeline/energy.py `it_load`); this returns report.json's `intensity` section.

Intensity = emissions (t CO2e) / the metric's value in the same year, for each metric the
workspace holds (none is assumed) and two numerators, both market-based: Scope 1 + 2, and
Scope 1 + 2 + 3. The IT-load intensity divides the emissions of the data centres with IT energy
readings (every scope, market-based: Scope 1 and 2 of owned sites, Scope 3 of leased ones) by
their IT energy in MWh. A year without the metric, or with a zero metric, has no value.

Each row is shown in the mass unit (t, kg or g CO2e) that keeps its smallest value at 100 or
more, so that whole numbers in the report keep at least three significant digits; the values
are stored in that unit, unrounded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

# Years shown side by side: the report year and up to five before it.
MAX_YEARS = 6

# (label, t CO2e of a `years` row)
NUMERATORS: tuple[tuple[str, Callable[[Mapping[str, Any]], float]], ...] = (
    ("Scope 1 + 2 (market-based)", lambda y: float(y["scope1"]) + float(y["scope2_market"])),
    ("Scope 1 + 2 + 3 (market-based)", lambda y: float(y["total_market"])),
)
IT_NUMERATOR = "Data centres, all scopes (market-based)"

# Mass units from the largest, with how many of each make a tonne.
_MASSES = (("t", 1.0), ("kg", 1e3), ("g", 1e6))
_LEAST = 100.0


def scale(values_t: Mapping[str, float]) -> tuple[str, float]:
    """The mass unit whose smallest non-zero value is at least 100, and its multiplier from t
    (grams when even those are smaller)."""
    smallest = min((abs(v) for v in values_t.values() if v), default=None)
    if smallest is None:
        return _MASSES[0]
    for unit, per_t in _MASSES:
        if smallest * per_t >= _LEAST:
            return unit, per_t
    return _MASSES[-1]


def metric_label(metric: str) -> str:
    """revenue -> Revenue, floor_area -> Floor area."""
    return metric.replace("_", " ").capitalize()


def _row(
    numerator: str, denominator: str, unit: str, values_t: Mapping[str, float], years: list[str]
) -> dict[str, Any]:
    mass, per_t = scale(values_t)
    values = {y: values_t[y] * per_t for y in years if y in values_t}
    last, prev = (years[-1], years[-2]) if len(years) > 1 else (None, None)
    change = None
    if last in values and prev in values and values[prev]:
        change = 100.0 * (values[last] - values[prev]) / values[prev]
    return {
        "numerator": numerator,
        "denominator": denominator,
        "denominator_unit": unit,
        "unit": f"{mass} CO2e per {unit}",
        "values": values,
        "change_pct": change,  # the report year against the year before
    }


def intensity(
    year: int,
    years: Sequence[Mapping[str, Any]],
    metrics: Mapping[str, Mapping[str, Any]],
    it_load: Sequence[tuple[int, float, float, int]],
) -> dict[str, Any]:
    """Report.json's `intensity` section (see the module docstring).

    `years`: periodic.year_rows (scope1, scope2_market, total_market per year); `metrics`:
    metric -> {"unit", "values": {year: value}}; `it_load`: (year, IT MWh, t CO2e market-based
    of those data centres, number of data centres) per year.
    """
    shown = sorted(int(y["year"]) for y in years if int(y["year"]) <= year)[-MAX_YEARS:]
    cols = [str(y) for y in shown]
    by_year = {str(y["year"]): y for y in years}
    rows = []
    for metric, m in sorted(metrics.items()):
        values = {str(k): float(v) for k, v in m["values"].items()}
        for label, emissions in NUMERATORS:
            per = {
                y: emissions(by_year[y]) / values[y]
                for y in cols
                if y in by_year and values.get(y, 0.0) > 0
            }
            rows.append(_row(label, metric_label(metric), str(m["unit"]), per, cols))
    it = {str(y): (mwh, t, n) for y, mwh, t, n in it_load if mwh > 0}
    sites = {y: it[y][2] for y in cols if y in it}  # data centres measured, per year
    if sites:
        per = {y: it[y][1] / it[y][0] for y in cols if y in it}
        rows.append(_row(IT_NUMERATOR, "IT energy of the data centres", "MWh", per, cols))
    return {"years": shown, "rows": rows, "it_sites": sites}
