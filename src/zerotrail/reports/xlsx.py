"""The disclosure tables as one Excel workbook: a cover sheet "About", a "Figures" sheet with
every figure of the report (one row per figure, year and basis, filterable) and one sheet per
Section.

Where it sits: reports, rendering only; the figures come from `reports.disclosures`, written
unrounded (the '#,##0.00' number format rounds on screen, not in the cell). openpyxl writes
floats with 16 significant digits, which loses the last bit of some (an engine sum such as
33040.000000000004); those cells are rewritten with Python's shortest exact form, so every
cell reads back as the very float of the Section. The file is reproducible: the document
properties carry a date fixed by the report year instead of the clock, and the zip entries a
fixed timestamp, so the same sections give the same bytes. Every cell is written through
`cells.xlsx_cell`: numbers as numbers, text as text, never as a formula (an entity named
"=HYPERLINK(...)" is shown as that text, with Excel's quotePrefix).

Every sheet prints landscape on A4, fitted to the page width (as many pages down as it takes)
with its table's header row repeated on each page.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from zerotrail import __version__
from zerotrail.reports.cells import printable, xlsx_cell
from zerotrail.reports.disclosures import APPROACHES, About, Cell, Disclosures, Section
from zerotrail.reports.figure_rows import COLUMNS as FIGURE_COLUMNS
from zerotrail.reports.figure_rows import Row as FigureRow

SHEET_NAMES = {
    "ghg_protocol": "GHG Protocol",
    "esrs_e1_6": "ESRS E1-6",
    "ifrs_s2_29a": "IFRS S2 29(a)",
    "cdp": "CDP",
    "iso_14064_1": "ISO 14064-1",
}
ABOUT_SHEET = "About"
FIGURES_SHEET = "Figures"
FIGURES_NOTE = (
    "Every figure of the report, unrounded: one row per figure, year and basis (location- or"
    " market-based; none where a figure has one basis only). Filter any column."
)
NUMBER_FORMAT = "#,##0.00"
# Layout of a section sheet: title, reference, the basis it reports (or a blank row), then the
# header and the table.
TITLE_ROW, REFERENCE_ROW, BASIS_ROW, HEADER_ROW = 1, 2, 3, 4
MIN_WIDTH, MAX_WIDTH = 8, 60
# Used when no report year is known (About not given): any fixed date keeps files identical.
FALLBACK_DATE = datetime(2000, 1, 1)

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(key: str, taken: Sequence[str] = ()) -> str:
    """Excel's sheet name for a section key: ≤ 31 characters, none of []:*?/\\, unique."""
    base = SHEET_NAMES.get(key) or _BAD_SHEET_CHARS.sub("_", key)[:31] or "Sheet"
    name, n = base[:31], 2
    lowered = {t.lower() for t in taken} | {ABOUT_SHEET.lower(), FIGURES_SHEET.lower()}
    while name.lower() in lowered:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    return name


def fixed_date(year: int | None) -> datetime:
    """The workbook's created/modified date: the last day of the reporting year."""
    return FALLBACK_DATE if year is None else datetime(year, 12, 31)


def write_xlsx(
    sections: Mapping[str, Section],
    path: Path,
    *,
    title: str,
    about: About | None = None,
    figures: Sequence[FigureRow] | None = None,
) -> Path:
    """Write `sections` to `path` (an .xlsx file) and return `path`.

    The cover sheet names the organization, year, GWP set and consolidation approach of
    `about`, by default the one `disclosures(data)` carries; the document date is the last
    day of that year (a fixed date when there is none). With `figures` (figure_rows of the
    report), a "Figures" sheet follows the cover.
    """
    if about is None and isinstance(sections, Disclosures):
        about = sections.about
    wb = Workbook()
    cover = wb.active
    cover.title = ABOUT_SHEET
    names: list[str] = []
    exact: list[tuple[Any, dict[str, float]]] = []
    listed: list[tuple[str, str, str]] = []
    if figures is not None:
        ws = wb.create_sheet(FIGURES_SHEET)
        exact.append((ws, _figures_sheet(ws, figures)))
        listed.append((FIGURES_SHEET, "Every figure of the report", "All sections of the report"))
    for key, section in sections.items():
        name = sheet_name(key, names)
        names.append(name)
        ws = wb.create_sheet(name)
        exact.append((ws, _section_sheet(ws, section)))
        listed.append((name, section.title, section.reference))
    _about_sheet(cover, title, about, listed)

    when = fixed_date(None if about is None else about.year)
    props = wb.properties
    props.title = printable(title, keep="")
    props.creator = "zerotrail"
    props.lastModifiedBy = "zerotrail"
    props.created = when
    props.modified = when
    data = _save(wb)
    # Worksheet paths are known once the writer has numbered the sheets.
    fixes = {ws.path.lstrip("/"): f for ws, f in exact if f}
    path.write_bytes(_reproducible_zip(data, when, fixes))
    return path


def _save(wb: Any) -> bytes:
    # openpyxl's save() stamps `modified` with the clock; its writer does not.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    return buf.getvalue()


