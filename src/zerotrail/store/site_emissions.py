"""Reading a run's emissions per site (market-based, every scope), for the sites asked about.

Where it sits: store, under the energy stage (pipeline/energy.py), whose IT-load intensity
divides the data centres' emissions by their IT energy. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence

from zerotrail.store.database import Workspace


def market_t_by_site(ws: Workspace, run_id: str, sites: Sequence[str]) -> dict[str, float]:
    """Per site of `sites` with results in the run: t CO2e market-based, all scopes."""
    return {
        str(s): float(t or 0)
        for s, t in ws.fetchall(
            "SELECT site, sum(co2e_market_t) FROM results"
            " WHERE run_id = ? AND site IN (SELECT unnest(?)) GROUP BY site",
            [run_id, list(sites)],
        )
    }
