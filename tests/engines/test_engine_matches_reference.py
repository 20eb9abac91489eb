"""The Ibis engine and the plain-Python reference agree record by record on random inputs.

Each seed builds a random organisation (entities with equity and control, controlled and leased
sites), random instruments, a supplier-specific factor, a spend factor with a random price
year, random USD price indices (some years missing), random editions of a test key's factor
(before, in and after the year, verified or not, at several places), and a few hundred random
records across every factor family, units and regions (Chinese provinces among them; records
at a site given its region, a coarser one or none; energy on a stated or default heating-value
basis; some records deliberately unresolvable), under a random factor policy, then compares
every stored result column, the unresolved records and the run's notes with the reference
implementation, which prepares its own inputs from the stored rows.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from tests.engines.conftest import Calculate, load, results, unresolved
from tests.engines.oracle import oracle_results
from zerotrail.engine.settings import APPROACHES, FACTOR_POLICIES, InventorySettings
from zerotrail.model.regions import lineage
from zerotrail.reference.gwp import GWP_SET_IDS
from zerotrail.store.workspace import Workspace

MENU: list[tuple[str, list[str], list[str]]] = [
    (
        "electricity.grid",
        ["kWh", "MWh", "GJ"],
        [
            "CN-EAST",
            "CN-NORTH",
            "CN",
            "CN-SC",
            "CN-CQ",
            "CN-GD",
            "CN-NM",
            "CN-YN",
            "CN-HK",
            "US-CAMX",
            "GB",
            "FR",
        ],
    ),
    ("stationary_combustion.diesel", ["L", "gal", "t", "GJ", "mmBtu"], ["US", "CN", "GB"]),
    (
        "stationary_combustion.natural_gas",
        ["scf", "m3", "GJ", "therm", "kg", "mmBtu", "kWh"],
        ["US", "CN", "GB"],
    ),
    # No NCV/GCV ratio for LPG: energy on the other basis than a factor's cannot use it.
    ("stationary_combustion.lpg", ["mmBtu", "GJ", "gal"], ["US", "CN"]),
    ("electricity.test_grid", ["MWh", "kWh"], ["FR", "GB", "US", "CN-EAST"]),
    ("stationary_combustion.wood", ["short_ton", "t", "mmBtu"], ["US"]),
    ("mobile_combustion.diesel", ["L", "gal"], ["US", "CN"]),
    ("fugitive.R-410A", ["kg", "lb"], ["CN"]),
    ("fugitive.HFC-41", ["kg"], ["CN"]),
    ("fugitive.CH4", ["kg", "t"], ["CN"]),
    ("fugitive.SF6", ["kg"], ["CN"]),
    ("steam.purchased", ["mmBtu", "GJ"], ["US"]),
    ("business_travel.air_long_haul", ["passenger-km", "passenger-mile"], ["US", "CN"]),
    ("commuting.car", ["vehicle-km", "vehicle-mile"], ["US"]),
    ("freight.truck", ["tonne-km", "ton-mile"], ["US"]),
    ("waste.mixed_msw.landfilled", ["t", "short_ton"], ["US"]),
    ("spend.naics.334111", ["USD", "kUSD"], ["US"]),
    ("spend.naics.541511", ["USD", "kUSD"], ["US", "CN", "GB"]),
    ("purchased_goods.steel", ["t", "kg"], ["CN", "GLOBAL"]),
]
KINDS = ["campus", "office", "data_center_owned", "data_center_leased"]
REGIONS = ["CN-EAST", "CN-NORTH", "CN-SC", "CN-GD", "GB", "US-CAMX", "FR"]
ENERGY_UNITS = {"GJ", "mmBtu", "kWh", "therm"}
# Where a test key's editions may be (GLOBAL and FR are in a French record's lineage).
EDITION_PLACES = ["FR", "GB", "GLOBAL", "CN"]


def site_record_region(rng: random.Random, site_region: str) -> str:
    """A record's region at a site: the site's own, a coarser one of its lineage, or none."""
    coarser = list(lineage(site_region))[1:]
    return rng.choice([site_region, site_region, *coarser, ""])


def random_world(rng: random.Random, year: int) -> dict[str, list[dict[str, Any]]]:
    entities = [
        {
            "entity": "E0",
            "name": "root",
            "parent": "",
            "equity_share": 100,
            "financial_control": "yes",
            "operational_control": "yes",
            "country": "CN",
        }
    ]
    for i in range(1, 4):
        entities.append(
            {
                "entity": f"E{i}",
                "name": f"e{i}",
                "parent": f"E{rng.randrange(i)}",
                "equity_share": rng.choice([0, 25, 50, 100]),
                "financial_control": rng.choice(["yes", "no", "joint"]),
                "operational_control": rng.choice(["yes", "no"]),
                "country": "CN",
            }
        )
    sites = [
        {
            "site": f"S{i}",
            "entity": f"E{rng.randrange(4)}",
            "kind": rng.choice(KINDS),
            "region": rng.choice(REGIONS),
            "operational_control": rng.choice(["", "yes", "no"]),
        }
        for i in range(6)
    ]
    instruments = []
    for i in range(6):
        owner = rng.choice([{"site": f"S{rng.randrange(6)}"}, {"entity": f"E{rng.randrange(4)}"}])
        y = rng.choice([year, year, year - 1])
        instruments.append(
            {
                "instrument_id": f"I{i}",
                "type": rng.choice(["GEC", "I-REC", "PPA", "supplier_rate"]),
                "mwh": rng.choice([10, 100, 1000]),
                "period_start": f"{y}-01-01",
                "period_end": f"{y}-12-31",
                "region": rng.choice(["CN", "GB", "US"]),
                "status": rng.choice(["retired", "retired", "held", "cancelled"]),
                "retired_on": f"{y + 1}-02-01",
                "emission_rate_t_per_mwh": rng.choice(["", "0", "0.3"]),
                **owner,
            }
        )
    factors = [
        {
            "factor_id": f"steel-{s}",
            "factor_set": "test-steel",
            "activity": "purchased_goods.steel",
            "region": "GLOBAL",
            "valid_from": "2019-01-01",
            "valid_to": "",
            "unit": "t",
            "gas": g,
            "value": v,
            "supplier": s,
            "source": "test fixture",
            "gwp_basis": "AR5" if g == "CO2e" else "",
        }
        for s, g, v in [("ACME", "CO2", 1500.0), ("ACME", "CH4", 2.0), ("", "CO2e", 2100.0)]
    ]
    # A spend factor priced in the calculated year, one year or three years before it.
    factors.append(
        {
            "factor_id": "services-usd",
            "factor_set": "test-services",
            "activity": "spend.naics.541511",
            "region": "GLOBAL",
            "valid_from": "2019-01-01",
            "valid_to": "",
            "unit": "USD",
            "currency_year": rng.choice([year, year - 1, year - 3]),
            "gas": "CO2e",
            "value": 0.25,
            "gwp_basis": "AR5",
            "source": "test fixture",
        }
    )
    # Editions of a test key's factor, one per (place, year) drawn: years before, in and after
    # the calculated year, so records meet valid, earlier and later editions.
    # The import refuses a key no factor has: France always has at least one edition.
    for place in EDITION_PLACES:
        drawn = rng.randrange(1 if place == "FR" else 0, 4)
        for y in rng.sample(range(year - 4, year + 4), drawn):
            factors.append(
                {
                    "factor_id": f"test-grid-{place}-{y}",
                    "factor_set": f"test-grid-{y}",
                    "activity": "electricity.test_grid",
                    "region": place,
                    "valid_from": f"{y}-01-01",
                    "valid_to": f"{y}-12-31",
                    "unit": "MWh",
                    "gas": "CO2",
                    "value": round(rng.uniform(100, 900), 1),
                    "verified": rng.choice(["true", "false"]),
                    "source": "test fixture",
                }
            )
    price_indices = [
        {
            "currency": "USD",
            "year": y,
            "index": round(rng.uniform(80, 130), 2),
            "source": "test fixture: random USD index",
        }
        for y in range(2017, 2026)
        if rng.random() < 0.6
    ]
    acts = []
    for n in range(250):
        key, units, regions = rng.choice(MENU)
        site = rng.choice([None, *[s["site"] for s in sites]])
        entity = (
            next(s["entity"] for s in sites if s["site"] == site)
            if site
            else f"E{rng.randrange(4)}"
        )
        # At a site the record's region is the site's, a coarser one or none (import refuses
        # one that contradicts the site's lineage); elsewhere any of the key's regions.
        region = (
            site_record_region(rng, next(s["region"] for s in sites if s["site"] == site))
            if site
            else rng.choice(regions)
        )
        month = rng.randrange(1, 13)
        row: dict[str, Any] = {
            "record_id": f"R{n:04d}",
            "entity": entity,
            "site": site or "",
            "period_start": f"{year}-{month:02d}-01",
            "period_end": f"{year}-{month:02d}-28",
            "activity": key,
            "quantity": round(rng.uniform(0, 5000), 3),
            "unit": rng.choice(units),
            "region": region,
            "ch4_origin": rng.choice(["", "", "fossil", "non_fossil"]),
            "supplier": "ACME" if key == "purchased_goods.steel" and rng.random() < 0.5 else "",
        }
        if row["unit"] in ENERGY_UNITS and key.startswith("stationary_") and rng.random() < 0.5:
            row["heat_basis"] = rng.choice(["HHV", "NCV"])  # stated only for energy
        if key.startswith("spend.") and rng.random() < 0.5:
            row["scope3_category"] = 2
        if rng.random() < 0.1:
            row["dq_time"] = rng.randrange(1, 6)
            row["dq_reliability"] = rng.randrange(1, 6)
        acts.append(row)
    return {
        "entities": entities,
        "sites": sites,
        "instruments": instruments,
        "factors": factors,
        "price_indices": price_indices,
        "activities": acts,
    }


COLUMNS = (
    "scope",
    "category",
    "method",
    "factor_id",
    "factor_year",
    "share",
    "site_kind",
    "flags",
)
NUMBERS = (
    "co2_t",
    "ch4_t",
    "n2o_t",
    "hfc_t",
    "pfc_t",
    "sf6_t",
    "nf3_t",
    "co2e_co2_t",
    "co2e_ch4_t",
    "co2e_n2o_t",
    "co2e_hfc_t",
    "co2e_pfc_t",
    "co2e_sf6_t",
    "co2e_nf3_t",
    "co2e_unsplit_t",
    "co2e_t",
    "co2e_market_t",
    "biogenic_co2_t",
    "mwh",
    "covered_mwh",
    "renewable_mwh",
    "dq_score",
)


def notes(ws: Workspace, year: int) -> list[str]:
    """The current run's problems of no record (excluded entities, instruments refused)."""
    return [
        str(r[0])
        for r in ws.fetchall(
            "SELECT p.message FROM run_problems p JOIN runs USING (run_id) WHERE runs.current"
            " AND runs.year = ? AND p.record_id IS NULL",
            [year],
        )
    ]