def _reproducible_zip(
    data: bytes, when: datetime, fixes: Mapping[str, Mapping[str, float]]
) -> bytes:
    """The same archive with every entry stamped `when` (zip stores local time, no zone) and
    the float cells in `fixes` ({entry: {coordinate: value}}) written exactly."""
    out = io.BytesIO()
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        missing = set(fixes) - set(src.namelist())
        if missing:
            raise RuntimeError(f"worksheets not found in the workbook: {sorted(missing)}")
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            content = src.read(info.filename)
            if info.filename in fixes:
                content = _exact_numbers(content, fixes[info.filename])
            dst.writestr(entry, content)
    return out.getvalue()


_CELL_VALUE = re.compile(rb'(<c r="([A-Z]+[0-9]+)"[^>]*>)<v>[^<]*</v>')


def _exact_numbers(xml: bytes, fixes: Mapping[str, float]) -> bytes:
    done: set[str] = set()

    def put(m: re.Match[bytes]) -> bytes:
        coord = m.group(2).decode()
        if coord not in fixes:
            return m.group(0)
        done.add(coord)
        return m.group(1) + b"<v>" + repr(fixes[coord]).encode() + b"</v>"

    xml = _CELL_VALUE.sub(put, xml)
    if done != set(fixes):
        # Fail closed: never ship a workbook whose figures differ from the report's.
        raise RuntimeError(f"could not write exact values for cells {sorted(set(fixes) - done)}")
    return xml


def _section_sheet(ws: Any, section: Section) -> dict[str, float]:
    """Fill `ws`; return the float cells that openpyxl's 16 digits would not keep exactly."""
    xlsx_cell(ws, TITLE_ROW, 1, section.title).font = _TITLE
    xlsx_cell(ws, REFERENCE_ROW, 1, f"Reference: {section.reference}")
    if section.basis:
        xlsx_cell(ws, BASIS_ROW, 1, f"Basis: {section.basis}")
    inexact = _table(ws, section.columns, section.rows)
    if section.notes:
        first = HEADER_ROW + len(section.rows) + 2
        xlsx_cell(ws, first, 1, "Notes").font = _BOLD
        for k, note in enumerate(section.notes, start=first + 1):
            xlsx_cell(ws, k, 1, note)
    return inexact


def _figures_sheet(ws: Any, figures: Sequence[FigureRow]) -> dict[str, float]:
    """The "Figures" sheet: like a section, with a filter on every column."""
    xlsx_cell(ws, TITLE_ROW, 1, "Figures").font = _TITLE
    xlsx_cell(ws, REFERENCE_ROW, 1, FIGURES_NOTE)
    inexact = _table(ws, FIGURE_COLUMNS, figures)
    last = get_column_letter(len(FIGURE_COLUMNS))
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + len(figures)}"
    return inexact


def _table(ws: Any, columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> dict[str, float]:
    """The header (bold, repeated on every printed page) and the rows from HEADER_ROW; the
    panes frozen under the header, the columns fitted, the print setup made. Returns the float
    cells that openpyxl's 16 digits would not keep exactly."""
    widths = [len(c) for c in columns]
    inexact: dict[str, float] = {}
    for j, name in enumerate(columns, start=1):
        cell = xlsx_cell(ws, HEADER_ROW, j, name)
        cell.font = _BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(rows, start=HEADER_ROW + 1):
        for j, value in enumerate(row, start=1):
            cell = xlsx_cell(ws, i, j, value)
            if isinstance(value, float):
                cell.number_format = NUMBER_FORMAT
                if math.isfinite(value) and float(f"{value:.16g}") != value:
                    inexact[cell.coordinate] = value
            widths[j - 1] = max(widths[j - 1], len(_shown(value)))
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(w + 2, MIN_WIDTH), MAX_WIDTH)
    _print_setup(ws, HEADER_ROW)
    return inexact


def _print_setup(ws: Any, header_row: int) -> None:
    """Landscape A4, fitted to one page wide and as many pages down as it takes (fitToHeight
    0: no limit), the header row repeated at the top of every page."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    # Without fitToPage, spreadsheet programs ignore the fitTo* numbers.
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"


def _shown(value: Cell) -> str:
    """The text a cell shows, for fitting column widths."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _about_sheet(
    ws: Any, title: str, about: About | None, sheets: list[tuple[str, str, str]]
) -> None:
    """The cover: title, what the report is, and (sheet, title, reference) of every sheet."""
    xlsx_cell(ws, 1, 1, title).font = _TITLE
    facts: list[tuple[str, str | int]] = []
    if about is not None:
        facts += [
            ("Organization", about.organization),
            ("Reporting year", about.year),
            ("GWP set", about.gwp_set),
            ("Consolidation approach", APPROACHES.get(about.consolidation, about.consolidation)),
        ]
    facts.append(
        (
            "Generated",
            f"by zerotrail {__version__} from the report's figures. Cells hold the unrounded "
            "figures; the number format shows two decimals. The document date is fixed by "
            "the reporting year, so the same figures give the same workbook.",
        )
    )
    r = 3
    for label, value in facts:
        xlsx_cell(ws, r, 1, label).font = _BOLD
        xlsx_cell(ws, r, 2, value)
        r += 1
    r += 1
    for j, head in enumerate(("Sheet", "Title", "Reference"), start=1):
        xlsx_cell(ws, r, j, head).font = _BOLD
    _print_setup(ws, r)
    for name, sheet_title, reference in sheets:
        r += 1
        xlsx_cell(ws, r, 1, name)
        xlsx_cell(ws, r, 2, sheet_title)
        xlsx_cell(ws, r, 3, reference)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 60
