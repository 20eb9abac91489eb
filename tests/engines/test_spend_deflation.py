"""Spend is deflated to its factor's price year before the factor applies (docs/methodology.md).

The factor: USEEIO v1.2 NAICS 334111 (electronic computer manufacturing), with margins,
0.112 kg CO2e per 2021 USD at purchaser price (EPA Supply Chain GHG Emission Factors v1.2); the
v1.3 quote for the same code is 0.058 kg CO2e per 2022 USD (unverified). The price indices are
test fixtures, not real data: USD 2021 = 100.0, 2022 = 105.0, 2024 = 110.0.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engines.conftest import load, results
from zerotrail.engine.settings import InventorySettings
from zerotrail.pipeline.calculation import calculate
from zerotrail.store.workspace import Workspace

V12 = "useeio-v1.2:naics.334111.usd2021"
V13 = "useeio-v1.3-quotes:naics.334111.usd2022"
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


def run(
    ws: Workspace, tmp: Path, rows: list[dict], year: int, indices: list[dict[str, object]]
) -> dict[str, dict[str, object]]:
    load(ws, tmp, activities=rows, price_indices=indices)
    calculate(ws, InventorySettings(year, "AR4"))
    return results(ws, year)


def flags(r: dict[str, object]) -> set[str]:
    return set(str(r["flags"]).split(";")) - {""}


def test_spend_of_a_later_year_is_deflated_to_the_factors_dollar_year(
    workspace: Workspace, tmp_path: Path
) -> None:
    # 1,000 USD spent in 2024 is 1,000 x 100 / 110 = 909.09 USD of 2021:
    # x 0.112 kg/USD = 101.8181... kg CO2e. 1 kUSD is the same spend.
    r = run(
        workspace,
        tmp_path,
        [spend("s1", 2024), spend("s2", 2024, 1, "kUSD")],
        2024,
        [index(2021, 100.0), index(2024, 110.0)],
    )
    for rid in ("s1", "s2"):
        assert r[rid]["factor_id"] == V12
        assert r[rid]["co2e_t"] == pytest.approx(1000 * 100.0 / 110.0 * 0.112 / 1000)
        assert r[rid]["co2e_t"] == pytest.approx(0.1018181818)
        assert r[rid]["co2e_market_t"] == r[rid]["co2e_t"]
        assert r[rid]["deflator"] == pytest.approx(100.0 / 110.0)
        assert "spend_not_deflated" not in flags(r[rid])


def test_a_missing_index_leaves_the_spend_as_given_and_flags_it(
    workspace: Workspace, tmp_path: Path
) -> None:
    # No 2024 index: 1,000 USD x 0.112 kg/USD = 112 kg CO2e, flagged.
    r = run(workspace, tmp_path, [spend("s1", 2024)], 2024, [index(2021, 100.0)])["s1"]
    assert r["co2e_t"] == pytest.approx(0.112)
    assert r["deflator"] is None
    assert "spend_not_deflated" in flags(r)


def test_no_indices_at_all_changes_no_number(workspace: Workspace, tmp_path: Path) -> None:
    # A workspace without price indices (the demo's): 112 kg CO2e as before, flagged.
    r = run(workspace, tmp_path, [spend("s1", 2024)], 2024, [])["s1"]
    assert r["co2e_t"] == pytest.approx(0.112)
    assert "spend_not_deflated" in flags(r)


def test_spend_of_the_dollar_year_needs_no_index(workspace: Workspace, tmp_path: Path) -> None:
    # 2021 spend under a 2021-USD factor: 1,000 x 0.112 = 112 kg, no deflator, no flag, even
    # though no index for 2021 exists.
    r = run(workspace, tmp_path, [spend("s1", 2021)], 2021, [index(2024, 110.0)])["s1"]
    assert r["co2e_t"] == pytest.approx(0.112)
    assert r["deflator"] is None
    assert "spend_not_deflated" not in flags(r)


def test_the_chosen_factors_own_year_is_used(workspace: Workspace, tmp_path: Path) -> None:
    # Pinned v1.3 factor, 0.058 kg CO2e per 2022 USD: 1,000 USD of 2024 = 1,000 x 105 / 110
    # USD of 2022 → 55.3636... kg CO2e.
    r = run(
        workspace,
        tmp_path,
        [spend("s1", 2024, factor_id=V13)],
        2024,
        [index(2021, 100.0), index(2022, 105.0), index(2024, 110.0)],
    )["s1"]
    assert r["factor_id"] == V13
    assert r["co2e_t"] == pytest.approx(1000 * 105.0 / 110.0 * 0.058 / 1000)
    assert r["deflator"] == pytest.approx(105.0 / 110.0)


def test_factors_without_a_currency_year_are_never_deflated(
    workspace: Workspace, tmp_path: Path
) -> None:
    # MEE/NBS 2023 East China 0.5500 kg CO2/kWh: 10 MWh = 5.5 t, whatever the indices say.
    row = {
        **spend("e1", 2023, 10, "MWh"),
        "activity": "electricity.grid",
        "region": "CN-EAST",
    }
    r = run(workspace, tmp_path, [row], 2023, [index(2021, 100.0), index(2023, 108.0)])["e1"]
    assert r["co2e_t"] == pytest.approx(5.5)
    assert r["deflator"] is None
    assert "spend_not_deflated" not in flags(r)
