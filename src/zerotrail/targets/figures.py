"""A year's inventory as the figures targets are measured on (scopes, Scope 3 by category).

Read from the year's current calculation run. Scope 3 is taken market-based (it differs from
location-based only for purchased electricity inside Scope 3, such as leased data centres with
certificates), so a market-based target boundary is market-based throughout.
"""

from __future__ import annotations

from zerotrail.store.workspace import Workspace
from zerotrail.targets.recalc import Figures


def run_of(ws: Workspace, year: int) -> str | None:
    rows = ws.fetchall("SELECT run_id FROM runs WHERE year = ? AND current", [year])
    return str(rows[0][0]) if rows else None


def scope_totals(ws: Workspace, run_id: str) -> dict[str, float]:
    """Scope 1, Scope 2 both ways and Scope 3 both ways of one run, t CO2e."""
    row = ws.fetchall(
        """SELECT coalesce(sum(CASE WHEN scope = 1 THEN co2e_t END), 0),
                  coalesce(sum(CASE WHEN scope = 2 THEN co2e_t END), 0),
                  coalesce(sum(CASE WHEN scope = 2 THEN co2e_market_t END), 0),
                  coalesce(sum(CASE WHEN scope = 3 THEN co2e_t END), 0),
                  coalesce(sum(CASE WHEN scope = 3 THEN co2e_market_t END), 0)
           FROM results WHERE run_id = ?""",
        [run_id],
    )[0]
    keys = ("scope1", "scope2_location", "scope2_market", "scope3", "scope3_market")
    return {k: float(v) for k, v in zip(keys, row, strict=True)}


def year_figures(ws: Workspace, year: int) -> Figures | None:
    """The figures of `year`'s current run, or None when the year has no inventory."""
    run_id = run_of(ws, year)
    if run_id is None:
        return None
    t = scope_totals(ws, run_id)
    cats = ws.fetchall(
        "SELECT category, sum(co2e_market_t) FROM results WHERE run_id = ? AND scope = 3"
        " GROUP BY category",
        [run_id],
    )
    return Figures(
        scope1=t["scope1"],
        scope2_location=t["scope2_location"],
        scope2_market=t["scope2_market"],
        scope3={int(c): float(v) for c, v in cats if c is not None},
    )


def inventory_years(ws: Workspace) -> list[int]:
    return [
        int(y) for (y,) in ws.fetchall("SELECT DISTINCT year FROM runs WHERE current ORDER BY 1")
    ]
