"""Reading reduction initiatives as the reports show them, and the emissions of their sites.

Where it sits: store, under the initiatives stage (pipeline/initiatives.py) and the report
stage, which hand what is read here to `reports/initiatives.py`. The initiatives are as
ingest/initiatives.py stored them (every version kept); the sites' Scope 1 and 2 emissions per
activity come from the `results` view of a year's current run (market-based, the basis the
attribution uses). Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zerotrail.store.database import Workspace

# The columns a report shows of an initiative's version, in this order.
COLUMNS = (
    "initiative_id",
    "version",
    "name",
    "owner",
    "lever",
    "sites",
    "start_year",
    "expected_t_per_year",
    "cost",
    "currency",
    "description",
    "import_id",
)
_SELECT = ", ".join(COLUMNS)


def _records(rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(COLUMNS, r, strict=True)) for r in rows]


def latest_versions(ws: Workspace) -> list[dict[str, Any]]:
    """The latest version of each initiative, by id (sites as stored: ";"-separated)."""
    return _records(
        ws.fetchall(
            f"""SELECT {_SELECT} FROM initiatives i
                WHERE version = (SELECT max(version) FROM initiatives j
                                 WHERE j.initiative_id = i.initiative_id)
                ORDER BY initiative_id"""
        )
    )


def versions_of(ws: Workspace, initiative_id: str) -> list[dict[str, Any]]:
    """Every stored version of one initiative, oldest first (none for an unknown id)."""
    return _records(
        ws.fetchall(
            f"SELECT {_SELECT} FROM initiatives WHERE initiative_id = ? ORDER BY version",
            [initiative_id],
        )
    )


def site_scope12(
    ws: Workspace, run_id: str, sites: Sequence[str]
) -> list[tuple[str, int, str, float]]:
    """(site, scope, activity, t CO2e market-based) of the sites' Scope 1 and 2 results in the
    run, summed per activity: what realized abatement is measured on."""
    return [
        (str(site), int(scope), str(activity), float(t))
        for site, scope, activity, t in ws.fetchall(
            "SELECT site, scope, activity, sum(co2e_market_t) FROM results"
            " WHERE run_id = ? AND scope IN (1, 2) AND site IN (SELECT unnest(?))"
            " GROUP BY site, scope, activity ORDER BY site, scope, activity",
            [run_id, list(sites)],
        )
    ]
