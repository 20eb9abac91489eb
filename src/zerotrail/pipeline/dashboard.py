"""The web dashboard's figures: every calculated year's scopes, and the latest year's Scope 3
by category, each with its Vega-Lite chart (the wide and the phone variant).

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
from zerotrail.pipeline.inventory import inventory_summary
from zerotrail.reports.charts import NARROW, WIDTH, emissions_by_scope
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


def _chart(draw: Any, *args: Any, **kw: Any) -> Chart:
    """Both variants, or the reason the figures cannot be drawn (a negative figure, which spend
    corrections can make: the table beside the chart still shows it)."""
    try:
        return Chart(draw(*args, width=WIDTH, **kw), draw(*args, width=NARROW, **kw))
    except ChartError as exc:
        return Chart(None, None, str(exc))


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
    return Dashboard(years, latest["year"], categories, charts, part)
