"""Factor selection rules, every branch: editions (nearest earlier, nearest later, strict),
heating-value bases, and the record's region against its site's.

Inputs in, tonnes out, with the arithmetic and the factor's source in a comment. Editions are
built as custom factor sets (factors/custom.py) where the shipped library has no such case.
Each test's rows are a case (`CASES`, tests/engines/conftest.py): on Spark, the module's cases
are calculated together, each test reading its own case's records.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.engines.conftest import Case, Cases, RunCase
from tests.engines.test_known_answers import act
from zerotrail.engine.settings import InventorySettings

# 1 mmBtu = 1.05505585262 GJ = 0.00105505585262 TJ.
TJ_PER_MMBTU = 0.00105505585262
# AR5 (IPCC AR5 WG1): CH4 28, N2O 265.
CH4, N2O = 28, 265


def edition(year: int, value: float, **extra: Any) -> dict[str, Any]:
    """One edition of a test key's factor: `value` kg CO2 per MWh, valid for the whole year."""
    return {
        "factor_id": f"test-grid-{year}",
        "factor_set": f"test-grid-{year}",
        "activity": "electricity.test_grid",
        "region": "FR",
        "valid_from": f"{year}-01-01",
        "valid_to": f"{year}-12-31",
        "unit": "MWh",
        "gas": "CO2",
        "value": value,
        "verified": "true",
        "source": "test fixture",
        **extra,
    }


EDITIONS = [edition(2019, 100.0), edition(2021, 200.0), edition(2023, 300.0)]


CASES = Cases()


def case(rows: list[dict[str, Any]], year: int, policy: str = "nearest", **inputs: Any) -> Case:
    return CASES.add(rows, InventorySettings(year, factor_policy=policy), **inputs)


def flags(r: dict[str, Any]) -> set[str]:
    return set(str(r["flags"]).split(";"))


def grid_case(year: int, policy: str = "nearest") -> Case:
    """10 MWh of the test key in France in `year`, with the editions above."""
    rows = [act("x", "electricity.test_grid", 10, "MWh", "FR", year)]
    return case(rows, year, policy, factors=EDITIONS)


GRID_2021 = grid_case(2021)


def test_a_valid_edition_is_used_unflagged(run_case: RunCase) -> None:
    # 2021 record, 2021 edition 200 kg/MWh: 10 MWh = 2 t.
    r = run_case(GRID_2021)["x"]
    assert r["co2e_t"] == pytest.approx(2.0)
    assert r["factor_year"] == 2021
    assert "edition_year_mismatch" not in flags(r)


GRID_2022 = grid_case(2022)


def test_the_nearest_earlier_edition_comes_before_a_later_one(run_case: RunCase) -> None:
    # 2022 record: no 2022 edition; the nearest earlier is 2021 (200 kg/MWh), not 2019, and it
    # comes before the 2023 edition although that one is as near: 10 MWh = 2 t.
    r = run_case(GRID_2022)["x"]
    assert r["co2e_t"] == pytest.approx(2.0)
    assert (r["factor_id"], r["factor_year"]) == ("test-grid-2021", 2021)
    assert "edition_year_mismatch" in flags(r)


GRID_2018 = grid_case(2018)


def test_the_nearest_later_edition_when_none_is_earlier(run_case: RunCase) -> None:
    # 2018 record: no edition before it; the nearest later is 2019 (100 kg/MWh), not 2021:
    # 10 MWh = 1 t, flagged with both years (2018 record, 2019 factor).
    r = run_case(GRID_2018)["x"]
    assert r["co2e_t"] == pytest.approx(1.0)
    assert (r["factor_id"], r["factor_year"]) == ("test-grid-2019", 2019)
    assert "edition_year_mismatch" in flags(r)


STRICT_GRID = {year: grid_case(year, "strict") for year in (2018, 2022)}


@pytest.mark.parametrize("year", [2018, 2022])
def test_the_strict_policy_refuses_other_editions(run_case: RunCase, year: int) -> None:
    # The same records under the strict policy: no edition valid in the year, so a problem
    # naming the editions there are and the policy.
    r = run_case(STRICT_GRID[year])
    assert r.records == {}
    assert r.unresolved.keys() == {"x"}
    msg = r.unresolved["x"]
    assert "2019, 2021, 2023" in msg and "strict" in msg
    assert r.run["factor_policy"] == "strict"


