"""The energy stage: renewable share by site kind and data centres, for a year.

Where it sits: pipeline, after `calculation` (the grid electricity is the year's calculated
inventory's) and the meter and cooling imports. It reads through store/energy_reads.py and
computes in reports/energy.py; it writes nothing.
"""

from __future__ import annotations

from typing import Any

from zerotrail.errors import ZerotrailError
from zerotrail.ingest.energy import DATA_CENTRE_KINDS
from zerotrail.pipeline.inventory import current_run
from zerotrail.reports import energy as figures
from zerotrail.store import energy_reads as read
from zerotrail.store.database import Workspace
from zerotrail.store.inventory import current_run as stored_run


def renewable_share(ws: Workspace, year: int) -> list[dict[str, Any]]:
    """Per site kind: grid, certificate-covered and on-site renewable MWh and the share;
    ZerotrailError when the year has no calculated inventory."""
    run = current_run(ws, year)
    return figures.renewable_share(
        read.grid_by_site_kind(ws, run.run_id), read.onsite_by_site_kind(ws, year)
    )


def data_centres(ws: Workspace, year: int) -> list[dict[str, Any]]:
    """Each data-centre site: the year's energy, PUE, cooling and renewable share (the
    renewable figures None when the year has no calculated inventory)."""
    run = stored_run(ws, year)
    return figures.data_centres(
        year,
        read.sites_of_kinds(ws, DATA_CENTRE_KINDS),
        read.meters_by_site(ws, year),
        read.cooling_history(ws),
        None if run is None else read.grid_by_site(ws, run.run_id),
    )


def pue_history(ws: Workspace, site: str) -> dict[int, float]:
    """PUE of a site per calendar year, for the years with IT energy readings."""
    found = read.pue_by_year(ws, site)
    if found is None:
        raise ZerotrailError(f"unknown site {site!r}")
    return found
