"""Reading the energy figures of a year: grid and renewable MWh, meter readings, cooling.

Where it sits: store, under the energy stage (pipeline/energy.py) and the report stage, which
hand what is read here to `reports/energy.py` as values. Grid electricity comes from the
`results` view of the year's current run (as the run consolidated it); meter readings and
cooling history are as ingest/energy.py imported them. A reading lies within one calendar year
(ingest/energy.py), so its start decides the year. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from zerotrail.store.database import Workspace


def _bounds(year: int) -> list[date]:
    return [date(year, 1, 1), date(year, 12, 31)]


def grid_by_site_kind(ws: Workspace, run_id: str) -> dict[str, tuple[float, float]]:
    """Per site kind ("" without a site): the run's electricity MWh and the instrument-covered
    renewable MWh among them."""
    return {
        str(k): (float(m or 0), float(r or 0))
        for k, m, r in ws.fetchall(
            "SELECT coalesce(site_kind, ''), sum(mwh), sum(renewable_mwh) FROM results"
            " WHERE run_id = ? AND (mwh > 0 OR renewable_mwh > 0) GROUP BY 1",
            [run_id],
        )
    }


def onsite_by_site_kind(ws: Workspace, year: int) -> dict[str, float]:
    """Per site kind: the on-site renewable MWh metered in the year (kinds with some only)."""
    return {
        str(k): float(v or 0)
        for k, v in ws.fetchall(
            "SELECT s.kind, sum(m.onsite_renewable_mwh) FROM meter_readings m"
            " JOIN sites s USING (site) WHERE m.period_start BETWEEN ? AND ?"
            " GROUP BY 1 HAVING sum(m.onsite_renewable_mwh) > 0",
            _bounds(year),
        )
    }


def grid_by_site(ws: Workspace, run_id: str) -> dict[str, tuple[float, float]]:
    """Per site: the run's electricity MWh and the instrument-covered renewable MWh."""
    return {
        str(s): (float(m or 0), float(r or 0))
        for s, m, r in ws.fetchall(
            "SELECT site, sum(mwh), sum(renewable_mwh) FROM results"
            " WHERE run_id = ? AND site IS NOT NULL GROUP BY 1",
            [run_id],
        )
    }


def meters_by_site(
    ws: Workspace, year: int
) -> dict[str, tuple[float | None, float | None, float | None, float]]:
    """Per site with readings in the year: facility MWh, IT MWh, PUE and on-site renewable MWh.

    PUE = facility / IT energy over the readings that carry IT energy (a reading without IT
    energy says nothing about the ratio); None when none does.
    """
    return {
        str(s): (
            None if f is None else float(f),
            None if i is None else float(i),
            None if p is None else float(p),
            float(o),
        )
        for s, f, i, p, o in ws.fetchall(
            """SELECT site, sum(facility_mwh), sum(it_mwh),
                      sum(facility_mwh) FILTER (WHERE it_mwh IS NOT NULL)
                          / sum(it_mwh) FILTER (WHERE it_mwh IS NOT NULL),
                      coalesce(sum(onsite_renewable_mwh), 0)
               FROM meter_readings WHERE period_start BETWEEN ? AND ? GROUP BY site""",
            _bounds(year),
        )
    }


def cooling_history(ws: Workspace) -> dict[str, list[dict[str, str]]]:
    """Per site: its cooling technologies with the date each came into use, oldest first."""
    history: dict[str, list[dict[str, str]]] = {}
    for s, since, tech in ws.fetchall(
        "SELECT site, since, technology FROM site_cooling ORDER BY site, since"
    ):
        history.setdefault(str(s), []).append({"since": since.isoformat(), "technology": tech})
    return history


def sites_of_kinds(ws: Workspace, kinds: Iterable[str]) -> list[tuple[str, Any, Any, Any]]:
    """(site, name, kind, region) of every site of one of `kinds`, by site."""
    return [
        (str(s), n, k, r)
        for s, n, k, r in ws.fetchall(
            "SELECT site, name, kind, region FROM sites WHERE kind IN (SELECT unnest(?))"
            " ORDER BY site",
            [sorted(kinds)],
        )
    ]


def pue_by_year(ws: Workspace, site: str) -> dict[int, float] | None:
    """PUE of a site per calendar year with IT energy readings; None for an unknown site."""
    if ws.scalar("SELECT count(*) FROM sites WHERE site = ?", [site]) == 0:
        return None
    return {
        int(y): float(p)
        for y, p in ws.fetchall(
            "SELECT EXTRACT(YEAR FROM period_start) AS y, sum(facility_mwh) / sum(it_mwh)"
            " FROM meter_readings WHERE site = ? AND it_mwh IS NOT NULL GROUP BY y ORDER BY y",
            [site],
        )
    }
