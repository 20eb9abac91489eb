"""`zerotrail factors explain RECORD_ID`: every factor considered for one record, ranked by the
engine's own order, with the reason each stands where it does."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.cli.invoke import Result, zerotrail
from tests.engines.conftest import write_csv

ENTITIES = [
    {
        "entity": "E",
        "name": "Emmet",
        "parent": "",
        "equity_share": 100,
        "financial_control": "yes",
        "operational_control": "yes",
        "country": "US",
    }
]
SITES = [{"site": "PIT", "entity": "E", "kind": "campus", "region": "US-RFCW"}]


def record(rid: str, key: str, unit: str, region: str, year: int, **extra: Any) -> dict[str, Any]:
    return {
        "record_id": rid,
        "entity": "E",
        "period_start": f"{year}-01-01",
        "period_end": f"{year}-12-31",
        "activity": key,
        "quantity": 100,
        "unit": unit,
        "region": region,
        **extra,
    }


ACTS = [
    # Guangdong 2021: the South grid's first edition is 2022 (MEE/NBS), China's 2021 national.
    record("gd", "electricity.grid", "MWh", "CN-GD", 2021),
    # A 2022 US natural-gas record in mmBtu given region US at a US-RFCW site (EPA published
    # Hub editions for 2021 and 2023, none for 2022).
    record("ng", "stationary_combustion.natural_gas", "mmBtu", "US", 2022, site="PIT"),
]


def zt(tmp: Path, *args: str) -> Result:
    return zerotrail("--db", tmp / "w.duckdb", *args, cwd=tmp, env={"COLUMNS": "250"})


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workspace every test explains from, made once by the commands a user runs (`init`,
    then the three imports); about 3 s, so each test copies the closed file instead."""
    tmp = tmp_path_factory.mktemp("explain")
    assert zt(tmp, "init").returncode == 0
    for kind, rows in (("entities", ENTITIES), ("sites", SITES), ("activities", ACTS)):
        out = zt(tmp, "import", kind, str(write_csv(tmp / f"{kind}.csv", rows)))
        assert out.returncode == 0, out.stderr
    return tmp / "w.duckdb"


@pytest.fixture
def workspace(built: Path, tmp_path: Path) -> None:
    """This test's own copy of the built workspace, tmp_path/w.duckdb (a test may calculate)."""
    shutil.copyfile(built, tmp_path / "w.duckdb")


def explained(tmp: Path, *args: str) -> dict[str, Any]:
    out = zt(tmp, "factors", "explain", *args, "--format", "json")
    assert out.returncode == 0, out.stderr
    return dict(json.loads(out.stdout))


def by_id(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["factor_id"]: c for c in data["candidates"]}


@pytest.mark.usefixtures("workspace")
def test_explain_ranks_regions_before_editions(tmp_path: Path) -> None:
    data = explained(tmp_path, "gd")
    c = by_id(data)
    assert data["chosen"] == "cn-mee-grid:2022.regional-average.cn-south"
    assert data["factor_policy"] == "nearest"
    assert c["cn-mee-grid:2022.regional-average.cn-south"]["rank"] == 1
    assert "nearest later" in c["cn-mee-grid:2022.regional-average.cn-south"]["reason"]
    later = c["cn-mee-grid:2023.regional-average.cn-south"]
    assert later["rank"] == 2 and "nearer edition (2022)" in later["reason"]
    national = c["cn-mee-grid:2021.national-average.cn"]
    assert national["reason"] == "parent region CN; CN-SOUTH has one"
    unverified = c["cn-mee-grid:2019-2020.ets-power-sector-national-grid-average.cn"]
    assert unverified["reason"] == "unverified; a verified factor exists"
    ranks = [x["rank"] for x in data["candidates"] if x["rank"] is not None]
    assert ranks == list(range(1, len(ranks) + 1))


@pytest.mark.usefixtures("workspace")
def test_explain_the_site_region_the_basis_and_the_strict_policy(tmp_path: Path) -> None:
    data = explained(tmp_path, "ng")
    assert (data["stated_region"], data["region"], data["heat_basis"]) == ("US", "US-RFCW", "HHV")
    c = by_id(data)
    assert data["chosen"] == "epa-hub-2021:t1.natural-gas.mmbtu"
    assert "nearest earlier" in c["epa-hub-2021:t1.natural-gas.mmbtu"]["reason"]
    assert c["epa-hub-2023:t1.natural-gas.mmbtu"]["reason"] == (
        "edition 2023 for a 2022 record; an earlier edition (2021) comes first"
    )
    assert c["ipcc-2006-tier1:stationary.natural-gas.tj"]["reason"] == (
        "unverified; a verified factor exists"
    )
    assert c["epa-hub-2021:t1.natural-gas.scf"]["rank"] is None
    assert "does not convert" in c["epa-hub-2021:t1.natural-gas.scf"]["reason"]

    # The year's run under the strict policy: explain uses that policy.
    assert zt(tmp_path, "calculate", "--year", "2022", "--factor-policy", "strict").returncode == 0
    data = explained(tmp_path, "ng")
    c = by_id(data)
    assert data["factor_policy"] == "strict"
    assert data["chosen"] == "ipcc-2006-tier1:stationary.natural-gas.tj"
    assert "energy converted" in c["ipcc-2006-tier1:stationary.natural-gas.tj"]["reason"]
    epa = c["epa-hub-2021:t1.natural-gas.mmbtu"]
    assert (epa["rank"], epa["reason"]) == (
        None,
        "refused: strict policy (edition 2021 for a 2022 record)",
    )


@pytest.mark.usefixtures("workspace")
def test_explain_as_another_year_and_as_a_table(tmp_path: Path) -> None:
    # As a 2024 record the EPA Hub 2024 edition is valid: no edition note.
    data = explained(tmp_path, "ng", "--year", "2024")
    assert data["period_start"] == "2024-01-01"
    assert data["chosen"] == "epa-hub-2024:t1.natural-gas.mmbtu"
    assert data["candidates"][0]["reason"] == "used; verified"
    out = zt(tmp_path, "factors", "explain", "gd")
    assert out.returncode == 0, out.stderr
    assert "used: cn-mee-grid:2022.regional-average.cn-south" in out.stdout


@pytest.mark.usefixtures("workspace")
def test_explain_an_unknown_record_is_one_line(tmp_path: Path) -> None:
    out = zt(tmp_path, "factors", "explain", "nope")
    assert out.returncode == 1
    assert out.stderr.strip().endswith("no activity record 'nope' in this workspace")
