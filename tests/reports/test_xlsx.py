"""The disclosure workbook: read back with openpyxl, it holds the same figures, unrounded, in
the disclosure sheets and in one long "Figures" sheet (one row per figure, year and basis);
every sheet prints landscape, fitted to the page width, its header repeated on every page.

The figures are Emmet Group's 2025 report of tests/reports/test_disclosures.py; the demo's
published workbook is read as a reader opens it at the end.
"""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.reports.test_disclosures import emmet
from zerotrail.reports.disclosures import Section, about, disclosures
from zerotrail.reports.figure_rows import COLUMNS, figure_rows
from zerotrail.reports.xlsx import (
    ABOUT_SHEET,
    BASIS_ROW,
    FIGURES_SHEET,
    HEADER_ROW,
    NUMBER_FORMAT,
    REFERENCE_ROW,
    TITLE_ROW,
    sheet_name,
    write_xlsx,
)

TITLE = "Emmet Group disclosures 2025"
SHEETS = ["About", "Figures", "GHG Protocol", "ESRS E1-6", "IFRS S2 29(a)", "CDP", "ISO 14064-1"]
SECTION_SHEETS = 2  # the first disclosure sheet, after About and Figures


def write(path: Path, data: dict[str, Any] | None = None) -> Path:
    # As the report's publisher calls it: the cover comes with the sections, and the figures.
    data = emmet() if data is None else data
    return write_xlsx(disclosures(data), path, title=TITLE, figures=figure_rows(data))


def cells(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_one_sheet_per_section_after_the_cover(tmp_path: Path) -> None:
    out = write(tmp_path / "d.xlsx")
    assert out == tmp_path / "d.xlsx"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == SHEETS
    assert all(len(n) <= 31 for n in wb.sheetnames)


def test_every_table_reads_back_with_the_same_values(tmp_path: Path) -> None:
    secs = disclosures(emmet())
    wb = openpyxl.load_workbook(write(tmp_path / "d.xlsx"))
    for ws, section in zip(wb.worksheets[SECTION_SHEETS:], secs.values(), strict=True):
        assert ws.cell(TITLE_ROW, 1).value == section.title
        assert ws.cell(REFERENCE_ROW, 1).value == f"Reference: {section.reference}"
        # The basis the standard asks for, stated under the reference.
        assert section.basis and ws.cell(BASIS_ROW, 1).value == f"Basis: {section.basis}"
        header = [ws.cell(HEADER_ROW, j).value for j in range(1, len(section.columns) + 1)]
        assert tuple(header) == section.columns
        for i, expected in enumerate(section.rows, start=HEADER_ROW + 1):
            got = tuple(ws.cell(i, j).value for j in range(1, len(section.columns) + 1))
            assert got == expected  # floats exactly, None as an empty cell
        first_note = HEADER_ROW + len(section.rows) + 2
        assert ws.cell(first_note, 1).value == "Notes"
        notes = [ws.cell(first_note + 1 + k, 1).value for k in range(len(section.notes))]
        assert tuple(notes) == section.notes


def test_figures_are_unrounded_in_the_cells(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write(tmp_path / "d.xlsx"))["ESRS E1-6"]
    found = [
        r
        for r in ws.iter_rows(values_only=True)
        if r[0] == "GHG intensity per net revenue, location-based (§53)"
    ]
    # 814,624.5 / 179,850 = 4.529466221851543..., shown as 4.53 by the number format only.
    assert found[0][4] == 814_624.5 / 179_850.0
    scope2 = openpyxl.load_workbook(tmp_path / "d.xlsx")["IFRS S2 29(a)"]
    assert scope2.cell(HEADER_ROW + 2, 2).value == 33_040.0


def test_header_bold_frozen_number_format_and_widths(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write(tmp_path / "d.xlsx"))
    for ws in wb.worksheets[1:]:
        header = next(ws.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW))
        assert header and all(c.font.bold for c in header if c.value is not None)
        assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
        floats = [c for r in ws.iter_rows(min_row=HEADER_ROW + 1) for c in r]
        floats = [c for c in floats if isinstance(c.value, float)]
        assert floats and all(c.number_format == NUMBER_FORMAT for c in floats)
        assert all(8 <= ws.column_dimensions[c.column_letter].width <= 60 for c in header)
    ghg = wb["GHG Protocol"]
    # "Category 1: Purchased goods and services" (40 characters) fits its column.
    assert ghg.column_dimensions["B"].width >= 40


