"""The initiatives stage: reduction initiatives with their expected and realized abatement.

Where it sits: pipeline, after the initiatives import and `calculation` (realized abatement
compares the years' calculated inventories at the initiatives' sites, and is capped by the
company's like-for-like Scope 1 + 2 of pipeline/series.py). It reads through
store/initiative_reads.py and store/inventory.py and computes in reports/initiatives.py; it
writes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from zerotrail.pipeline.inventory import latest_inventory_year
from zerotrail.pipeline.series import like_for_like
from zerotrail.reports import initiatives as figures
from zerotrail.reports.series import scope12_market
from zerotrail.store import initiative_reads as read
from zerotrail.store.database import Workspace
from zerotrail.store.inventory import current_runs


def attribution(ws: Workspace, year: int) -> dict[str, Any]:
    """The latest version of each initiative with its expected and realized abatement in
    `year`, and the falls at their sites and over the company it was attributed from
    (reports/initiatives.py `attribute`)."""
    rows = read.latest_versions(ws)
    sites, years = figures.needed(year, rows)
    runs = {r.year: r.run_id for r in current_runs(ws)}
    emissions = {
        y: figures.site_kinds(read.site_scope12(ws, runs[y], sorted(sites)))
        for y in sorted(years)
        if y in runs
    }
    company = scope12_market(like_for_like(ws, year)) if emissions else {}
    return figures.attribute(year, rows, emissions, company)


def initiatives(ws: Workspace, year: int) -> list[dict[str, Any]]:
    """The latest version of each initiative with its expected and realized abatement."""
    return list(attribution(ws, year)["rows"])


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
