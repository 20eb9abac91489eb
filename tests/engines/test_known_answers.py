"""Known answers for every factor family: rows in, tonnes out, with the arithmetic and source.

Each expected value is computed in the test from the published factor (quoted in the comment),
never read back from the library, so a wrong factor, unit conversion or GWP fails the test.
AR5 GWPs (IPCC AR5 WG1, as tabulated by the GHG Protocol): CH4 28, N2O 265, SF6 23,500;
HFC-32 677 and HFC-125 3,170. 1 lb = 0.45359237 kg; 1 US gallon = 3.785411784 L;
1 mile = 1.609344 km; 1 short ton = 907.18474 kg; 1 mmBtu = 1.05505585262 GJ.

Each test's rows are a case (`CASES`, tests/engines/conftest.py): on Spark, the module's cases
are calculated together, each test reading its own case's records. A test about a whole run
(its counts, its committed figures, a second run) calculates a workspace of its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.engines.conftest import Calculate, Case, Cases, RunCase, load, results, unresolved
from zerotrail.engine.settings import APPROACHES, InventorySettings
from zerotrail.pipeline.calculation import RUN_FIGURES
from zerotrail.pipeline.inventory import inventory_summary
from zerotrail.store.workspace import Workspace

LB = 0.45359237
GAL = 3.785411784
MILE = 1.609344
SHORT_TON = 907.18474


def act(
    rid: str, key: str, qty: float, unit: str, region: str, year: int = 2024, **extra: object
) -> dict[str, object]:
    return {
        "record_id": rid,
        "entity": "E",
        "period_start": f"{year}-01-01",
        "period_end": f"{year}-12-31",
        "activity": key,
        "quantity": qty,
        "unit": unit,
        "region": region,
        **extra,
    }


CASES = Cases()


def case(
    rows: list[dict[str, object]],
    year: int = 2024,
    gwp: str = "AR5",
    policy: str = "nearest",
    **inputs: Any,
) -> Case:
    return CASES.add(rows, InventorySettings(year, gwp, factor_policy=policy), **inputs)


CN_EAST = case([act("e1", "electricity.grid", 1000, "MWh", "CN-EAST", 2023)], year=2023)


def test_grid_electricity_china_regional(run_case: RunCase) -> None:
    # MEE/NBS 2023 East China regional grid: 0.5500 kg CO2/kWh → 1,000 MWh = 550 t CO2.
    r = run_case(CN_EAST)["e1"]
    assert r["co2_t"] == pytest.approx(550.0)
    assert r["co2e_t"] == pytest.approx(550.0)
    assert r["scope"] == 2
    assert r["factor_region"] == "CN-EAST"


PROVINCES = case(
    [
        act("cq", "electricity.grid", 1000, "MWh", "CN-CQ", 2023),
        act("gd", "electricity.grid", 1000, "MWh", "CN-GD", 2023),
    ],
    year=2023,
)


def test_province_without_its_own_factor_falls_back_to_its_regional_grid(
    run_case: RunCase,
) -> None:
    # MEE/NBS 2023 regional grids: South-West 0.2472, South 0.4042 kg CO2/kWh. Chongqing
    # (CN-CQ) is on the South-West grid and Guangdong (CN-GD) on the South grid; neither has a
    # provincial factor, so 1,000 MWh = 247.2 t and 404.2 t, flagged as a parent region's.
    r = run_case(PROVINCES)
    assert r["cq"]["co2e_t"] == pytest.approx(247.2)
    assert r["cq"]["factor_id"] == "cn-mee-grid:2023.regional-average.cn-southwest"
    assert r["cq"]["factor_region"] == "CN-SOUTHWEST"
    assert r["gd"]["co2e_t"] == pytest.approx(404.2)
    assert r["gd"]["factor_region"] == "CN-SOUTH"
    for rid in ("cq", "gd"):
        flags = set(r[rid]["flags"].split(";"))
        assert "parent_region_factor" in flags
        assert "edition_year_mismatch" not in flags and "unverified_factor" not in flags


CHONGQING = case([act("cq", "electricity.grid", 1000, "MWh", "CN-CQ", 2023)], year=2023)


def test_a_verified_grid_factor_beats_an_unverified_provincial_one(run_case: RunCase) -> None:
    # Chongqing 2023. Candidates: the Chongqing provincial factors of 2023 (0.5581 kg CO2/kWh,
    # valid), 2022 (0.5227) and 2021 (0.4743), each resting on a single transcription
    # (unverified), at the province's own level, and the 2023 South-West grid factor 0.2472
    # (valid, verified: two independent sources agree) one level out. An unverified value is
    # never the default where a verified one exists (reference data, rule 4), so the grid's
    # factor wins: 1,000 MWh x 0.2472 = 247.2 t, flagged parent_region_factor.
    r = run_case(CHONGQING)["cq"]
    assert r["co2e_t"] == pytest.approx(247.2)
    assert r["factor_id"] == "cn-mee-grid:2023.regional-average.cn-southwest"
    assert r["factor_region"] == "CN-SOUTHWEST"
    flags = set(r["flags"].split(";"))
    assert "parent_region_factor" in flags
    assert not {"edition_year_mismatch", "unverified_factor"} & flags


SICHUAN = case([act("sc", "electricity.grid", 1000, "MWh", "CN-SC", 2023)], year=2023)


def test_a_verified_earlier_edition_beats_an_unverified_current_one(run_case: RunCase) -> None:
    # Sichuan 2023: the 2023 provincial factor 0.1564 rests on one transcription; the 2022 one,
    # 0.1404, on two that agree (verified). Verified comes before the edition year in the
    # order of choice, and the province before its grid: 1,000 MWh x 0.1404 = 140.4 t, flagged
    # as an edition of another year (2022 for a 2023 record).
    r = run_case(SICHUAN)["sc"]
    assert r["co2e_t"] == pytest.approx(140.4)
    assert r["factor_id"] == "cn-mee-grid:2022.provincial-average.cn-sc"
    assert r["factor_year"] == 2022
    flags = set(r["flags"].split(";"))
    assert "edition_year_mismatch" in flags and "unverified_factor" not in flags


PINNED_CHONGQING = case(
    [
        act(
            "cq",
            "electricity.grid",
            1000,
            "MWh",
            "CN-CQ",
            2023,
            factor_id="cn-mee-grid:2022.provincial-average.cn-cq",
        )
    ],
    year=2023,
    policy="strict",
)


def test_a_pinned_unverified_provincial_factor_is_used(run_case: RunCase) -> None:
    # The Chongqing record pinned to the 2022 Chongqing factor: 1,000 MWh x 0.5227 = 522.7 t,
    # flagged as the earlier edition and unverified it is. A pin is the user's own choice, so
    # the strict policy does not refuse it.
    r = run_case(PINNED_CHONGQING)["cq"]
    assert r["co2e_t"] == pytest.approx(522.7)
    assert {"unverified_factor", "edition_year_mismatch"} <= set(r["flags"].split(";"))
    assert r["factor_year"] == 2022


GUANGDONG_2021 = [act("gd", "electricity.grid", 100, "MWh", "CN-GD", 2021)]
GUANGDONG_STRICT = case(GUANGDONG_2021, year=2021, policy="strict")


def test_province_chain_ends_in_china(run_case: RunCase) -> None:
    # 2021: the regional grids' first shipped edition is 2022 and the strict policy uses no
    # later edition, so Guangdong falls through CN-SOUTH to the 2021 national average 0.5568 kg
    # CO2/kWh: 100 MWh = 55.68 t.
    r = run_case(GUANGDONG_STRICT)["gd"]
    assert r["co2e_t"] == pytest.approx(55.68)
    assert r["factor_region"] == "CN"
    assert "parent_region_factor" in r["flags"]
    assert "edition_year_mismatch" not in r["flags"]


GUANGDONG_NEAREST = case(GUANGDONG_2021, year=2021)


def test_the_nearest_policy_keeps_the_region_and_takes_a_later_edition(
    run_case: RunCase,
) -> None:
    # The same 2021 Guangdong record under the default (nearest) policy: the most specific
    # region with a verified factor comes before the edition rule, and the South grid has no
    # 2021 or earlier edition, so its nearest later one is used: MEE/NBS 2022 South China
    # 0.3869 kg CO2/kWh, 100 MWh = 38.69 t, flagged with both years (record 2021, factor 2022).
    r = run_case(GUANGDONG_NEAREST)["gd"]
    assert r["co2e_t"] == pytest.approx(38.69)
    assert r["factor_id"] == "cn-mee-grid:2022.regional-average.cn-south"
    assert r["period_start"].year == 2021 and r["factor_year"] == 2022
    assert {"edition_year_mismatch", "parent_region_factor"} <= set(r["flags"].split(";"))


CAMX = case([act("e1", "electricity.grid", 100_000, "kWh", "US-CAMX")])


def test_egrid_subregion_all_three_gases(run_case: RunCase) -> None:
    # EPA Hub 2024 Table 6, eGRID2022 CAMX total output: 497.443 lb CO2, 0.03 lb CH4,
    # 0.004 lb N2O per MWh; 100 MWh.
    r = run_case(CAMX)["e1"]
    assert r["co2_t"] == pytest.approx(100 * 497.443 * LB / 1000)
    assert r["ch4_t"] == pytest.approx(100 * 0.03 * LB / 1000)
    assert r["co2e_t"] == pytest.approx(100 * (497.443 + 0.03 * 28 + 0.004 * 265) * LB / 1000)


THERMS = case([act("g1", "stationary_combustion.natural_gas", 10_000, "therm", "US")])


def test_natural_gas_per_energy_prefers_direct_unit(run_case: RunCase) -> None:
    # EPA Hub 2024 Table 1 natural gas: 53.06 kg CO2, 1 g CH4, 0.1 g N2O per mmBtu (HHV).
    # 1,000 mmBtu given in therms (10,000 therm); the per-mmBtu factor is used directly.
    r = run_case(THERMS)["g1"]
    assert r["co2e_t"] == pytest.approx(
        (1000 * 53.06 + 1000 * 0.001 * 28 + 1000 * 0.0001 * 265) / 1000
    )
    assert "heat_content_conversion" not in r["flags"]
    assert r["factor_id"].endswith(".mmbtu")


DIESEL_TONNES = case([act("d1", "stationary_combustion.diesel", 10, "t", "CN", 2023)], year=2023)


def test_diesel_by_mass_through_ipcc_ncv(run_case: RunCase) -> None:
    # IPCC 2006 Vol. 2 Tier 1 gas/diesel oil: 74,100 kg CO2, 3 kg CH4, 0.6 kg N2O per TJ (NCV);
    # NCV 43 TJ/Gg. 10 t = 0.01 Gg = 0.43 TJ. No Chinese factor: the GLOBAL default is used.
    r = run_case(DIESEL_TONNES)["d1"]
    tj = 0.43
    assert r["co2_t"] == pytest.approx(74_100 * tj / 1000)
    assert r["co2e_t"] == pytest.approx((74_100 + 3 * 28 + 0.6 * 265) * tj / 1000)
    assert set(r["flags"].split(";")) >= {
        "global_factor",
        "heat_content_conversion",
        "unverified_factor",
    }


DIESEL_LITRES = case([act("m1", "mobile_combustion.diesel", 1000, "L", "US")])


def test_mobile_diesel_litres(run_case: RunCase) -> None:
    # EPA Hub 2024 Table 2: diesel 10.21 kg CO2 per gallon; 1,000 L = 264.17 gal.
    r = run_case(DIESEL_LITRES)["m1"]
    assert r["co2_t"] == pytest.approx(1000 / GAL * 10.21 / 1000)
    assert r["scope"] == 1


REFRIGERANTS = case(
    [act("f1", "fugitive.R-410A", 5, "kg", "CN"), act("f2", "fugitive.SF6", 2, "kg", "CN")]
)


def test_refrigerant_blend_and_sf6(run_case: RunCase) -> None:
    # R-410A = 50% HFC-32 + 50% HFC-125: AR5 0.5*677 + 0.5*3170 = 1,923.5 kg CO2e/kg.
    # SF6 AR5 23,500. 5 kg R-410A, 2 kg SF6.
    r = run_case(REFRIGERANTS)
    assert r["f1"]["hfc_t"] == pytest.approx(0.005)
    assert r["f1"]["co2e_hfc_t"] == pytest.approx(5 * 1923.5 / 1000)
    assert r["f2"]["sf6_t"] == pytest.approx(0.002)
    assert r["f2"]["co2e_t"] == pytest.approx(2 * 23_500 / 1000)
    assert "global_factor" not in r["f1"]["flags"]  # mass released: region does not apply


METHANE = case(
    [
        act("c1", "fugitive.CH4", 100, "kg", "CN", ch4_origin="fossil"),
        act("c2", "fugitive.CH4", 100, "kg", "CN", ch4_origin="non_fossil"),
    ],
    gwp="AR6",
)


def test_methane_origin_under_ar6(run_case: RunCase) -> None:
    # IPCC AR6 Table 7.15: fossil CH4 29.8, non-fossil 27.0; 100 kg each.
    r = run_case(METHANE)
    assert r["c1"]["co2e_t"] == pytest.approx(2.98)
    assert r["c2"]["co2e_t"] == pytest.approx(2.70)
    assert r["c1"]["gwp_set"] == "AR6"


LONG_HAUL = case([act("t1", "business_travel.air_long_haul", 10_000, "passenger-km", "US")])


def test_business_travel_distance(run_case: RunCase) -> None:
    # EPA Hub 2024 Table 10, air long haul: 0.162556270096463 kg CO2,
    # 0.000643086816720257 g CH4, 0.00517922268499536 g N2O per passenger-mile.
    r = run_case(LONG_HAUL)["t1"]
    pmi = 10_000 / MILE
    expected = (
        pmi
        * (0.162556270096463 + 0.000643086816720257e-3 * 28 + 0.00517922268499536e-3 * 265)
        / 1000
    )
    assert r["co2e_t"] == pytest.approx(expected)
    assert (r["scope"], r["category"], r["method"]) == (3, 6, "distance-based")


WASTE = case([act("w1", "waste.mixed_msw.landfilled", 10, "t", "US")])


def test_waste_co2e_only_factor_keeps_its_basis(run_case: RunCase) -> None:
    # EPA Hub 2024 Table 9 (WARM, AR4): mixed MSW landfilled 0.58 t CO2e per short ton.
    r = run_case(WASTE)["w1"]
    assert r["co2e_unsplit_t"] == pytest.approx(10_000 / SHORT_TON * 0.58)
    assert r["co2e_t"] == pytest.approx(10_000 / SHORT_TON * 0.58)
    assert "gwp_basis_mismatch" in r["flags"]
    assert r["category"] == 5


COMPUTERS = case([act("s1", "spend.naics.334111", 1_000_000, "USD", "US", scope3_category=2)])


def test_spend_based_capital_goods(run_case: RunCase) -> None:
    # 2024 spend takes USEEIO v1.3 (valid from 2022, the newest) NAICS 334111 with margins, per
    # 2022 USD, weighed with AR5: CO2 0.049 + CH4 0.000203 x 28 + N2O 7.77e-06 x 265
    # + fluorinated gases 0.00161869744 (CO2e, AR5) = 0.05836174744 kg; USD 1,000,000 (no
    # price index: not deflated) = 58.36174744 t. EPA's own AR5 total prints 0.058.
    r = run_case(COMPUTERS)["s1"]
    assert r["factor_id"] == "useeio-v1.3:naics.334111.usd2022"
    assert r["co2e_t"] == pytest.approx(58.36174744)
    assert (r["category"], r["method"]) == (2, "spend-based")


WOOD = case([act("b1", "stationary_combustion.wood", 10, "short_ton", "US")])


def test_biogenic_co2_outside_the_scopes(run_case: RunCase) -> None:
    # EPA Hub 2024 Table 1 wood and wood residuals: 1,640 kg CO2 (biogenic), 0.126 kg CH4,
    # 0.063 kg N2O per short ton; 10 short tons.
    r = run_case(WOOD)["b1"]
    assert r["biogenic_co2_t"] == pytest.approx(16.4)
    assert r["co2_t"] == 0.0
    assert r["co2e_t"] == pytest.approx(10 * (0.126 * 28 + 0.063 * 265) / 1000)


STEAM = case([act("h1", "steam.purchased", 100, "mmBtu", "US")])


def test_purchased_steam(run_case: RunCase) -> None:
    # EPA Hub 2024 Table 7: 66.33 kg CO2, 1.25 g CH4, 0.125 g N2O per mmBtu; 100 mmBtu.
    r = run_case(STEAM)["h1"]
    assert r["co2e_t"] == pytest.approx(100 * (66.33 + 0.00125 * 28 + 0.000125 * 265) / 1000)
    assert r["co2e_market_t"] == r["co2e_t"]


CN_EAST_2025 = case([act("e1", "electricity.grid", 10, "MWh", "CN-EAST", 2025)], year=2025)


def test_a_year_without_its_edition_takes_the_earlier_one_flagged(run_case: RunCase) -> None:
    # No 2025 Chinese factor: the nearest earlier edition, the 2023 East China value (0.5500
    # t/MWh), is used, flagged with both years (record 2025, factor 2023).
    r = run_case(CN_EAST_2025)["e1"]
    assert r["co2e_t"] == pytest.approx(5.5)
    assert "edition_year_mismatch" in r["flags"]
    assert r["factor_year"] == 2023


GRIDS_2020 = case(
    [
        act("e1", "electricity.grid", 10, "MWh", "US-CAMX", 2020),
        act("e2", "electricity.grid", 10, "MWh", "CN-EAST", 2020),
    ],
    year=2020,
    policy="strict",
)


def test_unresolvable_record_is_a_problem_not_a_zero(run_case: RunCase) -> None:
    # eGRID factors come with the EPA Hub editions 2021, 2023, 2024 and 2025: under the strict
    # policy 2020 US-CAMX electricity has no factor, and the problem names the editions there
    # are.
    r = run_case(GRIDS_2020)
    assert "e1" not in r.records
    assert r.unresolved.keys() == {"e1"}
    msg = r.unresolved["e1"]
    assert "US-CAMX" in msg and "2021" in msg and "2025" in msg and "strict" in msg
    # 2020 China: the MEE ETS 2019-2020 national value 0.5810 t/MWh (unverified).
    assert r["e2"]["co2e_t"] == pytest.approx(5.81)


STEEL = case(
    [
        act("p1", "purchased_goods.steel", 10, "t", "CN", supplier="ACME"),
        act("p2", "purchased_goods.steel", 10, "t", "CN", supplier="OTHER"),
        act(
            "p3",
            "purchased_goods.steel",
            10,
            "t",
            "CN",
            supplier="ACME",
            factor_id="avg-steel-2024",
        ),
    ],
    factors=[
        {
            "factor_id": "acme-steel-2024",
            "factor_set": "acme",
            "activity": "purchased_goods.steel",
            "region": "GLOBAL",
            "valid_from": "2024-01-01",
            "valid_to": "2024-12-31",
            "unit": "t",
            "gas": "CO2e",
            "value": 1.2,
            "value_unit": "t",
            "gwp_basis": "AR5",
            "supplier": "ACME",
            "source": "ACME EPD 2024",
        },
        {
            "factor_id": "avg-steel-2024",
            "factor_set": "acme",
            "activity": "purchased_goods.steel",
            "region": "GLOBAL",
            "valid_from": "2024-01-01",
            "valid_to": "2024-12-31",
            "unit": "t",
            "gas": "CO2e",
            "value": 2.0,
            "value_unit": "t",
            "gwp_basis": "AR5",
            "source": "industry average",
        },
    ],
)


def test_pinned_and_supplier_specific_factors(run_case: RunCase) -> None:
    # ACME's own EPD, 1.2 t CO2e per t of steel, for ACME's steel; the industry average, 2.0
    # t CO2e per t, for another supplier's: 10 t each.
    r = run_case(STEEL)
    assert (r["p1"]["co2e_t"], r["p1"]["method"]) == (pytest.approx(12.0), "supplier-specific")
    assert (r["p2"]["co2e_t"], r["p2"]["method"]) == (pytest.approx(20.0), "average-data")
    assert r["p3"]["co2e_t"] == pytest.approx(20.0)  # the pin beats the supplier factor


SITES = [
    {"site": "HZ", "entity": "E", "kind": "campus", "region": "CN-EAST"},
    {
        "site": "DC",
        "entity": "E",
        "kind": "data_center_leased",
        "region": "CN-NORTH",
        "operational_control": "no",
    },
    {"site": "LON", "entity": "E", "kind": "office", "region": "GB"},
]
INSTRUMENTS = [
    {
        "instrument_id": "g1",
        "type": "GEC",
        "mwh": 300,
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "region": "CN",
        "site": "HZ",
        "status": "retired",
        "retired_on": "2024-01-15",
    },
    {
        "instrument_id": "g2",
        "type": "GEC",
        "mwh": 500,
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "region": "CN",
        "site": "HZ",
        "status": "held",
    },
    {
        "instrument_id": "i1",
        "type": "I-REC",
        "mwh": 500,
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "region": "GB",
        "site": "HZ",
        "status": "retired",
        "retired_on": "2024-01-15",
    },
]
MARKET = case(
    [
        act("e1", "electricity.grid", 1000, "MWh", "CN-EAST", 2023, site="HZ"),
        act("e2", "electricity.grid", 100, "MWh", "CN-NORTH", 2023, site="DC"),
        act("e3", "electricity.grid", 10, "MWh", "GB", 2023, site="LON"),
    ],
    year=2023,
    sites=SITES,
    instruments=INSTRUMENTS,
)


def test_market_based_instruments_and_residual_mix(run_case: RunCase) -> None:
    # 2023 HZ: 1,000 MWh at East China 0.5500 t/MWh (location 550 t). 300 MWh of retired GECs
    # cover 30% at 0 t; the other 700 MWh take China's 2023 residual-like factor 0.6096 t/MWh
    # (national average excluding market-traded non-fossil) → 426.72 t market-based.
    # A held GEC and a GB I-REC do not count.
    r = run_case(MARKET)
    assert r["e1"]["co2e_t"] == pytest.approx(550.0)
    assert r["e1"]["co2e_market_t"] == pytest.approx(700 * 0.6096)
    assert r["e1"]["renewable_mwh"] == pytest.approx(300.0)
    # Leased data centre: not controlled, so Scope 3 category 8 (0.6361 t/MWh North China 2023).
    assert (r["e2"]["scope"], r["e2"]["category"]) == (3, 8)
    assert r["e2"]["co2e_t"] == pytest.approx(63.61)
    # GB has no residual mix in the library: location-based, flagged (DESNZ 2023 0.20707).
    assert r["e3"]["co2e_market_t"] == pytest.approx(r["e3"]["co2e_t"])
    assert "residual_mix_missing" in r["e3"]["flags"]
    assert any("g2" in n and "not retired" in n for n in r.notes)
    assert any("i1" in n and "market GB" in n for n in r.notes)


ENTITIES = [
    {
        "entity": "E",
        "name": "Group",
        "parent": "",
        "equity_share": 100,
        "financial_control": "yes",
        "operational_control": "yes",
        "country": "CN",
    },
    {
        "entity": "JV",
        "name": "Joint venture",
        "parent": "E",
        "equity_share": 50,
        "financial_control": "joint",
        "operational_control": "no",
        "country": "CN",
    },
    {
        "entity": "SUB",
        "name": "Subsidiary",
        "parent": "JV",
        "equity_share": 60,
        "financial_control": "yes",
        "operational_control": "yes",
        "country": "CN",
    },
]
SF6_AT_EACH = [
    dict(act(f"x-{e}", "fugitive.SF6", 1, "kg", "CN"), entity=e) for e in ("E", "JV", "SUB")
]
CONSOLIDATED = {
    approach: CASES.add(SF6_AT_EACH, InventorySettings(2024, "AR5", approach), entities=ENTITIES)
    for approach in APPROACHES
}


@pytest.mark.parametrize(
    ("approach", "jv", "sub"),
    [("equity_share", 0.5, 0.3), ("financial_control", 0.5, 0.5), ("operational_control", 0, 0)],
)
def test_consolidation_approaches(run_case: RunCase, approach: str, jv: float, sub: float) -> None:
    # 1 kg SF6 = 23.5 t CO2e (AR5) at each entity. Equity: JV 50%, SUB 50% x 60% = 30%.
    # Financial control: joint → equity share 50%; SUB controlled by JV → 50% x 100%.
    # Operational control: JV not operated → 0%, and so its subsidiary.
    r = run_case(CONSOLIDATED[approach])
    assert r["x-E"]["co2e_t"] == pytest.approx(23.5)
    assert r["x-JV"]["co2e_t"] == pytest.approx(23.5 * jv)
    assert r["x-SUB"]["co2e_t"] == pytest.approx(23.5 * sub)


def test_a_run_keeps_the_record_versions_it_calculated(
    workspace: Workspace, calculate: Calculate, tmp_path: Path
) -> None:
    # 10 kg SF6 = 235 t (AR5 23,500); the record is then replaced by 20 kg. The first run's
    # per-record results still show 235 t; a new run shows 470 t and supersedes it.
    from tests.engines.conftest import write_csv
    from zerotrail.ingest.activities import import_activities

    load(workspace, tmp_path, activities=[act("s1", "fugitive.SF6", 10, "kg", "CN")])
    calculate(workspace, InventorySettings(2024))
    first = workspace.scalar("SELECT run_id FROM runs WHERE current")
    import_activities(
        workspace,
        write_csv(tmp_path / "b.csv", [act("s1", "fugitive.SF6", 20, "kg", "CN")]),
        replace=True,
    )
    calculate(workspace, InventorySettings(2024))
    assert workspace.scalar(
        "SELECT co2e_t FROM results WHERE run_id = ?", [first]
    ) == pytest.approx(235.0)
    assert results(workspace, 2024)["s1"]["co2e_t"] == pytest.approx(470.0)
    assert results(workspace, 2024)["s1"]["version"] == 2


FREIGHT = case(
    [
        act("f1", "freight.truck", 10_000, "tonne-km", "US", scope3_category=9),
        act("c1", "commuting.bus", 1_000, "passenger-mile", "US"),
    ]
)


def test_freight_downstream_and_commuting(run_case: RunCase) -> None:
    # EPA Hub 2024 Table 8, medium- and heavy-duty truck: 0.168042601834139 kg CO2,
    # 0.00147168256353026 g CH4, 0.00466495605043554 g N2O per ton-mile; 10,000 tonne-km
    # = 10,000 / (0.90718474 x 1.609344) ton-miles. Booked as category 9 on request.
    # EPA Hub 2024 Table 10, bus: 0.0707075875273407 kg CO2, 0 CH4, 0.00212606442238114 g N2O
    # per passenger-mile; 1,000 passenger-miles.
    r = run_case(FREIGHT)
    ton_miles = 10_000 / (0.90718474 * 1.609344)
    assert r["f1"]["co2e_t"] == pytest.approx(
        ton_miles
        * (0.168042601834139 + 0.00147168256353026e-3 * 28 + 0.00466495605043554e-3 * 265)
        / 1000
    )
    assert r["f1"]["category"] == 9
    assert r["c1"]["co2e_t"] == pytest.approx(
        1000 * (0.0707075875273407 + 0.00212606442238114e-3 * 265) / 1000
    )
    assert (r["c1"]["category"], r["c1"]["method"]) == (7, "distance-based")


UK_GRID = case([act("g1", "electricity.grid", 100, "MWh", "GB")])


def test_uk_grid_co2e_only_factor(run_case: RunCase) -> None:
    # DESNZ 2024 UK electricity: 0.20705 kg CO2e per kWh, of which 0.20493 kg CO2 and 0.00212
    # kg CO2e (CH4 + N2O, AR5) published only as CO2e; 100 MWh = 20.493 t CO2 + 0.212 t.
    r = run_case(UK_GRID)["g1"]
    assert r["co2_t"] == pytest.approx(20.493)
    assert r["co2e_unsplit_t"] == pytest.approx(0.212)
    assert r["co2e_t"] == pytest.approx(20.705)
    assert "unverified_factor" not in r["flags"]


def test_every_unresolvable_record_is_a_problem_whatever_its_supplier(
    workspace: Workspace, calculate: Calculate, tmp_path: Path
) -> None:
    # eGRID factors start with the Hub 2021 edition, so under the strict policy 2020 US-CAMX
    # electricity has no factor, with or without a supplier named (no grid factor is
    # supplier-specific: the supplier does not split the signature). Both records are problems,
    # and the run counts both.
    load(
        workspace,
        tmp_path,
        activities=[
            act("e1", "electricity.grid", 10, "MWh", "US-CAMX", 2020, supplier="PG&E"),
            act("e3", "electricity.grid", 10, "MWh", "US-CAMX", 2020),
        ],
    )
    summary = calculate(workspace, InventorySettings(2020, factor_policy="strict"))
    assert unresolved(workspace, 2020) == {"e1", "e3"}
    assert (summary.records, summary.problems) == (0, 2)


def test_the_run_commits_its_headline_figures(
    workspace: Workspace, calculate: Calculate, tmp_path: Path
) -> None:
    # AR5 SF6 23,500: 1 kg released = 23.5 t CO2e (Scope 1). 100 MWh in East China: MEE/NBS
    # 2023 regional grid 0.5500 kg CO2/kWh = 55 t location-based; with no instruments the
    # market-based method takes China's 2023 national average excluding market-traded
    # non-fossil power (the residual-mix-like value), 0.6096 kg CO2/kWh = 60.96 t.
    load(
        workspace,
        tmp_path,
        activities=[
            act("s1", "fugitive.SF6", 1, "kg", "CN", 2023),
            act("e1", "electricity.grid", 100, "MWh", "CN-EAST", 2023),
        ],
    )
    summary = calculate(workspace, InventorySettings(2023))
    text = workspace.scalar("SELECT committed FROM runs WHERE run_id = ?", [summary.run_id])
    committed = json.loads(text)
    assert committed["scope1"] == "23.500000000"
    assert committed["scope2_location"] == "55.000000000"
    assert committed["scope2_market"] == "60.960000000"
    assert committed["total_market"] == "84.460000000"
    shown = inventory_summary(workspace, 2023)  # what `zerotrail inventory` reports
    for figure in RUN_FIGURES:
        assert float(committed[figure]) == pytest.approx(shown[figure], abs=1e-9), figure


PINNED_UK = case(
    [
        act(
            "p1",
            "electricity.grid",
            10,
            "MWh",
            "CN-EAST",
            2023,
            factor_id="desnz-2023:uk-electricity.electricity-generated.electricity-uk.kwh.kwh",
        )
    ],
    year=2023,
)


def test_a_pinned_factor_of_another_country_is_flagged_as_such(run_case: RunCase) -> None:
    # A Chinese record pinned to DESNZ 2023's UK electricity factor (0.20496 kg CO2 + 0.002114
    # kg CO2e per kWh): 10 MWh = 2.0496 t CO2 + 0.02114 t. GB is not in CN-EAST's lineage
    # (CN-EAST, CN, GLOBAL), so the flag says the factor is another region's, not a parent's.
    r = run_case(PINNED_UK)["p1"]
    assert r["co2_t"] == pytest.approx(2.0496)
    assert r["factor_region"] == "GB"
    flags = set(r["flags"].split(";"))
    assert "pinned_other_region" in flags
    assert not {"parent_region_factor", "global_factor"} & flags