def test_about_sheet(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write(tmp_path / "d.xlsx"))
    ws = wb[ABOUT_SHEET]
    assert ws.cell(1, 1).value == TITLE and ws.cell(1, 1).font.bold
    facts = {r[0]: r[1] for r in ws.iter_rows(min_row=3, values_only=True) if r[0]}
    assert facts["Organization"] == "Emmet Group"
    assert facts["Reporting year"] == 2025
    assert facts["GWP set"] == "AR5"
    assert facts["Consolidation approach"] == "operational control"
    assert "zerotrail" in facts["Generated"]
    listed = {r[0]: r[2] for r in ws.iter_rows(values_only=True) if r[0] in SHEETS[1:]}
    assert listed["ESRS E1-6"] == "ESRS E1-6 §44-55, AR 39-55 (Delegated Regulation (EU) 2023/2772)"
    assert list(listed) == SHEETS[1:]


def test_two_writes_give_the_same_workbook(tmp_path: Path) -> None:
    a = write(tmp_path / "a.xlsx")
    b = write(tmp_path / "b.xlsx")
    assert cells(a) == cells(b)
    assert a.read_bytes() == b.read_bytes()  # no clock anywhere in the file
    props = openpyxl.load_workbook(a).properties
    assert props.created == props.modified == datetime(2025, 12, 31)
    assert props.title == TITLE
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(2025, 12, 31, 0, 0, 0)}


def test_other_data_gives_other_cells(tmp_path: Path) -> None:
    data = emmet()
    data["inventory"]["scope1"] = 3_500.0
    assert cells(write(tmp_path / "a.xlsx")) != cells(write(tmp_path / "b.xlsx", data))


def test_without_about_and_with_odd_section_keys(tmp_path: Path) -> None:
    secs = {
        "a very long section key that is over thirty-one chars": Section(
            "T", "R", ("x", "t CO2e"), (("one", 1.5), ("two", None))
        ),
        "bad/name:*?": Section("T2", "R2", ("x",), ()),
    }
    out = write_xlsx(secs, tmp_path / "x.xlsx", title="Plain")
    wb = openpyxl.load_workbook(out)
    assert wb[ABOUT_SHEET].cell(1, 1).value == "Plain"
    assert wb.sheetnames == ["About", "a very long section key that is", "bad_name___"]
    ws = wb.worksheets[1]
    assert (ws.cell(HEADER_ROW + 1, 2).value, ws.cell(HEADER_ROW + 2, 2).value) == (1.5, None)
    assert wb.properties.modified == datetime(2000, 1, 1)
    # An explicit `about` fills the cover and dates the file.
    a = about(emmet(organization="Emmet Group Holdings", year=2024))
    wb = openpyxl.load_workbook(write_xlsx(secs, tmp_path / "y.xlsx", title="P", about=a))
    assert wb[ABOUT_SHEET].cell(3, 2).value == "Emmet Group Holdings"
    assert wb.properties.created == datetime(2024, 12, 31)


@pytest.mark.parametrize(
    ("key", "taken", "expected"),
    [
        ("cdp", (), "CDP"),
        ("cdp", ("CDP",), "CDP (2)"),
        ("about", (), "about (2)"),  # the cover sheet's name is reserved
        ("x" * 40, ("x" * 31,), "x" * 27 + " (2)"),
    ],
)
def test_sheet_names(key: str, taken: tuple[str, ...], expected: str) -> None:
    assert sheet_name(key, taken) == expected
    assert len(expected) <= 31


