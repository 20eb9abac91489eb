"""Energy figures: renewable share by site kind, and data centres (PUE, cooling, renewables).

Where it sits: reports, turning values read by store/energy_reads.py (grid electricity and the
instrument-covered renewable MWh the engine matched in market and period, from the `results` of
a year's current run; the meter readings and cooling history imported by ingest/energy.py) into
the figures of `zerotrail energy` and the report. Pure: no database, no clock.

Renewable share = (instrument-covered renewable MWh + on-site renewable MWh)
                  / (grid electricity MWh + on-site renewable MWh) × 100.
Grid MWh are as the run consolidated them (scaled by the consolidation share); on-site
generation comes from the meter readings of the site, which are whole-site figures.

PUE (power usage effectiveness) = facility energy / IT energy, summed over the readings that
carry IT energy (a reading without IT energy says nothing about the ratio).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any


def _share(renewable: float, total: float) -> float | None:
    return renewable / total * 100 if total > 0 else None


def renewable_share(
    grid: Mapping[str, tuple[float, float]], onsite: Mapping[str, float]
) -> list[dict[str, Any]]:
    """Per site kind: grid, certificate-covered and on-site renewable MWh and the share.

    `grid`: per site kind ("" without a site), the run's electricity MWh and the certificate-
    covered MWh among them; `onsite`: per site kind, the on-site renewable MWh of the year.
    """
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


def data_centres(
    year: int,
    sites: Sequence[tuple[str, Any, Any, Any]],
    meters: Mapping[str, tuple[float | None, float | None, float | None, float]],
    cooling: Mapping[str, Sequence[Mapping[str, str]]],
    grid: Mapping[str, tuple[float, float]] | None,
) -> list[dict[str, Any]]:
    """Each data-centre site: the year's energy, PUE, cooling and renewable share.

    `sites`: (site, name, kind, region) of the data centres; `meters`: per site, the year's
    facility MWh, IT MWh, PUE and on-site renewable MWh; `cooling`: per site, its technologies
    with their start dates, oldest first; `grid`: per site, the year's electricity and
    certificate-covered MWh, None when the year has no calculated inventory. Facility and IT
    energy are None when the site has no such reading in the year; the renewable figures are
    None without an inventory.
    """
    year_end = date(year, 12, 31).isoformat()
    out = []
    for site, name, kind, region in sites:
        facility, it, pue, own = meters.get(site, (None, None, None, 0.0))
        history = [dict(c) for c in cooling.get(site, [])]
        in_force = [c["technology"] for c in history if c["since"] <= year_end]
        grid_mwh, certificate = (grid or {}).get(site, (0.0, 0.0))
        out.append(
            {
                "site": site,
                "name": name,
                "kind": kind,
                "region": region,
                "facility_mwh": facility,
                "it_mwh": it,
                "pue": pue,
                "cooling": in_force[-1] if in_force else None,
                "cooling_history": history,
                "grid_mwh": None if grid is None else grid_mwh,
                "onsite_renewable_mwh": own,
                "certificate_mwh": None if grid is None else certificate,
                "renewable_share_pct": (
                    None if grid is None else _share(certificate + own, grid_mwh + own)
                ),
            }
        )
    return out
