"""Base-year versions and recalculation events in the workspace.

Where it sits: store, under the roadmap stage (`pipeline/roadmap.py`), which turns these rows
into `targets.baseyear` values, applies the recalculation policy and stores what it decides; the
stage also commits every version and event to the ledger (store/committed.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zerotrail.store.database import Workspace


def version_rows(ws: Workspace, base_year: int) -> list[tuple[Any, ...]]:
    """(base year, version, scope 1, scope 2 location, scope 2 market, scope 3 JSON, reason,
    event ids, run id, created at) of every version of a base year, by version."""
    return [
        tuple(r)
        for r in ws.fetchall(
            "SELECT base_year, version, scope1, scope2_location, scope2_market, scope3, reason,"
            " events, run_id, created_at FROM base_year_versions WHERE base_year = ?"
            " ORDER BY version",
            [base_year],
        )
    ]


def insert_version(ws: Workspace, row: Sequence[object]) -> None:
    """Store a base-year version (a row in `version_rows` order; the caller commits it)."""
    ws.execute(
        "INSERT INTO base_year_versions (base_year, version, scope1, scope2_location,"
        " scope2_market, scope3, reason, events, run_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        list(row),
    )


def event_rows(ws: Workspace, base_year: int) -> list[tuple[Any, ...]]:
    """(event id, kind, in base year, effect on scope 1, scope 2 location, scope 2 market,
    scope 3 JSON, description) of the base year's events, in the order they were recorded."""
    return [
        tuple(r)
        for r in ws.fetchall(
            "SELECT event_id, kind, in_base_year, effect_scope1, effect_scope2_location,"
            " effect_scope2_market, effect_scope3, description FROM baseline_events"
            " WHERE base_year = ? ORDER BY recorded_at, event_id",
            [base_year],
        )
    ]


def event_ids(ws: Workspace) -> set[str]:
    """The id of every event recorded, for any base year."""
    return {str(e) for (e,) in ws.fetchall("SELECT event_id FROM baseline_events")}


def insert_event(ws: Workspace, row: Sequence[object]) -> None:
    """Store an event with its consolidated effect (a row in the table's column order: event
    id, base year, year, kind, description, entity, share, in base year, effects on scope 1,
    scope 2 location, scope 2 market, scope 3 JSON, recorded at; the caller commits it)."""
    ws.execute(
        "INSERT INTO baseline_events (event_id, base_year, year, kind, description, entity,"
        " share, in_base_year, effect_scope1, effect_scope2_location, effect_scope2_market,"
        " effect_scope3, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        list(row),
    )