CAMX_2020 = case([act("e1", "electricity.grid", 10, "MWh", "US-CAMX", 2020)], 2020)


def test_an_egrid_record_before_the_first_edition_takes_the_nearest_later(
    run_case: RunCase,
) -> None:
    # 2020 US-CAMX: the shipped eGRID factors start with the EPA Hub 2021 edition (Table 6,
    # eGRID2019 CAMX: 453.2 lb CO2, 0.033 lb CH4, 0.004 lb N2O per MWh); the nearest policy
    # uses it, not a later edition: 10 MWh = 10 x (453.2 + 0.033 x 28 + 0.004 x 265) lb.
    r = run_case(CAMX_2020)["e1"]
    lb = 0.45359237
    assert r["factor_id"] == "epa-hub-2021:t6.egrid2019.camx.total-output"
    assert r["co2e_t"] == pytest.approx(10 * (453.2 + 0.033 * CH4 + 0.004 * N2O) * lb / 1000)
    assert (r["factor_year"], r["factor_region"]) == (2021, "US-CAMX")
    assert "edition_year_mismatch" in flags(r)


GAS_2023 = case([act("g", "stationary_combustion.natural_gas", 1000, "mmBtu", "US", 2023)], 2023)


def test_us_natural_gas_2023_takes_epa_2023(run_case: RunCase) -> None:
    # EPA Hub 2023 Table 1 natural gas: 53.06 kg CO2, 1 g CH4, 0.1 g N2O per mmBtu (HHV); a US
    # record in mmBtu is on the HHV basis too, so 1,000 mmBtu = 53.06 t CO2, no conversion.
    r = run_case(GAS_2023)["g"]
    assert r["factor_id"] == "epa-hub-2023:t1.natural-gas.mmbtu"
    assert r["co2_t"] == pytest.approx(53.06)
    assert r["co2e_t"] == pytest.approx((53.06 + 0.001 * CH4 + 0.0001 * N2O) * 1000 / 1000)
    assert not {"heat_basis_converted", "edition_year_mismatch"} & flags(r)


# 2022: EPA published no Hub edition for it, so under the strict policy (which refuses the 2021
# and 2023 editions) a US natural-gas record can only use the IPCC 2006 global default.
def ng_2022(**extra: Any) -> dict[str, Any]:
    return act("g", "stationary_combustion.natural_gas", 1000, "mmBtu", "US", 2022, **extra)


GAS_2022 = case([ng_2022()], 2022, "strict")


def test_us_natural_gas_on_the_ipcc_net_factor_is_converted(run_case: RunCase) -> None:
    # IPCC 2006 Vol. 2 Table 2.2, natural gas: 56,100 kg CO2, 1 kg CH4, 0.1 kg N2O per TJ on the
    # net (NCV) basis. US mmBtu are gross, so the energy is converted with IPCC 2006 Vol. 2
    # ch. 1's natural-gas ratio NCV = 0.90 x GCV:
    # 56,100 x 0.00105505585262 TJ/mmBtu x 0.90 = 53.27 kg CO2 per mmBtu → 1,000 mmBtu = 53.27 t.
    r = run_case(GAS_2022)["g"]
    net_tj = 1000 * TJ_PER_MMBTU * 0.90
    assert r["factor_id"] == "ipcc-2006-tier1:stationary.natural-gas.tj"
    assert r["co2_t"] == pytest.approx(56_100 * net_tj / 1000)
    assert round(r["co2_t"], 2) == 53.27
    assert r["co2e_t"] == pytest.approx((56_100 + 1.0 * CH4 + 0.1 * N2O) * net_tj / 1000)
    assert {"heat_basis_converted", "global_factor"} <= flags(r)


NET_GAS_2022 = case([ng_2022(heat_basis="NCV")], 2022, "strict")


