"""`zerotrail factors search` filters, `factors diff` and the suggestions for mistyped names
(issue 13, point 6), on two small editions of a custom publisher imported here."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.invoke import Result, zerotrail

HEADER = (
    "factor_id,factor_set,activity,region,valid_from,valid_to,unit,gas,value,source,edition,"
    "biogenic\n"
)
# Two editions of "Acme Travel Factors": the 2023 one (valid for 2023) and the 2024 one (valid
# for 2024). Car falls 0.313 -> 0.175 kg CO2/mile (-44.1%), rail is unchanged, air long-haul is
# only in 2024, the ferry only in 2023.
EDITIONS = (
    "car-23,acme-2023,business_travel.car,US,2023-01-01,2023-12-31,mile,CO2,0.313,Acme,2023,\n"
    "rail-23,acme-2023,business_travel.rail,US,2023-01-01,2023-12-31,mile,CO2,0.1,Acme,2023,\n"
    "ferry-23,acme-2023,business_travel.ferry,US,2023-01-01,2023-12-31,mile,CO2,0.2,Acme,2023,\n"
    "car-24,acme-2024,business_travel.car,US,2024-01-01,2024-12-31,mile,CO2,0.175,Acme,2024,\n"
    "rail-24,acme-2024,business_travel.rail,US,2024-01-01,2024-12-31,mile,CO2,0.1,Acme,2024,\n"
    "air-24,acme-2024,business_travel.air.long_haul,US,2024-01-01,2024-12-31,mile,CO2,0.16,"
    "Acme,2024,\n"
    "airship-24,acme-2024,business_travel.airship,US,2024-01-01,2024-12-31,mile,CO2,0.5,"
    "Acme,2024,\n"
)


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("factors")
    assert zt(folder, "init").code == 0
    path = folder / "acme.csv"
    path.write_text(HEADER + EDITIONS)
    res = zt(folder, "import", "factors", str(path))
    assert res.code == 0, res.stderr
    return folder


def zt(folder: Path, *args: str) -> Result:
    return zerotrail("--db", folder / "w.duckdb", *args, cwd=folder, env={"COLUMNS": "200"})


def ids(folder: Path, *args: str) -> list[str]:
    """The factor ids a search finds, from its JSON."""
    res = zt(folder, "factors", "search", *args, "--format", "json")
    assert res.code == 0, res.stderr
    return sorted({r["factor_id"] for r in json.loads(res.stdout)})


def test_each_filter_alone(company: Path) -> None:
    acme = ["air-24", "airship-24", "car-23", "car-24", "ferry-23", "rail-23", "rail-24"]
    assert ids(company, "--set", "acme-2024") == ["air-24", "airship-24", "car-24", "rail-24"]
    assert ids(company, "--edition", "2023", "--set", "acme-2023") == [
        "car-23",
        "ferry-23",
        "rail-23",
    ]
    # The set's name is its id for a custom set: `acme` finds both editions, and only them.
    assert ids(company, "--publisher", "ACME") == acme
    # Whole segments: business_travel.air is not business_travel.airship.
    assert ids(company, "--activity", "business_travel.air") == ["air-24"]
    assert "airship-24" in ids(company, "--activity", "business_travel.airship")
    assert "car-23" not in ids(company, "car", "--year", "2024", "--limit", "500")
    assert "car-24" in ids(company, "car", "--year", "2024", "--limit", "500")
    assert all(
        r == "US"
        for r in (f["region"] for f in rows(company, "--region", "US", "--set", "acme-2023"))
    )


def rows(folder: Path, *args: str) -> list[dict[str, Any]]:
    res = zt(folder, "factors", "search", *args, "--format", "json")
    assert res.code == 0, res.stderr
    data: list[dict[str, Any]] = json.loads(res.stdout)
    return data


def test_filters_combine_with_each_other_and_the_words(company: Path) -> None:
    assert ids(company, "--publisher", "acme", "--year", "2023") == [
        "car-23",
        "ferry-23",
        "rail-23",
    ]
    assert ids(company, "rail", "--publisher", "acme", "--year", "2024") == ["rail-24"]
    assert ids(
        company, "--activity", "business_travel", "--set", "acme-2023", "--year", "2023"
    ) == [
        "car-23",
        "ferry-23",
        "rail-23",
    ]
    # Filters that exclude each other: nothing, exit 1, saying what was asked.
    res = zt(company, "factors", "search", "--set", "acme-2023", "--year", "2024")
    assert res.code == 1
    assert res.stderr.strip() == "error: no factor matches --set acme-2023 --year 2024"


def test_search_formats(company: Path) -> None:
    res = zt(company, "factors", "search", "--set", "acme-2024", "--format", "csv")
    assert res.code == 0, res.stderr
    table = list(csv.DictReader(io.StringIO(res.stdout)))
    assert {r["factor_id"]: r["value"] for r in table}["car-24"] == "0.175"
    out = zt(company, "factors", "search", "car", "--set", "acme-2024")
    assert "factors matching 'car' --set acme-2024" in out.stdout and "car-24" in out.stdout


def test_diff_of_two_editions(company: Path) -> None:
    res = zt(company, "factors", "diff", "acme-2023", "acme-2024", "--format", "json")
    assert res.code == 0, res.stderr
    by_key = {r["activity"]: r for r in json.loads(res.stdout)}
    car = by_key["business_travel.car"]
    assert (car["status"], car["value_a"], car["value_b"]) == ("changed", 0.313, 0.175)
    assert car["relative_change"] == pytest.approx(0.175 / 0.313 - 1)  # -44.1 %
    assert by_key["business_travel.rail"]["status"] == "same"
    assert by_key["business_travel.ferry"]["status"] == "only_a"
    assert by_key["business_travel.air.long_haul"]["status"] == "only_b"
    assert len(by_key) == 5

    table = zt(company, "factors", "diff", "acme-2023", "acme-2024").stdout
    assert (
        "acme-2023 -> acme-2024: 2 factor gases in both (1 changed, 1 the same),"
        " 1 only in acme-2023, 2 only in acme-2024" in table
    )
    car_line = next(line for line in table.splitlines() if "business_travel.car" in line)
    for cell in ("0.313", "0.175", "-44.1%", "per mile"):
        assert cell in car_line
    assert "only in acme-2023 (1):\n  business_travel.ferry  US  CO2  0.2 per mile" in table

    flat = list(
        csv.DictReader(
            io.StringIO(
                zt(company, "factors", "diff", "acme-2023", "acme-2024", "--format", "csv").stdout
            )
        )
    )
    assert [r["status"] for r in flat].count("only_b") == 2


def test_diff_refuses_an_unknown_set_with_suggestions(company: Path) -> None:
    res = zt(company, "factors", "diff", "acme-2023", "acme-2042")
    assert res.code == 1
    assert res.stderr.strip() == (
        "error: unknown factor set 'acme-2042'; did you mean acme-2023 or acme-2024? (see"
        " `zerotrail factors list`)"
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("factors", "search", "--activity", "fugitive.R410A"),
            "error: unknown activity key 'fugitive.R410A'; did you mean fugitive.R-410A?",
        ),
        (
            ("factors", "search", "--activity", "business_travel.carr"),
            "error: unknown activity key 'business_travel.carr'; did you mean business_travel.car?",
        ),
        (
            ("factors", "search", "--region", "US-RFWC"),
            "error: --region: 'US-RFWC' is not a known US region (expected one of the 84 codes"
            " docs/formats.md lists, such as US-CAMX, US-CA); did you mean US-RFCE, US-RFCM or"
            " US-RFCW?",
        ),
        (
            ("factors", "show", "car-2A"),
            "error: unknown factor 'car-2A'; did you mean car-23 or car-24? (try `zerotrail"
            " factors search`)",
        ),
    ],
    ids=["key", "custom-key", "region", "factor-id"],
)
def test_mistyped_names_get_the_closest_known(
    company: Path, args: tuple[str, ...], line: str
) -> None:
    res = zt(company, *args)
    assert res.code == 1
    assert res.stderr.strip() == line


def test_filter_values_are_text_never_sql_or_wildcards(company: Path) -> None:
    for value in ("'; DROP TABLE factors; --", "%", "_"):
        res = zt(company, "factors", "search", "--publisher", value)
        assert res.code == 1 and "no factor matches --publisher" in res.stderr, res.stderr
    assert ids(company, "--set", "acme-2024") == ["air-24", "airship-24", "car-24", "rail-24"]


def test_list_gives_each_shipped_editions_year_release_and_data(tmp_path: Path) -> None:
    # No workspace: the shipped library. DESNZ 2023 is for 2023 activity and was updated on
    # 20 June 2023 (its front page); EPA Hub 2023's grid factors are eGRID2021's.
    out = zerotrail("--db", str(tmp_path / "none.duckdb"), "factors", "list", "--format", "json")
    assert out.returncode == 0, out.stderr
    sets = {s["factor_set"]: s for s in json.loads(out.stdout)}
    desnz = sets["desnz-2023"]
    assert (desnz["reporting_year"], desnz["published"]) == (2023, "2023-06-20")
    hub = sets["epa-hub-2023"]
    assert hub["reporting_year"] == 2023 and "eGRID2021" in hub["data_year"]
    assert sets["useeio-v1.3"]["reporting_year"] is None  # not named for a year
    text = zerotrail("--db", str(tmp_path / "none.duckdb"), "factors", "list")
    assert "dates:     for 2023 activity; published 2023-06-20" in text.stdout


def test_diff_keeps_gross_and_net_factors_apart(tmp_path: Path) -> None:
    # DESNZ gives natural gas per kWh on gross CV (HHV) and net CV (NCV): two factors of one
    # key and unit. 2024 flat file: 0.18253 kg CO2 per kWh gross, 0.20223 net.
    out = zerotrail(
        "--db", str(tmp_path / "none.duckdb"), "factors", "diff", "desnz-2023", "desnz-2024",
        "--format", "json",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    gas = {
        r["heat_basis"]: r
        for r in json.loads(out.stdout)
        if (r["activity"], r["region"], r["unit"], r["gas"])
        == ("stationary_combustion.natural_gas", "GB", "kWh", "CO2")
    }
    assert sorted(gas) == ["HHV", "NCV"]
    assert (gas["HHV"]["value_b"], gas["NCV"]["value_b"]) == (0.18253, 0.20223)


def test_publisher_filter_finds_every_desnz_edition_even_those_beis_published(
    tmp_path: Path,
) -> None:
    # 2019-2022 were published by BEIS; the sets are desnz-2019 ... desnz-2025.
    out = zerotrail(
        "--db", str(tmp_path / "none.duckdb"), "factors", "search", "--publisher", "desnz",
        "--activity", "electricity.grid", "--region", "GB", "--format", "json",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    sets = {r["factor_id"].split(":")[0] for r in json.loads(out.stdout)}
    assert sets == {f"desnz-{year}" for year in range(2019, 2026)}


def test_show_names_each_gas_cell_where_they_differ(tmp_path: Path) -> None:
    # EPA Hub 2024 Table 6, RFCW total output: CO2 in column E, CH4 in F, N2O in G of row 350.
    out = zerotrail(
        "--db", str(tmp_path / "none.duckdb"), "factors", "show",
        "epa-hub-2024:t6.egrid2022.rfcw.total-output",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = {line.split()[0]: line for line in out.stdout.splitlines()[1:]}
    assert "source_ref" not in lines  # no single reference for three cells
    assert "'Emission Factors Hub'!E350" in lines["CO2"]
    assert "'Emission Factors Hub'!F350" in lines["CH4"]
