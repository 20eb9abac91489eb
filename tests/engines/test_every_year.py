"""A UK office and a US plant report every year from 2019 to 2025 on the shipped library.

The office (site LDN, region GB) reports electricity, natural gas, T&D losses, car, rail and
long-haul air travel and hotel nights; the plant (site PIT, region US-RFCW) electricity,
natural gas, car travel, road freight and a computer purchase. Every year must calculate with no
problem record; each UK record takes the DESNZ edition of its own year, and each US record the
EPA Hub edition of its year where EPA published one (2021, 2023, 2024, 2025), else the nearest
(2019 and 2020: Hub 2021, the nearest later; 2022: Hub 2021, the nearest earlier), flagged
`edition_year_mismatch` with the factor's year beside the record's. Two figures are worked out
by hand from the publishers' files.

The seven years' records are one workspace on each engine, calculated year by year once for
the module's tests (`CASES`, calculated together); each year's run must read its own year's
records only.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.engines.conftest import Cases, RunCase
from zerotrail.engine.settings import InventorySettings

YEARS = range(2019, 2026)
SITES = [
    {"site": "LDN", "entity": "E", "kind": "office", "region": "GB"},
    {"site": "PIT", "entity": "E", "kind": "factory", "region": "US-RFCW"},
]
UK = [
    ("electricity.grid", 100, "MWh"),
    ("stationary_combustion.natural_gas", 500_000, "kWh"),
    ("fuel_energy.td_losses", 100_000, "kWh"),
    ("business_travel.car", 10_000, "vehicle-km"),
    ("business_travel.rail", 20_000, "passenger-km"),
    ("business_travel.air_long_haul", 50_000, "passenger-km"),
    ("business_travel.hotel", 120, "room-night"),
]
US = [
    ("electricity.grid", 2_000, "MWh"),
    ("stationary_combustion.natural_gas", 1_000, "mmBtu"),
    ("business_travel.car", 30_000, "vehicle-mile"),
    ("freight.truck", 100_000, "ton-mile"),
    ("spend.naics.334111", 250_000, "USD"),
]
EPA_EDITIONS = {2019: 2021, 2020: 2021, 2021: 2021, 2022: 2021, 2023: 2023, 2024: 2024, 2025: 2025}


def records(year: int) -> list[dict[str, Any]]:
    out = []
    for site, lines in (("LDN", UK), ("PIT", US)):
        for i, (key, qty, unit) in enumerate(lines):
            out.append(
                {
                    "record_id": f"{site}-{year}-{i}",
                    "entity": "E",
                    "site": site,  # no region: the site's is used
                    "period_start": f"{year}-01-01",
                    "period_end": f"{year}-12-31",
                    "activity": key,
                    "quantity": qty,
                    "unit": unit,
                    "scope3_category": "2" if key.startswith("spend.") else "",
                }
            )
    return out


CASES = Cases(together=True)
EVERY = {year: CASES.add(records(year), InventorySettings(year), sites=SITES) for year in YEARS}


def flags(r: dict[str, Any]) -> set[str]:
    return set(str(r["flags"]).split(";")) - {""}


@pytest.mark.parametrize("year", YEARS)
def test_each_year_calculates_its_own_records_and_no_other(run_case: RunCase, year: int) -> None:
    # The workspace holds the seven years' records, 12 a year (7 UK, 5 US): a year's run
    # calculates its 12, each without a problem, and reads no other year's.
    got = run_case(EVERY[year])
    assert got.unresolved == {}
    assert got.records.keys() == {r["record_id"] for r in records(year)}
    assert (got.run["records"], got.run["problems"]) == (len(UK) + len(US), 0)


@pytest.mark.parametrize("year", YEARS)
def test_the_uk_office_takes_desnz_of_its_own_year(run_case: RunCase, year: int) -> None:
    rows = [r for rid, r in run_case(EVERY[year]).records.items() if rid.startswith("LDN-")]
    assert len(rows) == len(UK)
    for r in rows:
        assert r["factor_set"] == f"desnz-{year}", r["record_id"]
        assert r["factor_year"] == year
        assert r["factor_verified"] is True
        assert "edition_year_mismatch" not in flags(r)
        assert r["co2e_t"] > 0


@pytest.mark.parametrize("year", YEARS)
def test_the_us_plant_takes_the_epa_edition_of_its_year_or_the_nearest(
    run_case: RunCase, year: int
) -> None:
    edition = EPA_EDITIONS[year]
    rows = {rid: r for rid, r in run_case(EVERY[year]).records.items() if rid.startswith("PIT-")}
    assert len(rows) == len(US)
    for rid, r in rows.items():
        if r["activity"].startswith("spend."):
            # USEEIO is not year-named: v1.2 from 2019, v1.3 from 2022, never a mismatch.
            assert r["factor_set"] == ("useeio-v1.2" if year < 2022 else "useeio-v1.3"), rid
            assert "edition_year_mismatch" not in flags(r)
            continue
        assert r["factor_set"] == f"epa-hub-{edition}", rid
        assert r["factor_year"] == edition
        assert ("edition_year_mismatch" in flags(r)) == (edition != year), rid
        assert r["factor_verified"] is True


def test_uk_2019_electricity_by_hand(run_case: RunCase) -> None:
    # BEIS 2019 flat file, UK electricity (generation): 0.2556 kg CO2e per kWh, of which
    # 0.25358 kg CO2; the rest, 0.00202 kg, is CH4 + N2O as CO2e in AR4 (BEIS's basis until 2022,
    # so an AR5 run flags the mismatch). 100 MWh = 25.358 t CO2 + 0.202 t = 25.56 t.
    r = run_case(EVERY[2019])["LDN-2019-0"]
    assert r["co2_t"] == pytest.approx(25.358)
    assert r["co2e_t"] == pytest.approx(25.56)
    assert "gwp_basis_mismatch" in flags(r)
    assert r["factor_region"] == "GB" and "site_region_used" not in flags(r)


def test_us_2023_natural_gas_is_epa_2023s(run_case: RunCase) -> None:
    # EPA Hub 2023 Table 1, natural gas: 53.06 kg CO2, 1 g CH4 and 0.1 g N2O per mmBtu (HHV, as
    # US mmBtu are). 1,000 mmBtu = 53.06 t CO2 + 1 kg CH4 x 28 + 0.1 kg N2O x 265 (AR5)
    # = 53.06 + 0.028 + 0.0265 = 53.1145 t: no heat-basis conversion, no IPCC fallback.
    r = run_case(EVERY[2023])["PIT-2023-1"]
    assert r["factor_id"] == "epa-hub-2023:t1.natural-gas.mmbtu"
    assert r["co2e_t"] == pytest.approx(53.1145)
    assert not {"heat_basis_converted", "global_factor", "edition_year_mismatch"} & flags(r)
