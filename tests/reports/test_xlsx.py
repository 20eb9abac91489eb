"""The disclosure workbook: read back with openpyxl, it holds the same figures, unrounded.

The figures are Emmet Group's 2025 report of tests/reports/test_disclosures.py.
"""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.reports.test_disclosures import emmet
from zerotrail.reports.disclosures import Section, about, disclosures
from zerotrail.reports.xlsx import (
    ABOUT_SHEET,
    HEADER_ROW,
    NUMBER_FORMAT,
    REFERENCE_ROW,
    TITLE_ROW,
    sheet_name,
    write_xlsx,
)

TITLE = "Emmet Group disclosures 2025"
SHEETS = ["About", "GHG Protocol", "ESRS E1-6", "IFRS S2 29(a)", "CDP", "ISO 14064-1"]


def write(path: Path, data: dict[str, Any] | None = None) -> Path:
    # As the report's publisher calls it: the cover comes with the sections.
    return write_xlsx(disclosures(emmet() if data is None else data), path, title=TITLE)


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
    for ws, section in zip(wb.worksheets[1:], secs.values(), strict=True):
        assert ws.cell(TITLE_ROW, 1).value == section.title
        assert ws.cell(REFERENCE_ROW, 1).value == f"Reference: {section.reference}"
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
