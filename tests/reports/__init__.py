"""One tiny company, calculated for 2022 and 2023, that the report tests read.

Entity E (China) with a campus HZ and two data centres (DC1 owned, DC2 leased, both under its
operational control) and an office OFF with rooftop solar only. Grid factors (MEE/NBS, shipped):
East China 2023 location 0.5500 t/MWh; China's residual-like mix ("national average excluding
market-traded non-fossil") 2022 0.5856 and 2023 0.6096 t/MWh, which market-based Scope 2 uses
for whatever retired certificates do not cover. SF6 AR5 GWP 23,500.

Market-based emissions (co2e_market_t) per site:
  2022  HZ   1,000 MWh x 0.5856 = 585.60 + 1 kg SF6 23.50 = 609.10
        DC1  1,400 MWh x 0.5856 = 819.84
  2023  HZ   (1,000 - 300 GEC) MWh x 0.6096 = 426.72 + 23.50 = 450.22
        DC1  (1,200 - 600 GEC) MWh x 0.6096 = 365.76
        DC2    100 MWh x 0.6096 = 60.96
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.engines.conftest import load, write_csv
from zerotrail.engine.settings import InventorySettings
from zerotrail.ingest.energy import import_cooling, import_meters
from zerotrail.pipeline.calculation import calculate
from zerotrail.store.workspace import Workspace

SITES = [
    {"site": "HZ", "entity": "E", "kind": "campus", "region": "CN-EAST", "name": "Hangzhou"},
    {"site": "DC1", "entity": "E", "kind": "data_center_owned", "region": "CN-EAST"},
    {"site": "DC2", "entity": "E", "kind": "data_center_leased", "region": "CN-NORTH"},
    {"site": "OFF", "entity": "E", "kind": "office", "region": "CN-EAST"},
]


def act(
    rid: str, site: str | None, key: str, qty: float, unit: str, region: str, year: int
) -> dict[str, Any]:
    return {
        "record_id": rid,
        "entity": "E",
        "site": site,
        "period_start": f"{year}-01-01",
        "period_end": f"{year}-12-31",
        "activity": key,
        "quantity": qty,
        "unit": unit,
        "region": region,
    }


ACTIVITIES = [
    act("b1", "HZ", "electricity.grid", 1000, "MWh", "CN-EAST", 2022),
    act("b2", "HZ", "fugitive.SF6", 1, "kg", "CN", 2022),
    act("b3", "DC1", "electricity.grid", 1400, "MWh", "CN-EAST", 2022),
    act("a1", "HZ", "electricity.grid", 1000, "MWh", "CN-EAST", 2023),
    act("a2", "HZ", "fugitive.SF6", 1, "kg", "CN", 2023),
    act("a3", "DC1", "electricity.grid", 1200, "MWh", "CN-EAST", 2023),
    act("a4", "DC2", "electricity.grid", 100, "MWh", "CN-NORTH", 2023),
    act("a5", None, "electricity.grid", 50, "MWh", "CN-EAST", 2023),  # no site: no kind
]


def gec(iid: str, site: str, mwh: float) -> dict[str, Any]:
    return {
        "instrument_id": iid,
        "type": "GEC",
        "mwh": mwh,
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "region": "CN",
        "site": site,
        "status": "retired",
        "retired_on": "2024-01-15",
    }


INSTRUMENTS = [gec("g-hz", "HZ", 300), gec("g-dc1", "DC1", 600)]


def reading(
    site: str, start: str, end: str, facility: float, it: Any = "", onsite: Any = ""
) -> dict[str, Any]:
    return {
        "site": site,
        "period_start": start,
        "period_end": end,
        "facility_mwh": facility,
        "it_mwh": it,
        "onsite_renewable_mwh": onsite,
    }


METERS = [
    reading("DC1", "2022-01-01", "2022-12-31", 1400, 1000),
    reading("DC1", "2023-01-01", "2023-06-30", 650, 500, 50),
    reading("DC1", "2023-07-01", "2023-12-31", 650, 500, 50),
    reading("DC2", "2023-01-01", "2023-06-30", 60, 40),
    reading("DC2", "2023-07-01", "2023-12-31", 40),  # no IT energy: not part of the PUE
    reading("HZ", "2023-01-01", "2023-12-31", 1050, "", 50),
    reading("OFF", "2023-01-01", "2023-12-31", 20, "", 20),
]

COOLING = [
    {"site": "DC1", "since": "2019-05-01", "technology": "air"},
    {"site": "DC1", "since": "2023-07-01", "technology": "free_cooling"},
    {"site": "DC1", "since": "2024-03-01", "technology": "liquid_cooling"},
    {"site": "DC2", "since": "2023-12-31", "technology": "immersion"},
]


def fill_company(ws: Workspace, tmp: Path) -> None:
    """Import the company into `ws` (the shipped factors loaded) and calculate 2022 and 2023
    (AR5): a `workspace_template` fill (tests/conftest.py), built once per test process."""
    load(ws, tmp, activities=ACTIVITIES, sites=SITES, instruments=INSTRUMENTS)
    import_meters(ws, write_csv(tmp / "meters.csv", METERS))
    import_cooling(ws, write_csv(tmp / "cooling.csv", COOLING))
    for year in (2022, 2023):
        # Strict: each year takes its own residual mix. 2022's (0.5856) rests on a single
        # source, so the nearest policy would prefer the verified 2023 edition instead.
        calculate(ws, InventorySettings(year, "AR5", factor_policy="strict"))


def build(tmp: Path, templates: Callable[..., Path]) -> Path:
    """The company's workspace, calculated for 2022 and 2023 (AR5), as tmp/company.duckdb;
    returns its path. `templates` is the `workspace_template` fixture: the company is built
    once per test process and copied (three test files start from it)."""
    path = tmp / "company.duckdb"
    shutil.copyfile(templates(fill_company), path)
    return path
