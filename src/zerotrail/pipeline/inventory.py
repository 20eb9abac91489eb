"""The inventory stage: a year's calculated inventory as figures.

Where it sits: pipeline, after `calculation`. It reads the year's current run through
store/inventory.py and adds it up in reports/inventory.py; it writes nothing, so it runs on a
workspace opened read-only. (Marking an inventory final, which claims need, is the claim stage's
`finalize_inventory`, pipeline/claims.py.)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from zerotrail.engine.settings import FAMILIES, InventorySettings
from zerotrail.model.inventory import CurrentRun
from zerotrail.reports import inventory as figures
from zerotrail.store import inventory as read
from zerotrail.store.database import Workspace

__all__ = [
    "InventorySettings",
    "check_breakdown",
    "current_run",
    "inventory_breakdown",
    "inventory_summary",
    "latest_inventory_year",
]


def check_breakdown(by: str) -> None:
    """Refuse an unknown breakdown before any workspace is read (a usage error, named as such)."""
    figures.check_breakdown(by)


def current_run(ws: Workspace, year: int) -> CurrentRun:
    """The year's current calculation run; ZerotrailError when the year was never calculated."""
    run = read.current_run(ws, year)
    if run is None:
        raise figures.no_inventory(year)
    return run


def latest_inventory_year(ws: Workspace) -> int | None:
    """The latest year with a calculated inventory, None when there is none."""
    runs = read.current_runs(ws)
    return runs[-1].year if runs else None


def inventory_summary(
    ws: Workspace, year: int, entities: frozenset[str] | None = None
) -> dict[str, Any]:
    """The headline inventory of `year` (the JSON of `zerotrail inventory --format json`).

    With `entities` (an owner's, pipeline/isolation.py): the same figures, added up the same
    way, over those entities' records of the current run only. That is their part of the
    inventory, never the organization's total: the answer says so under "entities" (a key only
    this answer has; the whole organization's answer is unchanged). Its problems are those of
    their records; the run's notes, which concern no one record, are left out (they may name
    other entities)."""
    run = current_run(ws, year)
    if entities is None:
        return figures.summary(
            run,
            read.result_groups(ws, run.run_id, FAMILIES),
            read.run_problems(ws, run.run_id),
            read.run_notes(ws, run.run_id),
        )
    part = sorted(entities)
    own = replace(run, problems=read.entity_problem_count(ws, run.run_id, part))
    return figures.summary(
        own,
        read.result_groups(ws, run.run_id, FAMILIES, part),
        read.run_problems(ws, run.run_id, entities=part),
        [],
    ) | {"entities": part}


def inventory_breakdown(ws: Workspace, year: int, by: str) -> list[dict[str, Any]]:
    """Scope totals of `year` split by one dimension (`zerotrail inventory --by`)."""
    run = current_run(ws, year)
    if by == "gas":
        return figures.gas_breakdown(*read.gas_totals(ws, run.run_id, FAMILIES))
    figures.check_breakdown(by)
    return figures.breakdown(by, read.scope_rows(ws, run.run_id, by))
