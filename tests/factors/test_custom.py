"""Custom and supplier-specific factor CSVs: a good file, and one bad fixture per rule."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest

from zerotrail.errors import DataError, Problem
from zerotrail.factors.custom import parse_custom_factors
from zerotrail.ingest.factors import read_custom_csv
from zerotrail.reference.factors import FactorRow

HEADER = "factor_id,activity,region,valid_from,valid_to,unit,gas,value,source"
GOOD = f"""{HEADER},value_unit,gwp_basis,supplier,verified,heat_content,heat_content_unit,heat_basis
steel-1,purchased_goods.steel,CN,2024-01-01,2024-12-31,t,CO2,1850,Acme EPD,kg,,Acme,yes,,,
steel-1,purchased_goods.steel,CN,2024-01-01,2024-12-31,t,CH4,2100,Acme EPD,g,,Acme,yes,,,
utility-1,electricity.supplier,CN-EAST,2024-01-01,,kWh,CO2e,120,Utility,g,AR5,,,,,
oil-1,stationary_combustion.heating_oil,GB,2023-01-01,,gallon,CO2,22.5,Lab,lb,,,,0.138,mmBtu/gallon,HHV
gas-1,fugitive.R-410A,GLOBAL,2020-01-01,,kg,R-410A,1,Own,t,,,false,,,
"""
# One valid row to build bad fixtures from; each fixture breaks one rule in row 2 or adds row 3.
ROW = "f1,electricity.grid,CN,2024-01-01,2024-12-31,kWh,CO2,0.5,Me"


def parse(
    text: str, source: str = "custom.csv"
) -> tuple[tuple[FactorRow, ...], tuple[Problem, ...]]:
    reader = csv.DictReader(io.StringIO(text))
    return parse_custom_factors(list(reader), source, columns=list(reader.fieldnames or []))


def test_good_file_parses_and_normalises_values_to_kg() -> None:
    rows, problems = parse(GOOD)
    assert problems == ()
    by_id = {(r.factor_id, r.gas): r for r in rows}
    steel = by_id[("steel-1", "CO2")]
    assert (steel.factor_set, steel.supplier, steel.verified, steel.value) == (
        "custom",
        "Acme",
        True,
        1850.0,
    )
    assert steel.source_ref == "custom.csv, row 2"
    assert by_id[("steel-1", "CH4")].value == 2.1  # 2100 g = 2.1 kg
    utility = by_id[("utility-1", "CO2e")]
    assert (utility.value, utility.gwp_basis, utility.valid_to) == (0.12, "AR5", None)
    assert utility.valid_from == dt.date(2024, 1, 1)
    oil = by_id[("oil-1", "CO2")]
    assert oil.value == pytest.approx(22.5 * 0.45359237)  # 22.5 lb × 0.45359237 kg/lb
    assert (oil.heat_content, oil.heat_content_unit, oil.heat_basis) == (
        0.138,
        "mmBtu/gallon",
        "HHV",
    )
    assert by_id[("gas-1", "R-410A")].value == 1000.0  # 1 t = 1000 kg


def bad(cells: dict[str, str], extra: str = "") -> str:
    """The valid row with some cells replaced, under HEADER plus the `extra` columns."""
    values = dict(zip(HEADER.split(","), ROW.split(","), strict=True)) | cells
    header = HEADER + extra
    return header + "\n" + ",".join(values.get(n, "") for n in header.split(",")) + "\n"


# name → (file text, row, column, a phrase the message must contain)
BAD_FIXTURES: dict[str, tuple[str, int | None, str | None, str]] = {
    "missing_required_column": (
        HEADER.replace(",source", "") + "\n" + ROW[: ROW.rindex(",")] + "\n",
        1,
        "source",
        "required column",
    ),
    "unknown_column": (HEADER + ",colour\n" + ROW + ",red\n", 1, "colour", "unknown column"),
    "repeated_column": (HEADER + ",gas\n" + ROW + ",CO2\n", 1, "gas", "appears twice"),
    "empty_required_cell": (bad({"source": ""}), 2, "source", "required"),
    "unknown_family": (bad({"activity": "flying.carpet"}), 2, "activity", "unknown activity"),
    "incomplete_key": (bad({"activity": "electricity"}), 2, "activity", "incomplete"),
    "bad_region": (bad({"region": "China"}), 2, "region", "not a region code"),
    "bad_date": (bad({"valid_from": "01/02/2024"}), 2, "valid_from", "YYYY-MM-DD"),
    "impossible_date": (bad({"valid_to": "2024-02-30"}), 2, "valid_to", "YYYY-MM-DD"),
    "reversed_validity": (bad({"valid_to": "2023-12-31"}), 2, "valid_to", "before valid_from"),
    "unknown_unit": (bad({"unit": "furlong-fortnight"}), 2, "unit", "expected a unit"),
    "not_a_number": (bad({"value": "half"}), 2, "value", "not a number"),
    "negative_value": (bad({"value": "-0.5"}), 2, "value", ">= 0"),
    "infinite_value": (bad({"value": "1e400"}), 2, "value", "finite"),
    "unknown_value_unit": (
        bad({"value_unit": "oz"}, ",value_unit"),
        2,
        "value_unit",
        "kg, g, t, lb",
    ),
    "unknown_gas": (bad({"gas": "CFC-11"}), 2, "gas", "unknown gas"),
    "co2e_without_gwp_basis": (bad({"gas": "CO2e"}), 2, "gwp_basis", "GWP basis"),
    "unknown_gwp_basis": (
        bad({"gas": "CO2e", "gwp_basis": "AR3"}, ",gwp_basis"),
        2,
        "gwp_basis",
        "AR4|AR5|AR5_CCFB|AR6|GHGP_AR6",
    ),
    "gwp_basis_on_co2": (
        bad({"gwp_basis": "AR5"}, ",gwp_basis"),
        2,
        "gwp_basis",
        "only CO2e",
    ),
    "biogenic_ch4": (
        bad({"gas": "CH4", "biogenic": "yes"}, ",biogenic"),
        2,
        "biogenic",
        "only CO2",
    ),
    "bad_flag": (bad({"verified": "maybe"}, ",verified"), 2, "verified", "true/false"),
    "bad_factor_set": (
        bad({"factor_set": "my set"}, ",factor_set"),
        2,
        "factor_set",
        "set id",
    ),
    "heat_content_without_unit": (
        bad({"heat_content": "0.138", "heat_basis": "HHV"}, ",heat_content,heat_basis"),
        2,
        "heat_content_unit",
        "needs a unit",
    ),
    "heat_unit_not_energy": (
        bad(
            {"heat_content": "0.138", "heat_content_unit": "kg/gallon", "heat_basis": "HHV"},
            ",heat_content,heat_content_unit,heat_basis",
        ),
        2,
        "heat_content_unit",
        "energy per amount",
    ),
    "heat_basis_unknown": (
        bad(
            {"heat_content": "0.138", "heat_content_unit": "mmBtu/gallon", "heat_basis": "LHV"},
            ",heat_content,heat_content_unit,heat_basis",
        ),
        2,
        "heat_basis",
        "HHV or NCV",
    ),
    "currency_year_not_a_year": (
        bad({"unit": "USD", "currency_year": "FY21"}, ",currency_year"),
        2,
        "currency_year",
        "not a year",
    ),
    "currency_year_on_a_physical_unit": (
        bad({"currency_year": "2021"}, ",currency_year"),
        2,
        "currency_year",
        "not a currency code",
    ),
    "currency_year_differs_between_gases": (
        HEADER
        + ",currency_year\n"
        + ROW.replace("kWh", "USD")
        + ",2021\n"
        + ROW.replace("kWh", "USD").replace("CO2", "CH4")
        + ",2022\n",
        3,
        "currency_year",
        "share activity, region, unit and validity",
    ),
    "extra_cells": (HEADER + "\n" + ROW + ",surplus\n", 2, None, "more cell"),
    "duplicate_gas": (
        HEADER + "\n" + ROW + "\n" + ROW.replace("0.5", "0.6") + "\n",
        3,
        "gas",
        "already has a CO2 value at row 2",
    ),
    "inconsistent_factor": (
        HEADER + "\n" + ROW + "\n" + ROW.replace(",CN,", ",CN-EAST,").replace("CO2", "CH4") + "\n",
        3,
        "region",
        "share activity, region, unit and validity",
    ),
    "empty_file": (HEADER + "\n", None, None, "no factor rows"),
}


@pytest.mark.parametrize("name", sorted(BAD_FIXTURES))
def test_bad_fixture_is_reported_with_file_row_and_column(name: str) -> None:
    text, row, column, phrase = BAD_FIXTURES[name]
    _, problems = parse(text, source=f"{name}.csv")
    matching = [p for p in problems if (p.row, p.column) == (row, column)]
    assert matching, problems
    assert all(p.source == f"{name}.csv" for p in problems)
    assert any(phrase in p.message for p in matching), matching


def test_every_problem_says_what_was_expected() -> None:
    for name, (text, *_) in BAD_FIXTURES.items():
        for problem in parse(text)[1]:
            assert re.search(r"expected|required", problem.message), (name, problem)


def test_read_custom_csv_accepts_a_bom_and_rejects_a_bad_file_whole(tmp_path: Path) -> None:
    good = tmp_path / "supplier.csv"
    good.write_text(GOOD, encoding="utf-8-sig")
    assert len(read_custom_csv(good)) == 5
    broken = tmp_path / "broken.csv"
    broken.write_text(
        GOOD + "x,electricity.grid,CN,2024-01-01,,kWh,CO2,-1,Me,kg,,,,,,\n", encoding="utf-8"
    )
    with pytest.raises(DataError) as caught:
        read_custom_csv(broken)
    (problem,) = caught.value.problems
    assert (problem.source, problem.row, problem.column) == ("broken.csv", 7, "value")


def test_docs_example_is_a_valid_file() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "factors.md").read_text(encoding="utf-8")
    example = doc.split("```csv\n", 1)[1].split("```", 1)[0]
    rows, problems = parse(example, "example.csv")
    assert problems == () and len(rows) == 3


def test_a_spend_factor_carries_its_currency_year() -> None:
    # A services factor per 2021 USD; a per-kWh factor has no currency year.
    text = (
        HEADER
        + ",gwp_basis,currency_year\n"
        + "svc-1,spend.naics.541511,US,2021-01-01,,USD,CO2e,0.2,Me,AR5,2021\n"
        + ROW
        + ",,\n"
    )
    rows, problems = parse(text)
    assert problems == ()
    assert [(r.factor_id, r.currency_year) for r in rows] == [("svc-1", 2021), ("f1", None)]
    assert rows[0].to_record()["currency_year"] == "2021"
    assert FactorRow.from_record(rows[0].to_record()) == rows[0]
