"""Reads of the stored meter readings and cooling history, for the energy imports.

Where it sits: store, read by `ingest/energy.py` (overlap and change checks); the imports write
through `store/imports.py`. The energy report's reads are `store/energy_reads.py`.
"""

from __future__ import annotations

from datetime import date

from zerotrail.store.database import Workspace

# site, period start, period end, facility MWh, IT MWh, on-site renewable MWh
Reading = tuple[str, date, date, float, float | None, float | None]


def _float(value: object) -> float | None:
    return None if value is None else float(str(value))


def stored_readings(ws: Workspace) -> dict[str, list[Reading]]:
    """site -> its stored meter readings."""
    stored: dict[str, list[Reading]] = {}
    for s, a, b, fac, it_, on in ws.fetchall(
        "SELECT site, period_start, period_end, facility_mwh, it_mwh, onsite_renewable_mwh"
        " FROM meter_readings"
    ):
        stored.setdefault(str(s), []).append((str(s), a, b, float(fac), _float(it_), _float(on)))
    return stored


def stored_cooling(ws: Workspace) -> dict[tuple[str, date], tuple[str, str | None]]:
    """(site, since) -> (technology, note) of every stored cooling row."""
    return {
        (str(s), d): (str(t), None if n is None else str(n))
        for s, d, t, n in ws.fetchall("SELECT site, since, technology, note FROM site_cooling")
    }