def test_a_stated_net_basis_is_not_converted(run_case: RunCase) -> None:
    # The same record stating its mmBtu are net (NCV) meets the IPCC NCV factor unconverted:
    # 1,000 mmBtu x 0.00105505585262 TJ/mmBtu x 56,100 kg/TJ = 59.19 t CO2.
    r = run_case(NET_GAS_2022)["g"]
    assert r["co2_t"] == pytest.approx(56_100 * 1000 * TJ_PER_MMBTU / 1000)
    assert "heat_basis_converted" not in flags(r)


NET_GAS_2023 = case(
    [act("g", "stationary_combustion.natural_gas", 1000, "mmBtu", "US", 2023, heat_basis="NCV")],
    2023,
)


def test_a_net_record_on_a_gross_factor_is_divided_by_the_ratio(run_case: RunCase) -> None:
    # A 2023 US record stating net mmBtu meets EPA Hub 2023's gross factor (53.06 kg CO2/mmBtu
    # HHV): gross energy = net / 0.90, so 1,000 mmBtu x 53.06 / 0.90 = 58.96 t CO2.
    r = run_case(NET_GAS_2023)["g"]
    assert r["factor_id"] == "epa-hub-2023:t1.natural-gas.mmbtu"
    assert r["co2_t"] == pytest.approx(53.06 / 0.90)
    assert "heat_basis_converted" in flags(r)


LPG_2022 = case([act("l", "stationary_combustion.lpg", 100, "mmBtu", "US", 2022)], 2022, "strict")


def test_a_fuel_without_a_published_ratio_does_not_cross_bases(run_case: RunCase) -> None:
    # LPG has no NCV/GCV ratio in IPCC 2006 Vol. 2 ch. 1, so a 2022 US LPG record in mmBtu
    # (gross) cannot use the IPCC NCV factor: with the EPA Hub editions refused by the strict
    # policy, no factor.
    assert run_case(LPG_2022).unresolved.keys() == {"l"}


DIESEL_2023 = case([act("d", "stationary_combustion.diesel", 10, "t", "US", 2023)], 2023, "strict")


def test_mass_through_a_heat_content_needs_no_basis_conversion(run_case: RunCase) -> None:
    # 10 t of diesel in the US through the IPCC NCV (43 TJ/Gg) to its per-TJ factor (74,100 kg
    # CO2/TJ): the heat content and the factor share a basis, so 0.43 TJ x 74,100 = 31.863 t.
    r = run_case(DIESEL_2023)["d"]
    assert r["co2_t"] == pytest.approx(0.43 * 74_100 / 1000)
    assert "heat_basis_converted" not in flags(r)
    assert "heat_content_conversion" in flags(r)


SITES = [
    {"site": "PIT", "entity": "E", "kind": "campus", "region": "US-RFCW"},
    {"site": "SF", "entity": "E", "kind": "office", "region": "US-CAMX"},
]


SITE_REGIONS = case(
    [
        act("coarse", "electricity.grid", 100, "MWh", "US", 2024, site="PIT"),
        act("same", "electricity.grid", 100, "MWh", "US-RFCW", 2024, site="PIT"),
    ],
    2024,
    sites=SITES,
)


def test_a_coarser_record_region_takes_its_sites(run_case: RunCase) -> None:
    # 2024, 100 MWh at a US-RFCW site given as region US: the site's region is used, so the
    # eGRID2022 RFCW rate (EPA Hub 2024 Table 6: 1,000.1 lb CO2 per MWh, with CH4 and N2O) and
    # not a national one; flagged site_region_used. A record given the site's own region is
    # the same figure, unflagged.
    r = run_case(SITE_REGIONS)
    assert r["coarse"]["factor_id"] == "epa-hub-2024:t6.egrid2022.rfcw.total-output"
    assert r["coarse"]["factor_region"] == "US-RFCW"
    # 1,000.1 lb as the Hub prints it (five significant figures).
    assert r["coarse"]["co2_t"] == pytest.approx(100 * 1000.1 * 0.45359237 / 1000, rel=1e-4)
    assert r["coarse"]["co2e_t"] == pytest.approx(r["same"]["co2e_t"])
    assert "site_region_used" in flags(r["coarse"])
    assert "site_region_used" not in flags(r["same"])
    assert "parent_region_factor" not in flags(r["coarse"])
