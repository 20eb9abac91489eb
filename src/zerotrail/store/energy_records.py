"""Reading the years' fuel and energy records, and the category-3 records derived from them.

Where it sits: store, under the fuel-and-energy stage (pipeline/fuel_energy.py), which derives
Scope 3 category 3 records (well-to-tank, transmission and distribution losses) from the Scope 1
fuel and Scope 2 energy records a year's calculation takes: the current versions whose period
starts in the year (engine/emissions.py `year_activities`). Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zerotrail.store.database import Workspace

# The stored columns the stage copies from a source record, or rewrites a derived one with.
COLUMNS = (
    "record_id",
    "entity",
    "site",
    "period_start",
    "period_end",
    "activity",
    "quantity",
    "unit",
    "heat_basis",
    "region",
    "factor_id",
    "evidence",
    "note",
)


def _rows(
    ws: Workspace, years: Sequence[int], where: str, params: list[Any]
) -> list[dict[str, Any]]:
    cur = ws.execute(
        f"SELECT {', '.join(COLUMNS)} FROM activities WHERE current"
        " AND CAST(extract(year FROM period_start) AS INTEGER) IN (SELECT unnest(?))"
        f" AND ({where}) ORDER BY record_id",
        [list(years), *params],
    )
    return [dict(zip(COLUMNS, r, strict=True)) for r in cur.fetchall()]


def energy_records(
    ws: Workspace, years: Sequence[int], families: Sequence[str]
) -> list[dict[str, Any]]:
    """The years' current records whose key is in one of `families` (its first segment)."""
    return _rows(ws, years, "split_part(activity, '.', 1) IN (SELECT unnest(?))", [list(families)])


def derived_records(
    ws: Workspace, years: Sequence[int], family: str, suffixes: Sequence[str]
) -> list[dict[str, Any]]:
    """The years' current records of `family` whose id ends with one of `suffixes`: those an
    earlier derivation added."""
    return [
        r
        for r in _rows(ws, years, "split_part(activity, '.', 1) = ?", [family])
        if str(r["record_id"]).endswith(tuple(suffixes))
    ]


def keys_with_factors(ws: Workspace, keys: Sequence[str]) -> set[str]:
    """Those of `keys` some factor in the workspace is for."""
    if not keys:
        return set()
    rows = ws.fetchall(
        "SELECT DISTINCT activity FROM factors WHERE activity IN (SELECT unnest(?))", [list(keys)]
    )
    return {str(r[0]) for r in rows}
