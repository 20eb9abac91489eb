"""Spend is deflated to its factor's price year before the factor applies (docs/methodology.md).

The factors: EPA Supply Chain GHG Emission Factors, NAICS 334111 (electronic computer
manufacturing), with margins, at purchaser price, weighed here with AR4 (CH4 25, N2O 298):
- v1.2 (valid from 2019), per 2021 USD: CO2 0.0933 + CH4 0.00033 x 25 + N2O 1.39e-05 x 298
  + fluorinated gases 0.0067353368 (CO2e, AR4) = 0.1124275368 kg CO2e (EPA prints 0.112);
- v1.3 (valid from 2022, so chosen from 2022 on), per 2022 USD: CO2 0.049 + CH4 0.000203 x 25
  + N2O 7.77e-06 x 298 + fluorinated gases 0.00161869744 (CO2e, AR5) = 0.05800915744 kg CO2e
  (EPA prints 0.058 in AR5).
The price indices are test fixtures, not real data: USD 2021 = 100.0, 2022 = 105.0, 2024 = 110.0.
Each test's rows are a case (`CASES`, tests/engines/conftest.py): on Spark, the module's cases
are calculated together, those with the same price indices in one workspace.
"""

from __future__ import annotations

import pytest

from tests.engines.conftest import Case, Cases, RunCase
from zerotrail.engine.settings import InventorySettings

V12 = "useeio-v1.2:naics.334111.usd2021"
V13 = "useeio-v1.3:naics.334111.usd2022"
KG_V12 = 0.0933 + 0.00033 * 25 + 1.39e-05 * 298 + 0.0067353368  # per 2021 USD, AR4
KG_V13 = 0.049 + 0.000203 * 25 + 7.77e-06 * 298 + 0.00161869744  # per 2022 USD, AR4
FIXTURE = "test fixture: USD index, not a real series"


def spend(rid: str, year: int, qty: float = 1000, unit: str = "USD", **extra: object) -> dict:
    return {
        "record_id": rid,
        "entity": "E",
        "period_start": f"{year}-03-01",
        "period_end": f"{year}-03-31",
        "activity": "spend.naics.334111",
        "quantity": qty,
        "unit": unit,
        "region": "US",
        **extra,
    }


def index(year: int, value: float) -> dict[str, object]:
    return {"currency": "USD", "year": year, "index": value, "source": FIXTURE}


CASES = Cases()
INDICES = [index(2021, 100.0), index(2022, 105.0), index(2024, 110.0)]


def case(rows: list[dict], year: int, indices: list[dict[str, object]]) -> Case:
    return CASES.add(rows, InventorySettings(year, "AR4"), price_indices=indices)


def flags(r: dict[str, object]) -> set[str]:
    return set(str(r["flags"]).split(";")) - {""}


LATER = case([spend("s1", 2024), spend("s2", 2024, 1, "kUSD")], 2024, INDICES)


def test_spend_of_a_later_year_is_deflated_to_the_factors_dollar_year(run_case: RunCase) -> None:
    # 1,000 USD spent in 2024 takes v1.3 and is 1,000 x 105 / 110 = 954.55 USD of 2022:
    # x 0.05800915744 kg/USD = 55.3723... kg CO2e. 1 kUSD is the same spend.
    r = run_case(LATER)
    for rid in ("s1", "s2"):
        assert r[rid]["factor_id"] == V13
        assert r[rid]["co2e_t"] == pytest.approx(1000 * 105.0 / 110.0 * KG_V13 / 1000)
        assert r[rid]["co2e_t"] == pytest.approx(0.0553723775)
        assert r[rid]["co2e_market_t"] == r[rid]["co2e_t"]
        assert r[rid]["deflator"] == pytest.approx(105.0 / 110.0)
        assert "spend_not_deflated" not in flags(r[rid])
        # The fluorinated part is in AR5 (EPA's basis for v1.3), the run is AR4.
        assert "gwp_basis_mismatch" in flags(r[rid])


NO_2024_INDEX = case([spend("s1", 2024)], 2024, [index(2022, 100.0)])


def test_a_missing_index_leaves_the_spend_as_given_and_flags_it(run_case: RunCase) -> None:
    # No 2024 index: 1,000 USD x 0.05800915744 kg/USD = 58.009 kg CO2e, flagged.
    r = run_case(NO_2024_INDEX)["s1"]
    assert r["co2e_t"] == pytest.approx(KG_V13)
    assert r["deflator"] is None
    assert "spend_not_deflated" in flags(r)


NO_INDICES = case([spend("s1", 2024)], 2024, [])


def test_no_indices_at_all_changes_no_number(run_case: RunCase) -> None:
    # A workspace without price indices: 1,000 USD x 0.05800915744 = 58.009 kg CO2e, flagged.
    r = run_case(NO_INDICES)["s1"]
    assert r["co2e_t"] == pytest.approx(KG_V13)
    assert "spend_not_deflated" in flags(r)


DOLLAR_YEAR = case([spend("s1", 2021)], 2021, [index(2024, 110.0)])


def test_spend_of_the_dollar_year_needs_no_index(run_case: RunCase) -> None:
    # 2021 spend takes v1.2, a 2021-USD factor: 1,000 x 0.1124275368 = 112.43 kg, no deflator,
    # no flag, even though no index for 2021 exists.
    r = run_case(DOLLAR_YEAR)["s1"]
    assert r["factor_id"] == V12
    assert r["co2e_t"] == pytest.approx(KG_V12)
    assert r["co2e_t"] == pytest.approx(0.1124275368)
    assert r["deflator"] is None
    assert "spend_not_deflated" not in flags(r)
    assert "gwp_basis_mismatch" not in flags(r)  # v1.2's fluorinated part is AR4, as the run


PINNED = case([spend("s1", 2024, factor_id=V12)], 2024, INDICES)


def test_the_chosen_factors_own_year_is_used(run_case: RunCase) -> None:
    # Pinned v1.2 factor, 0.1124275368 kg CO2e per 2021 USD: 1,000 USD of 2024 = 1,000 x 100
    # / 110 USD of 2021 -> 102.2068... kg CO2e.
    r = run_case(PINNED)["s1"]
    assert r["factor_id"] == V12
    assert r["co2e_t"] == pytest.approx(1000 * 100.0 / 110.0 * KG_V12 / 1000)
    assert r["deflator"] == pytest.approx(100.0 / 110.0)


GRID = case(
    [{**spend("e1", 2023, 10, "MWh"), "activity": "electricity.grid", "region": "CN-EAST"}],
    2023,
    [index(2021, 100.0), index(2023, 108.0)],
)


def test_factors_without_a_currency_year_are_never_deflated(run_case: RunCase) -> None:
    # MEE/NBS 2023 East China 0.5500 kg CO2/kWh: 10 MWh = 5.5 t, whatever the indices say.
    r = run_case(GRID)["e1"]
    assert r["co2e_t"] == pytest.approx(5.5)
    assert r["deflator"] is None
    assert "spend_not_deflated" not in flags(r)