def test_floats_that_need_17_digits_read_back_exactly(tmp_path: Path) -> None:
    # openpyxl writes '%.16g': 0.1 + 0.2 = 0.30000000000000004 and a sum two bits above
    # 33,040 (33040.000000000015) would come back as 0.3 and 33040.00000000001; the writer
    # keeps them exact.
    figures = (0.1 + 0.2, 33_040.000000000015, 814_624.5 / 179_850.0, -58.376027528197284)
    assert all(float(f"{v:.16g}") != v for v in figures[:2])
    secs = {"cdp": Section("T", "R", ("Line", "t CO2e"), tuple(("x", v) for v in figures))}
    ws = openpyxl.load_workbook(write_xlsx(secs, tmp_path / "x.xlsx", title="T"))["CDP"]
    got = [ws.cell(HEADER_ROW + 1 + i, 2).value for i in range(len(figures))]
    assert got == list(figures)


# --- print setup --------------------------------------------------------------------------------


def test_every_sheet_prints_landscape_fitted_to_width_with_its_header_repeated(
    tmp_path: Path,
) -> None:
    wb = openpyxl.load_workbook(write(tmp_path / "d.xlsx"))
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert (setup.orientation, setup.paperSize) == ("landscape", 9), ws.title  # 9: A4
        # One page wide, as many pages down as it takes (0: no limit); Excel honours the two
        # numbers only with fitToPage set.
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True, ws.title
    for ws in wb.worksheets[1:]:
        assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}", ws.title
        assert ws.cell(HEADER_ROW, 1).font.bold
    # The cover repeats its list of sheets' header row ("Sheet", "Title", "Reference").
    cover = wb[ABOUT_SHEET]
    row = next(r[0].row for r in cover.iter_rows() if r[0].value == "Sheet")
    assert cover.print_title_rows == f"${row}:${row}"


# --- the Figures sheet --------------------------------------------------------------------------


def figures_of(path: Path) -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(path)[FIGURES_SHEET]
    header = [c.value for c in ws[HEADER_ROW]]
    assert tuple(header) == COLUMNS
    return [
        dict(zip(COLUMNS, r, strict=True))
        for r in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True)
    ]


def test_the_figures_sheet_has_one_row_per_figure_year_and_basis(tmp_path: Path) -> None:
    data = emmet()
    rows = figures_of(write(tmp_path / "d.xlsx", data))
    assert len(rows) == len(figure_rows(data))
    keys = [
        (r["Figure"], r["Year"], r["Scope"], r["Category"], r["Basis"], r["Unit"]) for r in rows
    ]
    assert len(set(keys)) == len(keys)
    # Every Scope 2 and Scope 3 figure names its basis; Scope 1 has one basis only.
    assert {r["Basis"] for r in rows if r["Scope"] in ("2", "3", "1+2+3")} <= {"location", "market"}
    assert {r["Basis"] for r in rows if r["Scope"] == "1"} == {"none"}
    # The year's scope totals are report.json's, exactly (cells are unrounded).
    inv = data["inventory"]
    got = {
        (r["Figure"], r["Basis"]): r["Value"]
        for r in rows
        if r["Section"] == "Emissions" and r["Year"] == 2025
    }
    assert got[("Scope 1", "none")] == inv["scope1"] == 3_492.5
    assert got[("Scope 2", "location")] == inv["scope2_location"] == 33_040.0
    assert got[("Scope 2", "market")] == inv["scope2_market"] == 21_773.5
    assert got[("Scope 3", "location")] == inv["scope3"]
    assert got[("Scope 3", "market")] == inv["scope3_market"]
    assert got[("Total", "location")] == inv["total_location"] == 814_624.5
    assert got[("Total", "market")] == inv["total_market"] == 772_768.0
    # Scope 3 categories add up to Scope 3 on each basis.
    cats = [r for r in rows if r["Section"] == "Scope 3 by category"]
    for basis, key in (("location", "scope3"), ("market", "scope3_market")):
        total = sum(r["Value"] for r in cats if r["Basis"] == basis)
        assert total == pytest.approx(inv[key], rel=1e-12)
    # The comparatives: 2020 and 2024, seven figures each; 2025 only once (above).
    years = [r for r in rows if r["Section"] == "Year over year"]
    assert sorted({r["Year"] for r in years}) == [2020, 2024] and len(years) == 14
    assert (
        next(
            r["Value"]
            for r in years
            if (r["Year"], r["Figure"], r["Basis"]) == (2020, "Scope 2", "market")
        )
        == 52_310.0
    )


