"""The command line end to end: a user's session from init to the inventory JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.invoke import Result, process, zerotrail
from tests.engines.conftest import ROOT, write_csv

SITES = [{"site": "HZ", "entity": "E", "kind": "campus", "region": "CN-EAST"}]
ACTS = [
    {
        "record_id": "a1",
        "entity": "E",
        "site": "HZ",
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "activity": "electricity.grid",
        "quantity": 1000,
        "unit": "MWh",
        "region": "CN-EAST",
    },
    {
        "record_id": "a2",
        "entity": "E",
        "site": "HZ",
        "period_start": "2023-02-01",
        "period_end": "2023-02-28",
        "activity": "fugitive.SF6",
        "quantity": 1,
        "unit": "kg",
        "region": "CN",
    },
]


def zt(tmp: Path, *args: str) -> Result:
    """`zerotrail --db TMP/w.duckdb ARGS` run from TMP (in this process; tests/cli/invoke.py)."""
    return zerotrail("--db", tmp / "w.duckdb", *args, cwd=tmp, env={"COLUMNS": "200"})


def test_version_as_its_own_process(tmp_path: Path) -> None:
    # A real process: the module entry point, start-up and shutdown (everything else here runs
    # through main() in this process).
    out = process("--version", cwd=tmp_path)
    assert out.returncode == 0 and out.stdout.startswith("zerotrail ") and out.stderr == ""


def test_factors_search_without_workspace_shows_source_and_licence(tmp_path: Path) -> None:
    out = zt(tmp_path, "factors", "search", "diesel", "--region", "US", "--limit", "3")
    assert out.returncode == 0, out.stderr
    assert "EPA GHG Emission Factors Hub" in out.stdout
    assert "public domain" in out.stdout


def test_gwp_show(tmp_path: Path) -> None:
    out = zt(tmp_path, "gwp", "show", "--set", "AR6")
    assert out.returncode == 0
    assert "27.9" in out.stdout and "HFC-134a" in out.stdout


def test_session_init_import_calculate_inventory(tmp_path: Path) -> None:
    assert zt(tmp_path, "init", "--organization", "Emmet").returncode == 0
    for kind, rows in (("entities", ROOT), ("sites", SITES), ("activities", ACTS)):
        out = zt(tmp_path, "import", kind, str(write_csv(tmp_path / f"{kind}.csv", rows)))
        assert out.returncode == 0, out.stderr
    out = zt(tmp_path, "calculate", "--year", "2023")
    assert out.returncode == 0, out.stderr
    data = json.loads(zt(tmp_path, "inventory", "--year", "2023", "--format", "json").stdout)
    # 1,000 MWh x 0.5500 t/MWh (MEE/NBS 2023 East China) = 550 t; 1 kg SF6 x 23,500 (AR5).
    assert data["scope2_location"] == pytest.approx(550.0)
    assert data["scope1"] == pytest.approx(23.5)
    assert set(data["scope3_by_category"]) == {str(c) for c in range(1, 16)}
    assert data["by_gas"]["SF6"] == {"mass_t": pytest.approx(0.001), "co2e_t": pytest.approx(23.5)}
    for key in (
        "year",
        "gwp_set",
        "consolidation",
        "scope2_market",
        "scope3",
        "biogenic_co2",
        "total_location",
        "total_market",
        "problems",
    ):
        assert key in data
    csv_out = zt(tmp_path, "inventory", "--year", "2023", "--format", "csv", "--by", "gas")
    assert csv_out.stdout.splitlines()[0] == "gas,mass_t,co2e_t"


def test_bad_file_exits_1_naming_row_and_column(tmp_path: Path) -> None:
    zt(tmp_path, "init")
    zt(tmp_path, "import", "entities", str(write_csv(tmp_path / "e.csv", ROOT)))
    bad = [{**ACTS[1], "quantity": "lots"}]
    out = zt(tmp_path, "import", "activities", str(write_csv(tmp_path / "a.csv", bad)))
    assert out.returncode == 1
    assert "row 2, column 'quantity': not a number: 'lots'" in out.stderr


def test_missing_workspace_is_one_clear_line(tmp_path: Path) -> None:
    out = zt(tmp_path, "inventory", "--year", "2023")
    assert out.returncode == 1
    assert "zerotrail init" in out.stderr and "Traceback" not in out.stderr


def test_price_indices_deflate_spend_end_to_end(tmp_path: Path) -> None:
    # USEEIO v1.3 NAICS 334111 (the edition from 2022 on), per 2022 USD, with AR5: CO2 0.049
    # + CH4 0.000203 x 28 + N2O 7.77e-06 x 265 + fluorinated 0.00161869744 = 0.05836174744 kg
    # CO2e. Test-fixture indices (not real data): USD 2022 = 100.0, 2024 = 110.0. 1,000,000 USD
    # spent in 2024 is 909,090.9 USD of 2022 -> 53.056 t CO2e; a 2023 purchase has no 2023
    # index: 58.362 t, flagged.
    spend = {
        "entity": "E",
        "activity": "spend.naics.334111",
        "quantity": 1_000_000,
        "unit": "USD",
        "region": "US",
        "scope3_category": 2,
    }
    acts = [
        {**spend, "record_id": "s24", "period_start": "2024-05-01", "period_end": "2024-05-31"},
        {**spend, "record_id": "s23", "period_start": "2023-05-01", "period_end": "2023-05-31"},
    ]
    source = "test fixture: USD index (not real data)"
    indices = [
        {"currency": "USD", "year": 2022, "index": 100.0, "source": source},
        {"currency": "USD", "year": 2024, "index": 110.0, "source": source},
    ]
    assert zt(tmp_path, "init").returncode == 0
    for kind, rows in (("entities", ROOT), ("activities", acts), ("price-indices", indices)):
        out = zt(tmp_path, "import", kind, str(write_csv(tmp_path / f"{kind}.csv", rows)))
        assert out.returncode == 0, out.stderr
    assert "2 added" in out.stdout
    again = zt(tmp_path, "import", "price-indices", str(tmp_path / "price-indices.csv"))
    assert "nothing new" in again.stdout

    changed = [indices[0], {**indices[1], "index": 111.0}]
    out = zt(tmp_path, "import", "price-indices", str(write_csv(tmp_path / "p2.csv", changed)))
    assert out.returncode == 1
    assert "row 3, column 'index'" in out.stderr and "--replace" in out.stderr

    for year in ("2024", "2023"):
        assert zt(tmp_path, "calculate", "--year", year).returncode == 0
    y24 = json.loads(zt(tmp_path, "inventory", "--year", "2024", "--format", "json").stdout)
    kg_per_usd = 0.049 + 0.000203 * 28 + 7.77e-06 * 265 + 0.00161869744
    assert y24["scope3"] == pytest.approx(1_000_000 * 100.0 / 110.0 * kg_per_usd / 1000)
    assert "spend_not_deflated" not in y24["flags"]
    y23 = json.loads(zt(tmp_path, "inventory", "--year", "2023", "--format", "json").stdout)
    assert y23["scope3"] == pytest.approx(1_000_000 * kg_per_usd / 1000)
    assert y23["flags"]["spend_not_deflated"] == 1