@pytest.mark.parametrize("seed", range(6))
def test_engine_matches_reference(
    workspace: Workspace, calculate: Calculate, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    year = rng.choice([2020, 2023, 2024, 2025])
    world = random_world(rng, year)
    load(workspace, tmp_path, **world)
    settings = InventorySettings(
        year,
        rng.choice(GWP_SET_IDS),
        rng.choice(APPROACHES),
        factor_policy=rng.choice(FACTOR_POLICIES),
    )
    calculate(workspace, settings)
    got = results(workspace, year)
    oracle = oracle_results(workspace, settings)
    want, want_unresolved = oracle.records, oracle.unresolved
    assert unresolved(workspace, year) == want_unresolved
    assert sorted(notes(workspace, year)) == sorted(oracle.notes)
    assert got.keys() == want.keys()
    assert len(got) + len(want_unresolved) == 250
    for rid, w in want.items():
        g = got[rid]
        for c in COLUMNS:
            assert g[c] == w[c], (rid, c)
        for c in NUMBERS:
            assert g[c] == pytest.approx(w[c], rel=1e-9, abs=1e-12), (rid, c)
        assert (g["deflator"] is None) == (w["deflator"] is None), rid
        if w["deflator"] is not None:
            assert g["deflator"] == pytest.approx(w["deflator"], rel=1e-12), rid
