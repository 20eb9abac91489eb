"""Reading what targets and claims are measured on: the register, base years and yearly figures.

Where it sits: pipeline, shared by the roadmap stage (`pipeline/roadmap.py`: progress, checks,
base years) and the claim stage (`pipeline/claims.py`). Everything here reads through `store/`
and returns values of `targets/` (`StoredTarget`, `Version`, `Figures`, `Measures`); nothing here
writes, so the read-only stages (progress, a claim preview) stay read-only.
"""

from __future__ import annotations

from collections.abc import Iterable

from zerotrail.pipeline.energy import renewable_share
from zerotrail.store import baseyear as store_baseyear
from zerotrail.store import figures as store_figures
from zerotrail.store.database import Workspace
from zerotrail.store.metrics import stored_metrics
from zerotrail.store.targets import target_rows
from zerotrail.targets.baseyear import Version, latest_figures, version_from_row
from zerotrail.targets.progress import Measures, measured_years
from zerotrail.targets.recalc import Figures
from zerotrail.targets.register import StoredTarget, existing, latest, stored_from_row
from zerotrail.targets.roadmap import ALL_CATEGORIES, Target

# --- the register ------------------------------------------------------------------------------


def target_versions(ws: Workspace, target_id: str) -> list[StoredTarget]:
    """Every version of one target; TargetError when there is none."""
    return list(existing(target_id, [stored_from_row(r) for r in target_rows(ws, target_id)]))


def latest_targets(ws: Workspace, *, include_withdrawn: bool = False) -> list[StoredTarget]:
    """The latest version of every target (active ones only unless asked)."""
    stored = (stored_from_row(r) for r in target_rows(ws))
    return latest(stored, include_withdrawn=include_withdrawn)


# --- base years and inventories ----------------------------------------------------------------


def inventory_figures(ws: Workspace, year: int) -> Figures | None:
    """The figures of `year`'s current run, or None when the year has no inventory."""
    run_id = store_figures.current_run_id(ws, year)
    if run_id is None:
        return None
    t = store_figures.scope_totals(ws, run_id)
    return Figures(
        scope1=t["scope1"],
        scope2_location=t["scope2_location"],
        scope2_market=t["scope2_market"],
        scope3=store_figures.scope3_by_category(ws, run_id),
    )


def base_year_versions(ws: Workspace, base_year: int) -> list[Version]:
    """Every recorded version of a base year's figures, oldest first."""
    return [version_from_row(r) for r in store_baseyear.version_rows(ws, base_year)]


def base_figures(ws: Workspace, base_year: int) -> tuple[Figures, int | None] | None:
    """The base year's figures and version (None version: not recorded, from the inventory)."""
    versions = base_year_versions(ws, base_year)
    return latest_figures(versions, None if versions else inventory_figures(ws, base_year))


# --- what progress is measured on ---------------------------------------------------------------


def _renewable(ws: Workspace, year: int) -> dict[str, float | None]:
    """Site kind -> renewable share of its electricity in a year with an inventory, percent."""
    rows = renewable_share(ws, year)
    return {str(r["site_kind"]): r["share_pct"] for r in rows if r["site_kind"] is not None}


def read_measures(ws: Workspace, targets: Iterable[Target], year: int) -> Measures:
    """Everything the progress of `targets` in `year` is measured on, read once.

    Only what the targets ask for is read: the inventories of the years from their base years
    to `year`, the metrics, and per year the renewable shares or supplier coverage the
    renewable and supplier targets need (renewable shares as the energy stage computes them).
    """
    todo = list(targets)
    runs = {y: store_figures.current_run_id(ws, y) for y in store_figures.inventory_years(ws)}
    years = {year} | {y for t in todo for y in measured_years(t, year)}
    figures = {
        y: f for y in sorted(years & runs.keys()) if (f := inventory_figures(ws, y)) is not None
    }
    base_years = {t.base_year for t in todo if t.base_year is not None}
    base = {by: found for by in sorted(base_years) if (found := base_figures(ws, by)) is not None}
    stored = stored_metrics(ws)
    units: dict[str, str] = {}
    for (metric, _year), (_value, unit) in sorted(stored.items()):
        units.setdefault(metric, unit)  # one unit per metric; the earliest year's if several
    renewable: dict[tuple[str, int], float | None] = {}
    supplier: dict[tuple[str, int], float | None] = {}
    shares_by_year: dict[int, dict[str, float | None]] = {}
    for t in todo:
        for y in measured_years(t, year):
            run_id = runs.get(y)
            if run_id is None:
                continue
            if t.kind == "renewable_share" and t.site_kind is not None:
                if y not in shares_by_year:
                    shares_by_year[y] = _renewable(ws, y)
                renewable[(t.site_kind, y)] = shares_by_year[y].get(t.site_kind)
            elif t.kind == "supplier_engagement":
                cats = (t.boundary.scope3_categories if t.boundary else ()) or ALL_CATEGORIES
                supplier[(t.id, y)] = store_figures.supplier_coverage(
                    ws, run_id, y, t.basis or "emissions", cats
                )
    return Measures(
        figures=figures,
        base=base,
        metrics={k: v for k, (v, _unit) in stored.items()},
        metric_units=units,
        renewable=renewable,
        supplier=supplier,
    )
