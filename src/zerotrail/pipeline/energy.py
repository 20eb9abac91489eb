"""The energy stage: renewable share by site kind, data centres, the energy mix and IT load.

Where it sits: pipeline, after `calculation` (the grid electricity and the fuels are the year's
calculated inventory's) and the meter and cooling imports. It reads through
store/energy_reads.py, store/energy_use.py and store/site_emissions.py and computes in
reports/energy.py; it writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zerotrail.errors import ZerotrailError
from zerotrail.ingest.energy import DATA_CENTRE_KINDS
from zerotrail.pipeline.inventory import current_run
from zerotrail.reports import energy as figures
from zerotrail.store import energy_reads as read
from zerotrail.store import energy_use, site_emissions
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


def energy_mix(ws: Workspace, year: int) -> dict[str, Any]:
    """The year's energy consumption in MWh by source, with its renewable share
    (reports/energy.py `energy_mix`); ZerotrailError when the year has no calculated inventory."""
    run = current_run(ws, year)
    return figures.energy_mix(
        energy_use.energy_records(ws, run.run_id),
        energy_use.heat_contents(ws),
        energy_use.onsite_generation(ws, year, run.run_id),
    )


def it_load(ws: Workspace, runs: Sequence[tuple[int, str]]) -> list[tuple[int, float, float, int]]:
    """Per (year, run id): the IT energy of the data centres with IT readings in the year (MWh,
    as metered), their emissions in the run (t CO2e, every scope, market-based) and how many
    they are. Years without such a data centre are left out."""
    sites = [s for s, *_ in read.sites_of_kinds(ws, DATA_CENTRE_KINDS)]
    out = []
    for year, run_id in runs:
        meters = read.meters_by_site(ws, year)
        it = {s: meters[s][1] for s in sites if s in meters and meters[s][1]}
        if not it:
            continue
        t = site_emissions.market_t_by_site(ws, run_id, sorted(it))
        out.append((year, sum(v or 0.0 for v in it.values()), sum(t.values()), len(it)))
    return out
