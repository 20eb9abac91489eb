"""Energy figures: renewable share by site kind, and data centres (PUE, cooling, renewables).

Where it sits: reports, reading the `results` view of a year's current run (grid electricity
and the instrument-covered renewable MWh the engine matched in market and period) and the meter
readings and cooling history imported by ingest/energy.py.

Renewable share = (instrument-covered renewable MWh + on-site renewable MWh)
                  / (grid electricity MWh + on-site renewable MWh) × 100.
Grid MWh are as the run consolidated them (scaled by the consolidation share); on-site
generation comes from the meter readings of the site, which are whole-site figures.

PUE (power usage effectiveness) = facility energy / IT energy, summed over the readings that
carry IT energy (a reading without IT energy says nothing about the ratio).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from zerotrail.errors import ZerotrailError
from zerotrail.ingest.energy import DATA_CENTRE_KINDS
from zerotrail.reports.inventory import current_run
from zerotrail.store.workspace import Workspace


def _bounds(year: int) -> tuple[date, date]:
    # A reading lies within one calendar year (ingest/energy.py), so its start decides the year.
    return date(year, 1, 1), date(year, 12, 31)


def _share(renewable: float, total: float) -> float | None:
    return renewable / total * 100 if total > 0 else None


def renewable_share(ws: Workspace, year: int) -> list[dict[str, Any]]:
    """Per site kind: grid, certificate-covered and on-site renewable MWh and the share."""
    run_id, *_ = current_run(ws, year)
    grid = {
        k: (float(m or 0), float(r or 0))
        for k, m, r in ws.fetchall(
            "SELECT coalesce(site_kind, ''), sum(mwh), sum(renewable_mwh) FROM results"
            " WHERE run_id = ? AND (mwh > 0 OR renewable_mwh > 0) GROUP BY 1",
            [run_id],
        )
    }
    onsite = {
        str(k): float(v or 0)
        for k, v in ws.fetchall(
            "SELECT s.kind, sum(m.onsite_renewable_mwh) FROM meter_readings m"
            " JOIN sites s USING (site) WHERE m.period_start BETWEEN ? AND ?"
            " GROUP BY 1 HAVING sum(m.onsite_renewable_mwh) > 0",
            [*_bounds(year)],
        )
    }
    out = []
    # Records without a site have no kind: listed last, as None.
    for kind in sorted(grid.keys() | onsite.keys(), key=lambda k: (k == "", k)):
        grid_mwh, certificate = grid.get(kind, (0.0, 0.0))
        own = onsite.get(kind, 0.0)
        renewable, total = certificate + own, grid_mwh + own
        out.append(
            {
                "site_kind": kind or None,
                "grid_mwh": grid_mwh,
                "onsite_renewable_mwh": own,
                "certificate_mwh": certificate,
                "renewable_mwh": renewable,
                "total_mwh": total,
                "share_pct": _share(renewable, total),
            }
        )
    return out


def data_centres(ws: Workspace, year: int) -> list[dict[str, Any]]:
    """Each data-centre site: the year's energy, PUE, cooling and renewable share.

    Facility and IT energy are None when the site has no such reading in the year; the
    renewable figures are None when the year has no calculated inventory.
    """
    runs = ws.fetchall("SELECT run_id FROM runs WHERE year = ? AND current", [year])
    run_id = str(runs[0][0]) if runs else None
    grid: dict[str, tuple[float, float]] = {}
    if run_id is not None:
        grid = {
            str(s): (float(m or 0), float(r or 0))
            for s, m, r in ws.fetchall(
                "SELECT site, sum(mwh), sum(renewable_mwh) FROM results"
                " WHERE run_id = ? AND site IS NOT NULL GROUP BY 1",
                [run_id],
            )
        }
    meters = {
        str(s): (None if f is None else float(f), None if i is None else float(i), p, float(o))
        for s, f, i, p, o in ws.fetchall(
            """SELECT site, sum(facility_mwh), sum(it_mwh),
                      sum(facility_mwh) FILTER (WHERE it_mwh IS NOT NULL)
                          / sum(it_mwh) FILTER (WHERE it_mwh IS NOT NULL),
                      coalesce(sum(onsite_renewable_mwh), 0)
               FROM meter_readings WHERE period_start BETWEEN ? AND ? GROUP BY site""",
            [*_bounds(year)],
        )
    }
    history: dict[str, list[dict[str, str]]] = {}
    for s, since, tech in ws.fetchall(
        "SELECT site, since, technology FROM site_cooling ORDER BY site, since"
    ):
        history.setdefault(str(s), []).append({"since": since.isoformat(), "technology": tech})
    year_end = date(year, 12, 31).isoformat()
    out = []
    for site, name, kind, region in ws.fetchall(
        "SELECT site, name, kind, region FROM sites WHERE kind IN (SELECT unnest(?)) ORDER BY site",
        [sorted(DATA_CENTRE_KINDS)],
    ):
        facility, it, pue, own = meters.get(site, (None, None, None, 0.0))
        cooling = history.get(site, [])
        in_force = [c["technology"] for c in cooling if c["since"] <= year_end]
        grid_mwh, certificate = grid.get(site, (0.0, 0.0))
        out.append(
            {
                "site": site,
                "name": name,
                "kind": kind,
                "region": region,
                "facility_mwh": facility,
                "it_mwh": it,
                "pue": None if pue is None else float(pue),
                "cooling": in_force[-1] if in_force else None,
                "cooling_history": cooling,
                "grid_mwh": None if run_id is None else grid_mwh,
                "onsite_renewable_mwh": own,
                "certificate_mwh": None if run_id is None else certificate,
                "renewable_share_pct": (
                    None if run_id is None else _share(certificate + own, grid_mwh + own)
                ),
            }
        )
    return out


def pue_history(ws: Workspace, site: str) -> dict[int, float]:
    """PUE of a site per calendar year, for the years with IT energy readings."""
    if ws.scalar("SELECT count(*) FROM sites WHERE site = ?", [site]) == 0:
        raise ZerotrailError(f"unknown site {site!r}")
    return {
        int(y): float(p)
        for y, p in ws.fetchall(
            "SELECT EXTRACT(YEAR FROM period_start) AS y, sum(facility_mwh) / sum(it_mwh)"
            " FROM meter_readings WHERE site = ? AND it_mwh IS NOT NULL GROUP BY y ORDER BY y",
            [site],
        )
    }
