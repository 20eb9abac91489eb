"""The web dashboard's figures: every calculated year's scopes, and the latest year's Scope 3
by category, each with its Vega-Lite chart (the wide and the phone variant); for the whole
organization also the latest year's Scope 1 + 2 targets against their pathway, the renewable
share of electricity per site kind and each data centre's PUE.

Where it sits: pipeline, called by the team server's pages (server/web.py). The figures are the
inventory stage's own (`inventory_summary` of each year's current run, as `zerotrail inventory`
prints them); the scopes chart is the report's (`reports.charts.emissions_by_scope`), the
Scope 3 chart a small one beside it (reports/dashboard_charts.py). Reads only.

Given an entity set (an owner's, pipeline/isolation.py), every figure is the inventory stage's
own over those entities' records only (`inventory_summary(ws, year, entities)`): their part of
each year, never the organization's total; `Dashboard.entities` names them for the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zerotrail.errors import ChartError
from zerotrail.model.keys import SCOPE3_CATEGORIES
from zerotrail.pipeline.calculation import RUN_FIGURES
from zerotrail.pipeline.energy import data_centres, renewable_share
from zerotrail.pipeline.inventory import inventory_summary
from zerotrail.pipeline.roadmap import list_targets, target_progress
from zerotrail.reports.charts import NARROW, WIDTH, emissions_by_scope, target_pathway
from zerotrail.reports.charts import renewable_share as renewable_share_chart
from zerotrail.reports.dashboard_charts import scope3_by_category
from zerotrail.store.database import Workspace
from zerotrail.store.inventory import current_runs

# Each year's figures the dashboard shows, t CO2e, in the inventory's own keys: those a run
# commits, but biogenic CO2 (reported apart from the scopes).
YEAR_KEYS = tuple(k for k in RUN_FIGURES if k != "biogenic_co2")


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart's two Vega-Lite specs (None when it cannot be drawn, with the reason)."""

    wide: dict[str, Any] | None
    narrow: dict[str, Any] | None
    not_drawn: str = ""


@dataclass(frozen=True, slots=True)
class Dashboard:
    years: list[dict[str, Any]]  # year, run_id, gwp_set and YEAR_KEYS, by year
    latest: int | None
    categories: list[dict[str, Any]]  # the latest year's: category, name, t (all 15)
    charts: dict[str, Chart] = field(default_factory=dict)
    entities: list[str] | None = None  # whose part the figures are; None: the organization's
    # The organization's only (empty for an entities' part: targets and energy are not split
    # by entity): the latest year's Scope 1 + 2 targets (TargetProgress.to_dict()), the
    # renewable share per site kind, and each data centre's energy and PUE.
    pathways: list[dict[str, Any]] = field(default_factory=list)
    renewables: list[dict[str, Any]] = field(default_factory=list)
    data_centres: list[dict[str, Any]] = field(default_factory=list)


def _chart(draw: Any, *args: Any, **kw: Any) -> Chart:
    """Both variants, or the reason the figures cannot be drawn (a negative figure, which spend
    corrections can make: the table beside the chart still shows it)."""
    try:
        return Chart(draw(*args, width=WIDTH, **kw), draw(*args, width=NARROW, **kw))
    except ChartError as exc:
        return Chart(None, None, str(exc))


def charted(progress: dict[str, Any]) -> bool:
    """Whether the report draws a pathway for this target (reports/html.py `chart_specs`)."""
    return (
        progress["kind"] != "neutrality"
        and bool(progress.get("history"))
        and progress.get("base_value") is not None
    )


def pathway_chart(progress: dict[str, Any]) -> Chart:
    """Both variants of the target's pathway chart, or why it cannot be drawn (the chart
    refuses figures it cannot show truthfully, such as a base year after the target year)."""
    try:
        return Chart(target_pathway(progress, width=WIDTH), target_pathway(progress, width=NARROW))
    except ValueError as exc:  # ChartError is a ValueError too
        return Chart(None, None, str(exc))


def _scope12_targets(ws: Workspace) -> set[str]:
    """Ids of the targets whose boundary is Scope 1 and Scope 2 and nothing else."""
    return {
        s.target.id
        for s in list_targets(ws)
        if s.target.boundary is not None and sorted(s.target.boundary.scopes) == [1, 2]
    }


def _organization_extras(ws: Workspace, year: int, charts: dict[str, Chart]) -> dict[str, Any]:
    """The year's Scope 1 + 2 pathways, renewable shares and data centres, adding their charts
    to `charts` (`pathway:ID`, `renewables`)."""
    ids = _scope12_targets(ws)
    every = [p.to_dict() for p in target_progress(ws, year)]
    pathways = [t for t in every if t["id"] in ids and charted(t)]
    for t in pathways:
        charts[f"pathway:{t['id']}"] = pathway_chart(t)
    shares = renewable_share(ws, year)
    goals = [
        {"site_kind": t["site_kind"], "target_value": t["target_value"], "name": t["name"]}
        for t in every
        if t["kind"] == "renewable_share" and t.get("site_kind") and t["target_value"] is not None
    ]
    drawn = [r for r in shares if r.get("share_pct") is not None]
    if drawn:
        charts["renewables"] = _chart(renewable_share_chart, drawn, goals)
    return {"pathways": pathways, "renewables": shares, "data_centres": data_centres(ws, year)}


def dashboard(ws: Workspace, entities: frozenset[str] | None = None) -> Dashboard:
    """The dashboard of the workspace (of `entities`' part when given): empty (no years)
    before the first calculation."""
    years = []
    part = None if entities is None else sorted(entities)
    summaries = [inventory_summary(ws, run.year, entities) for run in current_runs(ws)]
    for s in summaries:
        years.append(
            {"year": s["year"], "run_id": s["run_id"], "gwp_set": s["gwp_set"]}
            | {k: float(s[k]) for k in YEAR_KEYS}
        )
    if not summaries:
        return Dashboard([], None, [], entities=part)
    latest = summaries[-1]
    categories: list[dict[str, Any]] = [
        {"category": c, "name": name, "t": float(latest["scope3_by_category"][str(c)])}
        for c, name in SCOPE3_CATEGORIES.items()
    ]
    charts = {"scopes": _chart(emissions_by_scope, years)}
    if any(c["t"] > 0 for c in categories):
        charts["scope3"] = _chart(scope3_by_category, categories, year=latest["year"])
    extras = {} if entities is not None else _organization_extras(ws, latest["year"], charts)
    return Dashboard(years, latest["year"], categories, charts, part, **extras)
