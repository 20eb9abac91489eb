"""What a year's stored calculation holds, as values: its run, and its results grouped.

Where it sits: model, between the store and the reports. `store/inventory.py` reads these from
the workspace; `reports/inventory.py` turns them into the inventory's figures; the pipeline
hands them from one to the other, so the reports never touch the database.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CurrentRun:
    """The calculation run whose results are a year's inventory now."""

    run_id: str
    year: int
    gwp_set: str
    consolidation: str
    problems: int  # records that could not be calculated


@dataclass(frozen=True, slots=True)
class GasSums:
    """One gas family summed over some results: tonnes of the gas and their t CO2e."""

    family: str  # co2, ch4, ... as the engine names them
    mass_t: float
    co2e_t: float


@dataclass(frozen=True, slots=True)
class ResultGroup:
    """Sums over a run's per-record results that share scope, category, site kind and flags.

    A year's inventory is a few hundred of these at most, whatever its number of records, so
    every headline figure is a sum over groups rather than another pass over the records.
    """

    scope: int
    category: int | None
    site_kind: str  # "" for records without a site
    flags: str  # ";"-separated, "" for none
    records: int
    co2e_t: float
    co2e_market_t: float
    biogenic_co2_t: float
    dq_weighted_t: float | None  # sum of data-quality score x t CO2e; None when unscored
    electricity_records: int  # records with MWh > 0
    mwh: float
    renewable_mwh: float
    gases: tuple[GasSums, ...]
    unsplit_t: float  # t CO2e reported as CO2e only, not split by gas
