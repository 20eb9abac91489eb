"""The initiatives stage: reduction initiatives with their expected and realized abatement.

Where it sits: pipeline, after the initiatives import and `calculation` (realized abatement
compares the years' calculated inventories at the initiatives' sites). It reads through
store/initiative_reads.py and store/inventory.py and computes in reports/initiatives.py; it
writes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from zerotrail.pipeline.inventory import latest_inventory_year
from zerotrail.reports import initiatives as figures
from zerotrail.store import initiative_reads as read
from zerotrail.store.database import Workspace
from zerotrail.store.inventory import current_runs


def initiatives(ws: Workspace, year: int) -> list[dict[str, Any]]:
    """The latest version of each initiative with its expected and realized abatement."""
    rows = read.latest_versions(ws)
    runs = {r.year: r.run_id for r in current_runs(ws)}
    emissions = {
        (sites, y): read.market_emissions(ws, runs[y], sites)
        for sites, y in sorted(figures.emissions_needed(year, rows))
        if y in runs
    }
    return figures.initiatives(year, rows, emissions)


def abatement_year(ws: Workspace, year: int | None) -> int:
    """The year abatement is shown for: `year`, else the latest calculated year, else this
    calendar year."""
    if year is not None:
        return year
    latest = latest_inventory_year(ws)
    return date.today().year if latest is None else latest


def initiative_versions(ws: Workspace, initiative_id: str) -> list[dict[str, Any]]:
    """Every stored version of one initiative, oldest first, with the import that brought it."""
    return figures.versions(initiative_id, read.versions_of(ws, initiative_id))