def test_the_figures_sheet_filters_and_keeps_text_as_text(tmp_path: Path) -> None:
    formula = '=HYPERLINK("http://x","y")'
    rows = [
        (formula, 2025, "1", None, "none", -12.5, "t CO2e", "Emissions"),
        ("Scope 2", 2025, "2", None, "market", 0.1 + 0.2, "t CO2e", "Emissions"),
    ]
    wb = openpyxl.load_workbook(write_xlsx({}, tmp_path / "f.xlsx", title="T", figures=rows))
    ws = wb[FIGURES_SHEET]
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:H{HEADER_ROW + 2}"
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    name, value = ws.cell(HEADER_ROW + 1, 1), ws.cell(HEADER_ROW + 1, 6)
    assert (name.value, name.data_type, name.quotePrefix) == (formula, "s", True)
    assert (value.value, value.data_type) == (-12.5, "n")
    assert ws.cell(HEADER_ROW + 2, 6).value == 0.1 + 0.2  # 0.30000000000000004, exactly
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_figure_rows_copy_the_reports_figures() -> None:
    data = emmet()
    rows = figure_rows(data)
    by = {(r[0], r[1], r[4], r[6]): r for r in rows}
    # Gases of Scope 1: t CO2e and t of gas, the basis Scope 1 has (none).
    ch4 = data["by_scope_gas"]["1"]["CH4"]
    assert by[("Scope 1 CH4", 2025, "none", "t CO2e")][5] == ch4["co2e_t"]
    assert by[("Scope 1 CH4, mass", 2025, "none", "t")][5] == ch4["mass_t"]
    # The claim: gross Scope 1 + 2 market-based, credits, net.
    claim = data["claim"]
    assert (
        by[("Neutrality claim: gross emissions", 2025, "market", "t CO2e")][5] == claim["gross_t"]
    )
    assert by[("Neutrality claim: net emissions", 2025, "market", "t CO2e")][5] == claim["net_t"]
    # Categories not calculated are not figures (the screening gives their reasons).
    listed = {r[3] for r in rows if r[7] == "Scope 3 by category"}
    assert listed == {c["category"] for c in data["scope3_categories"] if c["methods"]}
    assert all(len(r) == len(COLUMNS) for r in rows)


# --- the demo's workbook, as a reader opens it ----------------------------------------------------


def test_the_demo_workbook_figures_equal_the_report(demo_report: Path) -> None:
    d = json.loads((demo_report / "report.json").read_text())
    path = demo_report / "disclosures.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == [ABOUT_SHEET, FIGURES_SHEET]
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    rows = figures_of(path)
    year = d["year"]
    emissions = {
        (r["Figure"], r["Basis"]): r["Value"]
        for r in rows
        if r["Section"] == "Emissions" and r["Year"] == year
    }
    inv = d["inventory"]
    for key, figure, basis in (
        ("scope1", "Scope 1", "none"),
        ("scope2_location", "Scope 2", "location"),
        ("scope2_market", "Scope 2", "market"),
        ("scope3", "Scope 3", "location"),
        ("scope3_market", "Scope 3", "market"),
        ("total_location", "Total", "location"),
        ("total_market", "Total", "market"),
    ):
        assert emissions[(figure, basis)] == inv[key]  # the very float of report.json
    # The uncertainty interval of the market-based total, as the report states it.
    total = next(f for f in d["uncertainty"]["figures"] if f["key"] == "total_market")
    low = next(
        r["Value"]
        for r in rows
        if r["Section"] == "Uncertainty"
        and r["Figure"] == "Total, 95% interval low"
        and r["Basis"] == "market"
    )
    assert low == total["low_t"]
