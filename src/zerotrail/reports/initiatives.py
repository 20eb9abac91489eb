"""Reduction initiatives against the inventory: expected and realized abatement.

Where it sits: reports, turning the initiatives ingest/initiatives.py imported (latest version
of each, read by store/initiative_reads.py) and the market-based emissions of their sites in
the years' current runs into the figures of `zerotrail initiatives` and the report. Pure: the
stage reads the emissions `emissions_needed` names and passes them in.

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

from collections.abc import Mapping, Sequence
from typing import Any

from zerotrail.errors import ZerotrailError

# The market-based t CO2e of a set of sites in a year, keyed (sites, year); a key is absent
# when that year has no calculated inventory.
Emissions = Mapping[tuple[tuple[str, ...], int], float]


def sites_of(text: str) -> tuple[str, ...]:
    """An initiative's sites as stored (";"-separated) as a tuple."""
    return tuple(s for s in text.split(";") if s)


def _years(row: Mapping[str, Any], year: int) -> list[int]:
    start = int(row["start_year"])
    return [start - 1, year] if year >= start else [start - 1]


def emissions_needed(
    year: int, rows: Sequence[Mapping[str, Any]]
) -> set[tuple[tuple[str, ...], int]]:
    """Which (sites, year) emissions `initiatives(year, rows, ...)` needs (sites named only)."""
    return {
        (sites, y)
        for row in rows
        if (sites := sites_of(str(row["sites"])))
        for y in _years(row, year)
    }


def initiatives(
    year: int, rows: Sequence[Mapping[str, Any]], emissions: Emissions
) -> list[dict[str, Any]]:
    """The latest version of each initiative (`rows`) with its expected and realized abatement
    in `year`; `emissions` holds what `emissions_needed` named, where a run exists."""
    out = []
    for row in rows:
        sites = sites_of(str(row["sites"]))
        start = int(row["start_year"])
        expected = row["expected_t_per_year"]
        baseline_year = start - 1
        baseline = emissions.get((sites, baseline_year)) if sites else None
        now = emissions.get((sites, year)) if sites and year >= start else None
        out.append(
            {
                "initiative_id": row["initiative_id"],
                "version": int(row["version"]),
                "name": row["name"],
                "owner": row["owner"],
                "lever": row["lever"],
                "sites": list(sites),
                "start_year": start,
                "expected_t": float(expected) if year >= start else 0.0,
                "realized_t": None if baseline is None or now is None else baseline - now,
                "baseline_year": baseline_year,
                "baseline_t": baseline,
                "cost": None if row["cost"] is None else float(row["cost"]),
                "currency": row["currency"],
            }
        )
    return out


def versions(initiative_id: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every stored version of one initiative (`rows`, oldest first), sites as a list."""
    if not rows:
        raise ZerotrailError(f"no initiative {initiative_id!r}")
    return [{**r, "sites": list(sites_of(str(r["sites"])))} for r in rows]
