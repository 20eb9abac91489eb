"""Reduction initiatives against the inventory: expected and realized abatement.

Where it sits: reports, reading the initiatives imported by ingest/initiatives.py (latest
version of each) and the `results` view of the years' current runs.

Expected abatement in a year is the initiative's expected t CO2e per year once it has started
(year >= start_year), else 0. Realized abatement is estimated from the sites it acts on:

    baseline_t = the sites' market-based emissions (co2e_market_t, all scopes) in
                 start_year - 1, from that year's current run
    realized_t = baseline_t - the sites' market-based emissions in the year

The estimate attributes every change at those sites (growth, other initiatives, grid factors)
to the initiative, so it is a first indication, not a measurement. It is None when either run
is missing, when the initiative names no sites, or before the initiative starts.
"""

from __future__ import annotations

from typing import Any

from zerotrail.errors import ZerotrailError
from zerotrail.store.workspace import Workspace

_COLUMNS = (
    "initiative_id, version, name, owner, lever, sites, start_year, expected_t_per_year,"
    " cost, currency, description, import_id"
)


def _sites(text: str) -> list[str]:
    return [s for s in text.split(";") if s]


class _Emissions:
    """Market-based emissions of sets of sites per year, from each year's current run."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.runs = {
            int(y): str(r) for y, r in ws.fetchall("SELECT year, run_id FROM runs WHERE current")
        }

    def of(self, sites: list[str], year: int) -> float | None:
        run_id = self.runs.get(year)
        if run_id is None or not sites:
            return None
        return float(
            self.ws.scalar(
                "SELECT coalesce(sum(co2e_market_t), 0) FROM results"
                " WHERE run_id = ? AND site IN (SELECT unnest(?))",
                [run_id, sites],
            )
        )


def initiatives(ws: Workspace, year: int) -> list[dict[str, Any]]:
    """The latest version of each initiative with its expected and realized abatement."""
    emissions = _Emissions(ws)
    out = []
    for row in ws.fetchall(
        f"""SELECT {_COLUMNS} FROM initiatives i
            WHERE version = (SELECT max(version) FROM initiatives j
                             WHERE j.initiative_id = i.initiative_id)
            ORDER BY initiative_id"""
    ):
        iid, version, name, owner, lever, sites_text, start, expected, cost, currency = row[:10]
        sites = _sites(str(sites_text))
        baseline_year = int(start) - 1
        baseline = emissions.of(sites, baseline_year)
        now = emissions.of(sites, year) if year >= start else None
        out.append(
            {
                "initiative_id": iid,
                "version": int(version),
                "name": name,
                "owner": owner,
                "lever": lever,
                "sites": sites,
                "start_year": int(start),
                "expected_t": float(expected) if year >= start else 0.0,
                "realized_t": None if baseline is None or now is None else baseline - now,
                "baseline_year": baseline_year,
                "baseline_t": baseline,
                "cost": None if cost is None else float(cost),
                "currency": currency,
            }
        )
    return out


def versions(ws: Workspace, initiative_id: str) -> list[dict[str, Any]]:
    """Every stored version of one initiative, oldest first, with the import that brought it."""
    cur = ws.execute(
        f"SELECT {_COLUMNS} FROM initiatives WHERE initiative_id = ? ORDER BY version",
        [initiative_id],
    )
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    if not rows:
        raise ZerotrailError(f"no initiative {initiative_id!r}")
    for r in rows:
        r["sites"] = _sites(str(r["sites"]))
    return rows
