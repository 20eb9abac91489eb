"""A year's inventory as the figures targets and claims are measured on.

Where it sits: store, under the roadmap and claim stages (`pipeline/measures.py`), which make
`targets.recalc.Figures` of these sums. Read from the year's current calculation run. Scope 3 is
taken market-based (it differs from location-based only for purchased electricity inside Scope
3, such as leased data centres with certificates), so a market-based target boundary is
market-based throughout. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence

from zerotrail.store.database import Workspace

SCOPE_TOTALS = ("scope1", "scope2_location", "scope2_market", "scope3", "scope3_market")


def current_run_id(ws: Workspace, year: int) -> str | None:
    """The id of the year's current calculation run, None when the year was never calculated."""
    rows = ws.fetchall("SELECT run_id FROM runs WHERE year = ? AND current", [year])
    return str(rows[0][0]) if rows else None


def inventory_years(ws: Workspace) -> list[int]:
    """Every year with a current calculation run, in order."""
    return [
        int(y) for (y,) in ws.fetchall("SELECT DISTINCT year FROM runs WHERE current ORDER BY 1")
    ]


def scope_totals(ws: Workspace, run_id: str) -> dict[str, float]:
    """Scope 1, Scope 2 both ways and Scope 3 both ways of one run, t CO2e (SCOPE_TOTALS)."""
    row = ws.fetchall(
        """SELECT coalesce(sum(CASE WHEN scope = 1 THEN co2e_t END), 0),
                  coalesce(sum(CASE WHEN scope = 2 THEN co2e_t END), 0),
                  coalesce(sum(CASE WHEN scope = 2 THEN co2e_market_t END), 0),
                  coalesce(sum(CASE WHEN scope = 3 THEN co2e_t END), 0),
                  coalesce(sum(CASE WHEN scope = 3 THEN co2e_market_t END), 0)
           FROM results WHERE run_id = ?""",
        [run_id],
    )[0]
    return {k: float(v) for k, v in zip(SCOPE_TOTALS, row, strict=True)}


def scope3_by_category(ws: Workspace, run_id: str) -> dict[int, float]:
    """Market-based Scope 3 t CO2e of one run per category (results without one left out)."""
    return {
        int(c): float(v)
        for c, v in ws.fetchall(
            "SELECT category, sum(co2e_market_t) FROM results WHERE run_id = ? AND scope = 3"
            " GROUP BY category",
            [run_id],
        )
        if c is not None
    }


def supplier_coverage(
    ws: Workspace, run_id: str, year: int, basis: str, categories: Sequence[int]
) -> float | None:
    """Percent of the run's Scope 3 in `categories` bought from suppliers whose science-based
    target was validated by `year`: of market-based t CO2e (`basis` "emissions") or of the
    spend of spend-based records ("spend"). None when there is nothing to divide by."""
    by_spend = basis == "spend"
    covered, total = ws.fetchall(
        """SELECT coalesce(sum(CASE WHEN s.sbt_year <= ?
                                    THEN CASE WHEN ? THEN a.quantity ELSE r.co2e_market_t END
                               END), 0),
                  coalesce(sum(CASE WHEN ? THEN a.quantity ELSE r.co2e_market_t END), 0)
           FROM results r JOIN activities a
             ON a.record_id = r.record_id AND a.version = r.version
           LEFT JOIN suppliers s ON s.supplier = a.supplier
           WHERE r.run_id = ? AND r.scope = 3 AND list_contains(?, r.category)
             AND (NOT ? OR r.method = 'spend-based')""",
        [year, by_spend, by_spend, run_id, list(categories), by_spend],
    )[0]
    return None if not total else 100.0 * float(covered) / float(total)
