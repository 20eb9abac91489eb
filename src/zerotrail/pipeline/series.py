"""The like-for-like series of the years up to one: as reported and recalculated.

Where it sits: pipeline, under the initiatives stage (pipeline/initiatives.py caps the
abatement it attributes by the fall of the recalculated Scope 1 + 2). It reads what the report
stage reads for its `series` (pipeline/publish.py: the years' current runs, the base year of
the targets with its versions and events) and computes with reports/series.py, so the figures
are the report's. Reads only.
"""

from __future__ import annotations

from typing import Any

from zerotrail.pipeline.measures import base_year_versions, latest_targets
from zerotrail.pipeline.roadmap import base_year_events
from zerotrail.reports import periodic
from zerotrail.reports import series as compute
from zerotrail.store.database import Workspace
from zerotrail.store.event_years import event_years
from zerotrail.store.figures import scope_totals
from zerotrail.store.inventory import current_runs
from zerotrail.targets.baseyear import version_dict


def base_year(ws: Workspace) -> int | None:
    """The base year the report shows: the earliest of the targets' base years (as
    `periodic.report_base_year` takes it from their progress, where neutrality targets carry
    none)."""
    years = [
        t.target.base_year
        for t in latest_targets(ws)
        if t.target.base_year is not None and t.target.kind != "neutrality"
    ]
    return min(years) if years else None


def like_for_like(ws: Workspace, upto: int) -> dict[str, Any]:
    """Every year with an inventory up to `upto`, as reported and recalculated."""
    years = periodic.year_rows(
        [
            periodic.YearTotals(r.year, r.run_id, scope_totals(ws, r.run_id))
            for r in current_runs(ws, upto)
        ]
    )
    by = base_year(ws)
    base = None
    if by is not None:
        versions = [version_dict(v) for v in base_year_versions(ws, by)]
        base = periodic.base_year_section(by, versions, base_year_events(ws, by))
    return compute.series(years, base, {} if by is None else event_years(ws, by))
