"""The web roadmap page's figures: each target's progress with the report's pathway chart, and
the initiatives with their abatement, for one year.

Where it sits: pipeline, called by the team server's pages (server/pages_roadmap.py), as
pipeline/dashboard.py is for the dashboard. The figures are the roadmap and initiatives
stages' own (`target_progress`, `attribution`, as `zerotrail progress` and `zerotrail
initiatives` show them); each chart is the report's (`reports.charts.target_pathway`, drawn for
the same targets the report draws: not neutrality, with actuals and a base value). Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zerotrail.pipeline.dashboard import Chart, charted, pathway_chart
from zerotrail.pipeline.initiatives import abatement_year, attribution
from zerotrail.pipeline.roadmap import target_progress
from zerotrail.store.database import Workspace


@dataclass(frozen=True, slots=True)
class RoadmapView:
    year: int
    targets: list[dict[str, Any]]  # TargetProgress.to_dict() of each target in force
    charts: dict[str, Chart]  # by target id: only the targets the report charts
    initiatives: dict[str, Any]  # initiatives.attribution(ws, year)


def roadmap_view(ws: Workspace, year: int | None = None) -> RoadmapView:
    """The roadmap in `year` (else the latest calculated year, else this calendar year)."""
    shown = abatement_year(ws, year)
    targets = [p.to_dict() for p in target_progress(ws, shown)]
    charts = {t["id"]: pathway_chart(t) for t in targets if charted(t)}
    return RoadmapView(shown, targets, charts, attribution(ws, shown))
