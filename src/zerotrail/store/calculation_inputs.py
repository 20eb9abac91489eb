"""Reads the calculation stage prepares a run's small inputs from.

Where it sits: store, read by the calculation stage (pipeline/calculation.py) before the
engine's plan runs. Distinct values of the year's records come from the session table of their
signatures (`source`, which the plan filled), never from the activity table, so these reads
cost the same for a thousand records as for a billion. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zerotrail.store.database import Workspace
from zerotrail.store.sql import quote_ident

GRID = "electricity.grid"


def supplier_keys(ws: Workspace) -> list[str]:
    """Keys that have supplier-specific factors (the supplier matters only for these)."""
    rows = ws.fetchall(
        "SELECT DISTINCT activity FROM factors WHERE supplier IS NOT NULL ORDER BY 1"
    )
    return [str(r[0]) for r in rows]


def entity_rows(ws: Workspace) -> list[tuple[Any, ...]]:
    """(entity, parent, equity_share, financial_control, operational_control) of every entity."""
    return ws.fetchall(
        "SELECT entity, parent, equity_share, financial_control, operational_control FROM entities"
    )


def site_rows(ws: Workspace) -> list[tuple[Any, ...]]:
    """(site, entity, kind, operational_control) of every site."""
    return ws.fetchall("SELECT site, entity, kind, operational_control FROM sites")


def signature_pairs(ws: Workspace, source: str) -> list[tuple[str, str]]:
    """Distinct (activity, unit) of the year's signatures."""
    rows = ws.fetchall(f"SELECT DISTINCT activity, unit FROM {quote_ident(source)}")
    return [(str(a), str(u)) for a, u in rows]


def signature_places(ws: Workspace, source: str) -> list[tuple[str, str, str]]:
    """Distinct (site or '', stated region or '', stated heat basis or '') of the signatures."""
    rows = ws.fetchall(f"SELECT DISTINCT site_k, region, hb_k FROM {quote_ident(source)}")
    return [(str(s), str(r), str(h)) for s, r, h in rows]


def site_regions(ws: Workspace) -> dict[str, str]:
    """Each site's region."""
    return {str(s): str(r) for s, r in ws.fetchall("SELECT site, region FROM sites")}


def current_record(ws: Workspace, record_id: str) -> dict[str, Any] | None:
    """The current version of an activity record (every stored column), or None."""
    cur = ws.execute("SELECT * FROM activities WHERE record_id = ? AND current", [record_id])
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    return dict(zip(names, rows[0], strict=True)) if rows else None


def factor_candidates(
    ws: Workspace, activity: str, regions: Sequence[str], pinned: str
) -> list[dict[str, Any]]:
    """One row per factor of the key in any of `regions`, and the pinned factor (if any): id,
    set, region, unit, validity, supplier, verified, heat basis, heat content."""
    cur = ws.execute(
        "SELECT factor_id, min(factor_set) AS factor_set, min(activity) AS activity,"
        " min(region) AS region, min(unit) AS unit, min(valid_from) AS valid_from,"
        " max(valid_to) AS valid_to, max(nullif(supplier, '')) AS supplier,"
        " bool_and(verified) AS verified, max(nullif(heat_basis, '')) AS heat_basis,"
        " max(heat_content) AS heat_content, max(heat_content_unit) AS heat_content_unit"
        " FROM factors WHERE (activity = ? AND region IN (SELECT unnest(?))) OR factor_id = ?"
        " GROUP BY factor_id ORDER BY factor_id",
        [activity, list(regions), pinned],
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def pinned_pairs(ws: Workspace, source: str) -> list[tuple[str, str, str]]:
    """Distinct (activity, unit, pinned factor id) of the signatures that pin a factor."""
    rows = ws.fetchall(
        f"SELECT DISTINCT activity, unit, pin_k FROM {quote_ident(source)} WHERE pin_k <> ''"
    )
    return [(str(a), str(u), str(p)) for a, u, p in rows]


def grid_consumers(ws: Workspace, source: str) -> list[tuple[str, str, str]]:
    """Distinct (site or '', entity, stated region) of the signatures of grid electricity."""
    rows = ws.fetchall(
        f"SELECT DISTINCT site_k, entity, region FROM {quote_ident(source)} WHERE activity = ?",
        [GRID],
    )
    return [(str(s), str(e), str(r)) for s, e, r in rows]


def factor_units(ws: Workspace, activities: Sequence[str]) -> list[tuple[Any, ...]]:
    """(factor_id, activity, unit, heat_content, heat_content_unit) of the keys' factors."""
    if not activities:
        return []
    return ws.fetchall(
        "SELECT DISTINCT factor_id, activity, unit, heat_content, heat_content_unit"
        " FROM factors WHERE activity IN (SELECT unnest(?))",
        [list(activities)],
    )


def factor_units_by_id(ws: Workspace, factor_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """The same columns as `factor_units`, for the named factors."""
    if not factor_ids:
        return []
    return ws.fetchall(
        "SELECT DISTINCT factor_id, activity, unit, heat_content, heat_content_unit"
        " FROM factors WHERE factor_id IN (SELECT unnest(?))",
        [list(factor_ids)],
    )


def factor_gases(ws: Workspace) -> list[str]:
    """Every gas some factor has a value for."""
    return [str(r[0]) for r in ws.fetchall("SELECT DISTINCT gas FROM factors")]


def instrument_rows(ws: Workspace) -> list[tuple[Any, ...]]:
    """(instrument_id, type, mwh, period_start, period_end, region, entity, site, status,
    retired_on, rate) of every instrument, by id."""
    return ws.fetchall(
        "SELECT instrument_id, type, mwh, period_start, period_end, region, entity, site,"
        " status, retired_on, emission_rate_t_per_mwh FROM instruments ORDER BY instrument_id"
    )


def factor_validity(ws: Workspace, activity: str, regions: Sequence[str]) -> list[tuple[Any, ...]]:
    """Distinct (region, valid_from, valid_to) of the key's factors in any of `regions`."""
    return ws.fetchall(
        "SELECT DISTINCT region, valid_from, valid_to FROM factors WHERE activity = ?"
        " AND region IN (SELECT unnest(?))",
        [activity, list(regions)],
    )
