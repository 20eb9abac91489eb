"""The years each entity has activity records in, and the entities base-year events name.

Where it sits: store, under the report stage (pipeline/publish.py), for the like-for-like check
of reports/series.py: an entity whose records start after the base year, or stop before the
report year, joined or left the group, and the series is like-for-like only if a base-year
event covers it. Nothing here writes.
"""

from __future__ import annotations

from zerotrail.store.database import Workspace


def entity_years(ws: Workspace, up_to: int) -> list[tuple[str, int, int]]:
    """(entity, first year, last year) of the current activity records of each entity, over
    the records whose period starts in or before `up_to`."""
    rows = ws.fetchall(
        "SELECT entity, min(year(period_start)), max(year(period_start)) FROM activities"
        " WHERE current AND year(period_start) <= ? AND entity IS NOT NULL"
        " GROUP BY entity ORDER BY entity",
        [up_to],
    )
    return [(str(e), int(a), int(b)) for e, a, b in rows]


def evented_entities(ws: Workspace) -> list[str]:
    """Every entity a base-year event names, applied or not."""
    return [
        str(e)
        for (e,) in ws.fetchall(
            "SELECT DISTINCT entity FROM baseline_events WHERE entity IS NOT NULL ORDER BY 1"
        )
    ]
