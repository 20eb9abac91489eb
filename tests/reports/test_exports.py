"""Every CSV and XLSX export neutralises text a spreadsheet would read as a formula (OWASP's
CSV injection rule: =, +, -, @, tab, carriage return), and only text: numbers stay numbers.

One small company, built once: entities named like formulas, imported (the import strips
surrounding whitespace, so the two that start with a tab or a carriage return are renamed in
the tables afterwards), and a refund whose spend is negative, so a Scope 3 figure is -11.2 t:
-100,000 USD of NAICS 334111 (computers) at the shipped USEEIO factor.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from tests.conftest import Templates, open_copy
from tests.engines.conftest import load
from zerotrail.cli import app
from zerotrail.engine.settings import InventorySettings
from zerotrail.ledger.note import generate_signer, parse_signer_key
from zerotrail.pipeline.calculation import calculate
from zerotrail.reports.cells import (
    CsvWriter,
    csv_cell,
    formula_like,
    printable,
    printable_tree,
    xlsx_cell,
)
from zerotrail.reports.disclosures import About, Section
from zerotrail.reports.xlsx import write_xlsx
from zerotrail.store.checkpoints import sign_checkpoint

FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-cmd", "@SUM(A1)", "\tx", "\rx"]
HARMLESS = ["E", "x=1", "a-b", " plain", "'quoted", "−12"]  # U+2212, not a hyphen
REFUND = "refund"


def entity(name: str) -> dict[str, Any]:
    return {
        "entity": name,
        "name": name,
        "parent": "" if name == "E" else "E",
        "equity_share": 100,
        "financial_control": "yes",
        "operational_control": "yes",
        "country": "CN",
    }


def activity(rid: str, who: str, **what: Any) -> dict[str, Any]:
    row = {
        "record_id": rid,
        "entity": who,
        "site": "",
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "activity": "electricity.grid",
        "quantity": 10,
        "unit": "MWh",
        "region": "CN-EAST",
    }
    return {**row, **what}


# Stored under a placeholder, renamed in the tables after the import (which strips them).
PLACEHOLDERS = {"\tx": "tab-x", "\rx": "cr-x"}


@pytest.fixture(scope="module")
def db(workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("exports")
    path = str(tmp / "w.duckdb")
    ws = open_copy(workspace_template(), tmp)  # the shipped factors, loaded once a session
    try:
        names = ["E", *(PLACEHOLDERS.get(n, n) for n in FORMULAS)]
        acts = [activity(f"{n}-elec" if n[0] != "=" else "=cmd|'/c calc'!A1", n) for n in names]
        acts.append(
            activity(
                "-refund",
                REFUND,
                activity="spend.naics.334111",
                quantity=-100000,
                unit="USD",
                region="US",
            )
        )
        load(ws, tmp, activities=acts, entities=[entity(n) for n in [*names, REFUND]])
        calculate(ws, InventorySettings(2023, "AR5"))
        for real, placeholder in PLACEHOLDERS.items():
            for table in ("entities", "activities", "run_signatures"):
                ws.execute(f"UPDATE {table} SET entity = ? WHERE entity = ?", [real, placeholder])
        sign_checkpoint(ws, parse_signer_key(generate_signer("example.com/exports")[0]))
    finally:
        ws.close()
    yield path


# --- the rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_text_gets_an_apostrophe(text: str) -> None:
    assert formula_like(text)
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", [*HARMLESS, -12.5, -3, 0.0, None, True])
def test_anything_else_is_written_as_it_is(value: Any) -> None:
    assert not formula_like(value)
    assert csv_cell(value) is value


def test_numbers_stay_numbers_and_text_stays_text_in_csv() -> None:
    buf = io.StringIO()
    CsvWriter(buf, lineterminator="\n").writerow([-12.5, "-12.5", "=1+1", 3])
    assert buf.getvalue() == "-12.5,'-12.5,'=1+1,3\n"


def test_xlsx_cells_hold_text_never_formulas(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    for i, value in enumerate([*FORMULAS, -12.5, "plain", "a\x01b"], start=1):
        xlsx_cell(sheet, i, 1, value)
    wb.save(tmp_path / "t.xlsx")
    back = load_workbook(tmp_path / "t.xlsx").active
    for i, text in enumerate(FORMULAS, start=1):
        cell = back.cell(row=i, column=1)
        # (XML reads a carriage return back as a line feed.)
        assert (cell.value, cell.data_type, cell.quotePrefix) == (
            text.replace("\r", "\n"),
            "s",
            True,
        )
    negative = back.cell(row=len(FORMULAS) + 1, column=1)
    assert (negative.value, negative.data_type) == (-12.5, "n")
    plain = back.cell(row=len(FORMULAS) + 2, column=1)
    assert (plain.value, plain.quotePrefix) == ("plain", False)
    # openpyxl refuses U+0001 outright; the cell shows U+FFFD instead.
    assert back.cell(row=len(FORMULAS) + 3, column=1).value == "a\ufffdb"


def test_printable_replaces_what_renderers_cannot_draw() -> None:
    assert printable("a\x01b\x1bc\x7f\ufffe\ud800") == "a\ufffdb\ufffdc\ufffd\ufffd\ufffd"
    assert printable("a\nb\tc") == "a\nb\ufffdc"
    assert printable("a\nb\tc\rd", keep="\t\n\r") == "a\nb\tc\rd"
    assert printable_tree({"k\x01": ["x\x02", ("y\x03", 1.5)]}) == {
        "k\ufffd": ["x\ufffd", ("y\ufffd", 1.5)]
    }


# --- the exports -------------------------------------------------------------------------------


def test_inventory_csv_neutralises_names_not_numbers(db: str) -> None:
    result = CliRunner().invoke(
        app, ["--db", db, "inventory", "--year", "2023", "--format", "csv", "--by", "entity"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    names = [r["entity"] for r in rows]
    assert sorted(names) == sorted(["E", REFUND, *("'" + n for n in FORMULAS)])
    (refund,) = [r for r in rows if r["entity"] == REFUND]
    assert float(refund["scope3"]) < 0 and refund["scope3"].startswith("-")  # not "'-11.2"
    # The headline rows are figures: numbers as they are.
    result = CliRunner().invoke(app, ["--db", db, "inventory", "--year", "2023", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert all(not r["t_co2e"].startswith("'") for r in rows)
    assert float(next(r for r in rows if r["item"] == "scope3")["t_co2e"]) < 0


def test_ledger_sample_index_neutralises_refs(db: str, tmp_path: Path) -> None:
    out = tmp_path / "sample"
    result = CliRunner().invoke(
        app, ["--db", db, "ledger", "sample", "-o", str(out), "--size", "100"]
    )
    assert result.exit_code == 0, result.output
    with (out / "index.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    refs = {r["ref"] for r in rows}
    assert "'=cmd|'/c calc'!A1" in refs and "'-refund" in refs
    assert not any(formula_like(r) for r in refs)
    assert all(r["index"].isdigit() for r in rows)


def test_disclosures_workbook_keeps_names_as_text(tmp_path: Path) -> None:
    """The report's workbook: an organization and table cells named like formulas stay
    text (quotePrefix), numbers stay numbers, negative ones too."""
    org = FORMULAS[0]
    section = Section(
        title="Test",
        reference="GHG Protocol",
        columns=("item", "t CO2e"),
        rows=tuple((name, -12.5) for name in FORMULAS),
        notes=(f"{org}, reporting year 2023",),
    )
    path = write_xlsx(
        {"ghg_protocol": section},
        tmp_path / "d.xlsx",
        title=f"{org} greenhouse gas disclosures 2023",
        about=About(org, 2023, "AR5", "operational_control"),
    )
    wb = load_workbook(path)
    about = wb["About"]
    for cell in (about["A1"], about["B3"]):
        assert cell.value.startswith(org) and cell.data_type == "s" and cell.quotePrefix
    sheet = wb["GHG Protocol"]
    for i, name in enumerate(FORMULAS, start=5):
        text, number = sheet.cell(row=i, column=1), sheet.cell(row=i, column=2)
        assert (text.value, text.data_type, text.quotePrefix) == (
            name.replace("\r", "\n"),
            "s",
            True,
        )
        assert (number.value, number.data_type) == (-12.5, "n")
    assert not any(c.data_type == "f" for ws in wb for row in ws.iter_rows() for c in row)
