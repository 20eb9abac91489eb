"""The file rules (docs/formats.md#file-rules): every structural or reading problem of a CSV,
XLSX or Parquet file is one Problem naming the file (and row and column where known), never a
traceback, and nothing is imported."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import time
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.cli.invoke import Result, zerotrail
from tests.conftest import Templates, open_copy
from tests.digests import table_digests
from tests.engines.conftest import ROOT, write_csv
from zerotrail.errors import DataError
from zerotrail.ingest import files
from zerotrail.ingest.activities import import_activities
from zerotrail.ingest.factors import import_factors
from zerotrail.ingest.files import MAX_FIELD_CHARS, read_small, stage_large
from zerotrail.ingest.formats import ACTIVITIES, SUPPLIERS
from zerotrail.ingest.metrics import import_suppliers
from zerotrail.ingest.organization import import_entities, import_sites
from zerotrail.store.workspace import Workspace

HEADER = ["record_id", "entity", "site", "period_start", "period_end", "activity", "quantity"]
HEADER += ["unit", "region"]
ROW = ["a1", "E", "HZ", "2023-01-01", "2023-01-31", "electricity.grid", "1200.5", "kWh"]
ROW += ["CN-EAST"]


def campus(w: Workspace, folder: Path) -> None:
    """Entity E and its campus HZ, on top of the shipped factors."""
    import_entities(w, write_csv(folder / "e.csv", ROOT))
    sites = [{"site": "HZ", "entity": "E", "kind": "campus", "region": "CN-EAST"}]
    import_sites(w, write_csv(folder / "s.csv", sites))


@pytest.fixture
def ws(workspace_template: Templates, tmp_path: Path) -> Iterator[Workspace]:
    w = open_copy(workspace_template(campus), tmp_path)
    yield w
    w.close()


def snapshot(ws: Workspace) -> dict[str, str]:
    """Row count and content hash of every workspace table: equal means nothing changed
    (tests/digests.py)."""
    return table_digests(lambda sql: ws.fetchall(sql))


def refused(
    ws: Workspace, importer: Callable[[Workspace, Path], Any], path: Path
) -> list[tuple[int | None, str | None, str]]:
    """The (row, column, message) of each problem; asserts the workspace did not change."""
    before = snapshot(ws)
    with pytest.raises(DataError) as exc:
        importer(ws, path)
    assert snapshot(ws) == before
    for p in exc.value.problems:
        assert p.source == str(path) or p.source == path.name
        assert "\n" not in str(p) and "\r" not in str(p)
    return [(p.row, p.column, p.message) for p in exc.value.problems]


def text_file(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def csv_text(*rows: Sequence[str]) -> str:
    return "".join(",".join(r) + "\n" for r in rows)


def xlsx(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    wb = openpyxl.Workbook()
    sheet = wb.active
    for r in rows:
        sheet.append(list(r))
    wb.save(path)
    return path


def parquet(path: Path, columns: dict[str, Any]) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


SUPPLIERS_CSV = csv_text(["supplier", "name"], ["SUP-1", "Acme"])


# --- the header ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx", "parquet"])
def test_a_duplicated_column_is_refused_naming_it(ws: Workspace, tmp_path: Path, kind: str) -> None:
    header = [*HEADER, " Entity "]
    row = [*ROW, "E"]
    if kind == "csv":
        path = text_file(tmp_path / "a.csv", csv_text(header, row))
    elif kind == "xlsx":
        path = xlsx(tmp_path / "a.xlsx", [header, row])
    else:
        path = tmp_path / "a.parquet"
        pq.write_table(pa.table([[v] for v in row], names=header), path)
    assert refused(ws, import_activities, path) == [
        (
            1,
            "Entity",
            "column appears twice in the header (columns B and J); each column may appear once",
        )
    ]
    assert refused(ws, import_suppliers, _suppliers_like(tmp_path, kind)) == [
        (
            1,
            "NAME",
            "column appears twice in the header (columns B and C); each column may appear once",
        )
    ]


def _suppliers_like(tmp_path: Path, kind: str) -> Path:
    header, row = ["supplier", "name", "NAME"], ["SUP-1", "Acme", "Acme"]
    if kind == "csv":
        return text_file(tmp_path / "s.csv", csv_text(header, row))
    if kind == "xlsx":
        return xlsx(tmp_path / "s.xlsx", [header, row])
    pq.write_table(pa.table([[v] for v in row], names=header), tmp_path / "s.parquet")
    return tmp_path / "s.parquet"


@pytest.mark.parametrize("kind", ["csv", "xlsx", "parquet"])
def test_an_unknown_column_is_refused_listing_the_expected_ones(
    ws: Workspace, tmp_path: Path, kind: str
) -> None:
    header, row = ["supplier", "name", "SBT_Year", "rating"], ["SUP-1", "Acme", "2021", "A"]
    if kind == "csv":
        path = text_file(tmp_path / "s.csv", csv_text(header, row))
    elif kind == "xlsx":
        path = xlsx(tmp_path / "s.xlsx", [header, row])
    else:
        path = parquet(tmp_path / "s.parquet", {h: [v] for h, v in zip(header, row, strict=True)})
    assert refused(ws, import_suppliers, path) == [
        (1, "rating", "unknown column; the columns of suppliers files are supplier, name, sbt_year")
    ]
    assert ws.scalar("SELECT count(*) FROM suppliers") == 0


def test_header_names_match_trimmed_and_case_insensitively(ws: Workspace, tmp_path: Path) -> None:
    path = text_file(tmp_path / "s.csv", csv_text([" Supplier", "NAME "], ["SUP-1", "Acme"]))
    assert read_small(path, SUPPLIERS).columns == ("supplier", "name")
    assert import_suppliers(ws, path).added == 1


def test_a_missing_required_column_is_named(ws: Workspace, tmp_path: Path) -> None:
    path = text_file(tmp_path / "s.csv", csv_text(["supplier"], ["SUP-1"]))
    assert refused(ws, import_suppliers, path) == [
        (1, "name", "required column is missing from the header")
    ]


def test_a_nameless_column_is_allowed_only_while_empty(ws: Workspace, tmp_path: Path) -> None:
    # Spreadsheets often save a trailing comma, or a formatted but empty header cell.
    empty = text_file(tmp_path / "a.csv", csv_text([*HEADER, ""], [*ROW, ""]))
    assert import_activities(ws, empty).added == 1
    filled = text_file(tmp_path / "b.csv", csv_text([*HEADER, ""], ["a2", *ROW[1:], "x"]))
    problem = (2, "J", "a value in a column with no name in the header")
    assert refused(ws, import_activities, filled) == [problem]
    small = text_file(tmp_path / "s.csv", csv_text(["supplier", "", "name"], ["S", "x", "N"]))
    assert refused(ws, import_suppliers, small) == [
        (2, "B", "a value in a column with no name in the header")
    ]


# --- records ---------------------------------------------------------------------------------


def test_ragged_rows_are_refused_naming_the_row(ws: Workspace, tmp_path: Path) -> None:
    longer = text_file(
        tmp_path / "a.csv", csv_text(HEADER, ROW, ["a2", *ROW[1:], "extra"], ["a3", *ROW[1:]])
    )
    assert refused(ws, import_activities, longer) == [
        (3, None, "more fields than the header's 9 columns")
    ]
    shorter = text_file(tmp_path / "b.csv", csv_text(HEADER, ROW, ["a2", *ROW[1:-1]]))
    assert refused(ws, import_activities, shorter) == [
        (3, None, "fewer fields than the header's 9 columns")
    ]
    small = text_file(tmp_path / "s.csv", SUPPLIERS_CSV + "SUP-2,Beta,2021,x\n")
    assert refused(ws, import_suppliers, small) == [
        (
            3,
            None,
            "4 fields, but the header has 2 columns (every row has exactly the header's fields)",
        )
    ]


# --- row numbers and blank rows (issue 11 review, finding 7) ------------------------------------

# Row N is the row a spreadsheet shows for the CSV: the header's row counts from the top, blank
# lines count, and a record whose quoted field holds a line break is one row. Each layout: the
# lines between the header and a bad record, and the bad record's row. Activities are staged in
# DuckDB (which skips empty lines without counting them), suppliers read by Python: both must
# say the same row.
BAD_UNIT = ["a9", *ROW[1:7], "litre", ROW[8]]
LAYOUTS: dict[str, tuple[str, list[str], int]] = {
    "five-blank-lines": ("", ["", "", "", "", ""], 7),
    "blank-between-good-rows": ("", ["<good>", "", "<good2>", "", ""], 7),
    "spaces-and-short-comma-rows": ("", ["<good>", "   ", ",,", "\t"], 6),
    "full-comma-row": ("", ["<good>", ",,,,,,,,"], 4),
    "quoted-empties": ("", ['"",""', "<good>"], 4),
    "blank-lines-before-the-header": ("\n\n \n", ["", "<good>"], 7),
    "quoted-line-break": ("", ["<multi>", "", "<good2>"], 5),
}


# (header, a good record, another, the bad one, a good one whose field spans two lines, the
# bad record's column) of an activity file and a supplier file.
READERS: dict[str, tuple[list[str], ...]] = {
    "activities": (
        [*HEADER, "note"],
        [*ROW, ""],
        ["a2", *ROW[1:], ""],
        [*BAD_UNIT, ""],
        [*ROW, '"two\nlines"'],
        ["unit"],
    ),
    "suppliers": (
        ["supplier", "name", "sbt_year"],
        ["SUP-1", "Acme", ""],
        ["SUP-2", "Beta", ""],
        ["SUP-3", "Gamma", "soon"],
        ["SUP-1", '"two\nlines"', ""],
        ["sbt_year"],
    ),
}


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("reader", list(READERS))
def test_rows_are_numbered_as_the_file_shows_them(
    ws: Workspace, tmp_path: Path, reader: str, layout: str, crlf: bool
) -> None:
    header, good, good2, bad, multi, (column,) = READERS[reader]
    lead, between, row = LAYOUTS[layout]
    records = {"<good>": good, "<good2>": good2, "<multi>": multi}
    lines = [",".join(records[b]) if b in records else b for b in between]
    text = "\n".join([lead + ",".join(header), *lines, ",".join(bad)]) + "\n"
    if crlf:  # every line break, the one inside the quoted field too
        text = text.replace("\n", "\r\n")
    importer = import_activities if reader == "activities" else import_suppliers
    found = refused(ws, importer, text_file(tmp_path / f"{reader}.csv", text))
    rows = [r for r, c, _ in found if c == column]
    if layout == "quoted-line-break":
        # The record over two lines is one row, 2; its line break is refused (a control
        # character), and a supplier file is screened for those before anything else.
        assert [r for r, _, m in found if "control character" in m] == [2], found
        assert rows == ([row] if reader == "activities" else []), found
    else:
        assert rows == [row], found


@pytest.mark.parametrize("kind", ["activities", "suppliers"])
def test_blank_rows_are_skipped_in_every_file(ws: Workspace, tmp_path: Path, kind: str) -> None:
    # docs/formats.md: "Empty lines and rows are skipped." A row of only commas (as many as the
    # header's, or fewer), of spaces, or of quoted empty fields is not a record.
    blanks = ["", ",,,,,,,,", ",,", "  ", '"",""', "\t,\t"]
    if kind == "activities":
        rows = [",".join(HEADER), ",".join(ROW), *blanks, ",".join(["a2", *ROW[1:]]), *blanks]
        done = import_activities(ws, text_file(tmp_path / "a.csv", "\n".join(rows) + "\n"))
        assert (done.rows, done.added) == (2, 2)
    else:
        rows = ["supplier,name", "SUP-1,Acme", *blanks, "SUP-2,Beta", *blanks]
        done = import_suppliers(ws, text_file(tmp_path / "s.csv", "\n".join(rows) + "\n"))
        assert done.added == 2


def test_a_bad_row_after_many_blank_ones_is_still_found(ws: Workspace, tmp_path: Path) -> None:
    # DuckDB records at most 200 refused lines: 250 lines of spaces (refused by it, skipped
    # here) must not hide the ragged row after them, which it would then drop unreported.
    spaces = ["  "] * 250
    rows = [",".join(HEADER), ",".join(ROW), *spaces, ",".join(["a2", *ROW[1:-1]])]
    path = text_file(tmp_path / "a.csv", "\n".join([*rows, ",".join(BAD_UNIT)]) + "\n")
    assert refused(ws, import_activities, path) == [
        (253, None, "fewer fields than the header's 9 columns")
    ]
    rows[-1] = ",".join(BAD_UNIT)
    path = text_file(tmp_path / "b.csv", "\n".join(rows) + "\n")
    assert [(r, c) for r, c, _ in refused(ws, import_activities, path)] == [(253, "unit")]


def test_a_file_of_blank_rows_has_no_records(ws: Workspace, tmp_path: Path) -> None:
    problem = [(None, None, "no records: the file has a header but no data rows")]
    body = "\n".join([",".join(HEADER), ",,,,,,,,", "  ", ",,", ""]) + "\n"
    assert refused(ws, import_activities, text_file(tmp_path / "a.csv", body)) == problem
    nulls = _activity_columns(**{c: pa.array([None], pa.string()) for c in HEADER})
    assert refused(ws, import_activities, parquet(tmp_path / "a.parquet", nulls)) == problem


def test_an_empty_parquet_row_is_skipped(ws: Workspace, tmp_path: Path) -> None:
    both = {c: [v, None] for c, v in zip(HEADER, ROW, strict=True)}
    done = import_activities(ws, parquet(tmp_path / "a.parquet", both))
    assert (done.rows, done.added) == (1, 1)


@pytest.mark.slow
def test_a_line_far_over_the_limit_is_called_too_long(ws: Workspace, tmp_path: Path) -> None:
    # Past about 128 MiB DuckDB reports a quoted field as never closed instead (issue 11
    # review, finding 8): the user wrote one very long line, not a stray quote.
    path = tmp_path / "a.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(csv_text([*HEADER, "note"]))
        fh.write(",".join(ROW) + ',"')
        for _ in range(160):
            fh.write("y" * 2**20)
        fh.write('"\n')
    assert refused(ws, import_activities, path) == [(2, None, "the line is longer than 8 MiB")]


@pytest.mark.parametrize(
    ("value", "text"),
    [(1e308, "1e+308"), (1e20, "1e+20"), (1.5e300, "1.5e+300")],
)
def test_a_huge_spreadsheet_number_is_out_of_range_not_long(
    ws: Workspace, tmp_path: Path, value: float, text: str
) -> None:
    # openpyxl gives 1e308 as a float; read as an integer it was 309 digits "long".
    path = xlsx(tmp_path / "a.xlsx", [HEADER, [*ROW[:6], value, *ROW[7:]]])
    assert refused(ws, import_activities, path) == [
        (2, "quantity", f"'{text}' is out of range (expected -10^15..10^15)")
    ]
    sup = xlsx(tmp_path / "i.xlsx", [["supplier", "name", "sbt_year"], ["S", "N", value]])
    (found,) = refused(ws, import_suppliers, sup)
    assert found[:2] == (2, "sbt_year") and f"'{text}'" in found[2]


STRAY_AFTER = 'a2",E,HZ,2023-01-01,2023-01-31,electricity.grid,5,kWh,CN-EAST'


@pytest.mark.parametrize(
    ("line", "large", "small"),
    [
        (
            '"a2"x,E,HZ,2023-01-01,2023-01-31,electricity.grid,5,kWh,CN-EAST',
            "malformed CSV: a quoted field is not closed before the next comma or the end of"
            " the line (a stray quote?)",
            "malformed CSV: text after the closing quote of a quoted field (quote the whole"
            ' field, and write a quote inside it as "")',
        ),
        (
            '"a2,E,HZ,2023-01-01,2023-01-31,electricity.grid,5,kWh,CN-EAST',
            "malformed CSV: a quoted field is not closed before the next comma or the end of"
            " the line (a stray quote?)",
            "malformed CSV: a quoted field is never closed (a stray quote?)",
        ),
    ],
    ids=["text-after-closing-quote", "never-closed"],
)
def test_a_stray_quote_is_refused_not_stored(
    ws: Workspace, tmp_path: Path, line: str, large: str, small: str
) -> None:
    path = text_file(tmp_path / "a.csv", csv_text(HEADER, ROW) + line + "\n" + csv_text(ROW))
    assert refused(ws, import_activities, path) == [(3, "record_id", large)]
    sup = text_file(tmp_path / "s.csv", SUPPLIERS_CSV + line.split(",")[0] + ",Beta\n")
    assert refused(ws, import_suppliers, sup) == [(3, None, small)]


def test_a_quote_inside_an_unquoted_field_is_kept_as_written(ws: Workspace, tmp_path: Path) -> None:
    # RFC 4180 tolerance both readers share: 12" is twelve inches, not a quoted field.
    path = text_file(tmp_path / "s.csv", SUPPLIERS_CSV + 'SUP-2,12" pipes\n')
    import_suppliers(ws, path)
    assert ws.scalar("SELECT name FROM suppliers WHERE supplier = 'SUP-2'") == '12" pipes'


def test_non_utf8_text_is_refused_naming_the_row(ws: Workspace, tmp_path: Path) -> None:
    body = csv_text(HEADER, ROW) + "a2,E,HZ,2023-01-01,2023-01-31,caf\xe9,5,kWh,CN-EAST\n"
    path = tmp_path / "a.csv"
    path.write_bytes(body.encode("latin-1"))
    assert refused(ws, import_activities, path) == [
        (3, "activity", "not UTF-8 text: save the file as CSV UTF-8")
    ]
    head = tmp_path / "h.csv"
    head.write_bytes(csv_text([*HEADER[:-1], "r\xe9gion"], ROW).encode("latin-1"))
    assert refused(ws, import_activities, head) == [
        (1, None, "not UTF-8 text (byte 0xE9): save the file as CSV UTF-8")
    ]
    sup = tmp_path / "s.csv"
    sup.write_bytes((SUPPLIERS_CSV + "SUP-2,Soci\xe9t\xe9\n").encode("latin-1"))
    assert refused(ws, import_suppliers, sup) == [
        (3, None, "not UTF-8 text (byte 0xE9): save the file as CSV UTF-8")
    ]
    # Cut inside a multi-byte character at the very end of the file.
    cut = tmp_path / "c.csv"
    cut.write_bytes(SUPPLIERS_CSV.encode() + "SUP-3,Caf\u00e9".encode()[:-1])
    assert refused(ws, import_suppliers, cut)[0][2].startswith("not UTF-8 text")


def test_a_byte_order_mark_is_not_part_of_the_first_name(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text(HEADER, ROW).encode())
    assert import_activities(ws, path).added == 1
    sup = tmp_path / "s.csv"
    sup.write_bytes(b"\xef\xbb\xbf" + SUPPLIERS_CSV.encode())
    assert import_suppliers(ws, sup).added == 1


def test_a_field_over_the_maximum_is_refused_naming_row_and_column(
    ws: Workspace, tmp_path: Path
) -> None:
    huge = "x" * (MAX_FIELD_CHARS + 1)
    # Over Python's own csv limit (128 KiB) too: that used to be a traceback.
    huger = "y" * 200_000
    path = text_file(tmp_path / "a.csv", csv_text([*HEADER, "note"], [*ROW, huge]))
    message = f"the field is {MAX_FIELD_CHARS + 1:,} characters long; the maximum is 65,536"
    assert refused(ws, import_activities, path) == [(2, "note", message)]
    sup = text_file(tmp_path / "s.csv", SUPPLIERS_CSV + f"SUP-2,{huger}\n")
    assert refused(ws, import_suppliers, sup) == [
        (3, "name", "the field is 200,000 characters long; the maximum is 65,536")
    ]
    # A huge header field in a large CSV is caught while Python reads the header.
    head = text_file(tmp_path / "h.csv", csv_text([*HEADER, huger], [*ROW, ""]))
    assert refused(ws, import_activities, head) == [
        (1, None, "a field is longer than 65,536 characters")
    ]


def test_a_header_only_file_is_no_records(ws: Workspace, tmp_path: Path) -> None:
    problem = (None, None, "no records: the file has a header but no data rows")
    import_suppliers(ws, text_file(tmp_path / "s0.csv", SUPPLIERS_CSV))
    # This used to be a traceback: the supplier list deleted, then nothing to insert.
    assert refused(ws, import_suppliers, text_file(tmp_path / "s.csv", "supplier,name\n")) == [
        problem
    ]
    assert refused(ws, import_suppliers, xlsx(tmp_path / "s.xlsx", [["supplier", "name"]])) == [
        problem
    ]
    empty = {"supplier": pa.array([], pa.string()), "name": pa.array([], pa.string())}
    assert refused(ws, import_suppliers, parquet(tmp_path / "s.parquet", empty)) == [problem]
    blank_rows = text_file(tmp_path / "b.csv", csv_text(HEADER) + "\n\n")
    assert refused(ws, import_activities, blank_rows) == [problem]
    assert refused(ws, import_activities, text_file(tmp_path / "e.csv", "")) == [
        (None, None, "the file is empty")
    ]


# --- XLSX ------------------------------------------------------------------------------------


def _with_cached_value(path: Path, cell: str, value: str) -> Path:
    """Rewrite the saved sheet so formula `cell` carries a calculated value, as Excel saves."""
    out = path.with_name("cached.xlsx")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                start = text.index(f'<c r="{cell}"')
                end = text.index("</c>", start)
                text = (
                    text[:start] + text[start:end].replace("<v />", f"<v>{value}</v>") + text[end:]
                )
                data = text.encode()
            dst.writestr(item, data)
    return out


def test_a_formula_without_a_calculated_value_is_refused(ws: Workspace, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [HEADER, [*ROW[:6], "=1200+0.5", *ROW[7:]]])
    message = (
        "a formula without a calculated value: open and save the workbook in Excel (or"
        " LibreOffice) so the value is stored, or enter the value itself"
    )
    assert refused(ws, import_activities, path) == [(2, "quantity", message)]
    sup = xlsx(tmp_path / "s.xlsx", [["supplier", "name"], ["SUP-1", '=CONCAT("A","cme")']])
    assert refused(ws, import_suppliers, sup) == [(2, "name", message)]
    # The same formula with the value Excel stored is read as that value.
    assert import_activities(ws, _with_cached_value(path, "G2", "1200.5")).added == 1
    assert ws.scalar("SELECT quantity FROM activities") == 1200.5


def test_excel_errors_and_times_are_refused(ws: Workspace, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "s.xlsx", [["supplier", "name"], ["SUP-1", "#DIV/0!"]])
    assert refused(ws, import_suppliers, path) == [
        (2, "name", "the cell holds the Excel error #DIV/0!")
    ]
    timed = xlsx(tmp_path / "a.xlsx", [HEADER, [*ROW[:3], time(9, 30), *ROW[4:]]])
    assert refused(ws, import_activities, timed) == [
        (2, "period_start", "a time of day or a duration, not a date, number or text")
    ]


def test_xlsx_values_beyond_the_header_are_refused(ws: Workspace, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [HEADER, [*ROW, None, "stray"]])
    assert refused(ws, import_activities, path) == [
        (2, "K", "a value in a column with no name in the header")
    ]


@pytest.mark.parametrize(
    "content",
    [b"", b"not a workbook", b"PK\x03\x04 truncated zip", b"PK\x05\x06" + bytes(18)],
    ids=["empty", "text", "truncated-zip", "empty-zip"],
)
def test_a_corrupt_workbook_is_refused(ws: Workspace, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(content)
    for importer in (import_activities, import_suppliers):
        ((row, col, message),) = refused(ws, importer, path)
        assert (row, col) == (None, None)
        assert message.startswith("not a readable XLSX workbook (")


def test_a_workbook_with_a_broken_sheet_is_refused(ws: Workspace, tmp_path: Path) -> None:
    good = xlsx(tmp_path / "good.xlsx", [["supplier", "name"], ["SUP-1", "Acme"]])
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # XML cut off mid-sheet
            dst.writestr(item, data)
    ((_, _, message),) = refused(ws, import_suppliers, path)
    assert message.startswith("not a readable XLSX workbook (")


# --- Parquet ---------------------------------------------------------------------------------


def _activity_columns(**over: Any) -> dict[str, Any]:
    cols: dict[str, Any] = {h: [v] for h, v in zip(HEADER, ROW, strict=True)}
    cols.update(over)
    return cols


def test_a_list_typed_column_is_refused_never_stringified(ws: Workspace, tmp_path: Path) -> None:
    path = parquet(tmp_path / "a.parquet", _activity_columns(supplier=pa.array([["SUP-CAN-01"]])))
    message = (
        "the column's type is list<element: string>: expected text, a number, a date or a"
        " timestamp (one value per row, not a list or a struct)"
    )
    assert refused(ws, import_activities, path) == [(1, "supplier", message)]
    sup = parquet(
        tmp_path / "s.parquet",
        {"supplier": pa.array([["SUP-CAN-01"]]), "name": pa.array([{"en": "Acme"}])},
    )
    assert refused(ws, import_suppliers, sup) == [
        (1, "supplier", message),
        (1, "name", message.replace("list<element: string>", "struct<en: string>")),
    ]


def test_parquet_types_that_hold_one_value_are_read(ws: Workspace, tmp_path: Path) -> None:
    from datetime import date
    from decimal import Decimal

    path = parquet(
        tmp_path / "a.parquet",
        _activity_columns(
            period_start=pa.array([date(2023, 1, 1)]),
            quantity=pa.array([Decimal("1200.5")], pa.decimal128(10, 1)),
            unit=pa.array(["kWh"]).dictionary_encode(),
        ),
    )
    assert import_activities(ws, path).added == 1


def test_a_corrupt_parquet_file_is_refused(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    path.write_bytes(b"PAR1 not really")
    problem = (
        None,
        None,
        "not a readable Parquet file (Parquet magic bytes not found in footer. Either the file"
        " is corrupted or this is not a parquet file.)",
    )
    assert refused(ws, import_activities, path) == [problem]
    assert refused(ws, import_suppliers, path) == [problem]


def test_a_parquet_page_found_corrupt_while_checking_is_refused(
    ws: Workspace, tmp_path: Path
) -> None:
    n = 50_000
    good = tmp_path / "good.parquet"
    cols = {h: [f"{v}" for _ in range(n)] for h, v in zip(HEADER, ROW, strict=True)}
    cols["record_id"] = [f"r{i}" for i in range(n)]
    cols["note"] = [f"note {i} " * 5 for i in range(n)]
    pq.write_table(pa.table(cols), good, row_group_size=10_000, compression="snappy")
    data = bytearray(good.read_bytes())
    for i in range(len(data) // 3, len(data) // 3 + 2000):
        data[i] ^= 0x5A  # the footer (schema, row count) stays intact
    path = tmp_path / "a.parquet"
    path.write_bytes(bytes(data))
    ((row, col, message),) = refused(ws, import_activities, path)
    assert (row, col) == (None, None) and message.startswith("cannot read the file (")
    ((row, col, message),) = refused(ws, import_suppliers, _corrupt_suppliers(tmp_path))
    assert message.startswith("not a readable Parquet file (")


def _corrupt_suppliers(tmp_path: Path) -> Path:
    n = 20_000
    good = tmp_path / "sgood.parquet"
    table = pa.table(
        {"supplier": [f"S{i}" for i in range(n)], "name": [f"N{i}" * 9 for i in range(n)]}
    )
    pq.write_table(table, good, compression="snappy")
    data = bytearray(good.read_bytes())
    for i in range(len(data) // 3, len(data) // 3 + 2000):
        data[i] ^= 0x5A
    path = tmp_path / "s.parquet"
    path.write_bytes(bytes(data))
    return path


# --- the file itself -------------------------------------------------------------------------


def test_folders_missing_and_unreadable_files_are_refused(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert refused(ws, import_activities, folder) == [(None, None, "is a folder, not a file")]
    assert refused(ws, import_suppliers, folder) == [(None, None, "is a folder, not a file")]
    missing = tmp_path / "missing.csv"
    assert refused(ws, import_suppliers, missing) == [(None, None, "file not found")]
    if os.name == "posix":
        fifo = tmp_path / "pipe.csv"
        os.mkfifo(fifo)
        assert refused(ws, import_suppliers, fifo) == [(None, None, "is not a regular file")]
    if hasattr(os, "geteuid") and os.geteuid() != 0:  # root reads anything
        locked = text_file(tmp_path / "locked.csv", SUPPLIERS_CSV)
        locked.chmod(0)
        ((_, _, message),) = refused(ws, import_suppliers, locked)
        assert message.startswith("cannot be read (")


def test_a_small_file_over_the_maximum_size_is_refused_before_reading(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "MAX_SMALL_FILE_BYTES", 1024)
    path = text_file(
        tmp_path / "s.csv", SUPPLIERS_CSV + "".join(f"S{i},N{i}\n" for i in range(200))
    )
    assert refused(ws, import_suppliers, path) == [
        (
            None,
            None,
            f"the file is {path.stat().st_size:,} bytes; files of this kind may be at most"
            " 1,024 bytes (0.000976562 MiB)",
        )
    ]


def test_glob_characters_in_a_path_name_that_one_file(ws: Workspace, tmp_path: Path) -> None:
    # DuckDB reads paths as glob patterns: a[1].csv would otherwise read a1.csv instead.
    text_file(tmp_path / "a1.csv", csv_text(HEADER, ["other", *ROW[1:]]))
    text_file(tmp_path / "a*.csv", csv_text(HEADER, ["star", *ROW[1:]]))
    path = text_file(tmp_path / "a[1].csv", csv_text(HEADER, ROW))
    assert import_activities(ws, path).added == 1
    assert ws.fetchall("SELECT record_id FROM activities") == [("a1",)]
    pq.write_table(pa.table(_activity_columns(record_id=["p?"])), tmp_path / "p?.parquet")
    pq.write_table(pa.table(_activity_columns(record_id=["px"])), tmp_path / "px.parquet")
    assert import_activities(ws, tmp_path / "p?.parquet").added == 1
    assert ws.fetchall("SELECT record_id FROM activities ORDER BY 1") == [("a1",), ("p?",)]


def test_a_quote_in_the_path_is_only_a_name(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "it's"
    folder.mkdir()
    pq.write_table(pa.table(_activity_columns()), folder / "a'); --.parquet")
    assert import_activities(ws, folder / "a'); --.parquet").added == 1


# --- the factor importer reads through the same rules ----------------------------------------


def test_a_factor_file_that_is_not_utf8_is_one_problem(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes("factor_id,activity\nx,caf\xe9\n".encode("latin-1"))
    assert refused(ws, import_factors, path) == [
        (2, None, "not UTF-8 text (byte 0xE9): save the file as CSV UTF-8")
    ]
    ragged = text_file(tmp_path / "g.csv", "factor_id,activity\nx,y,z\n")
    assert refused(ws, import_factors, ragged) == [
        (
            2,
            None,
            "3 fields, but the header has 2 columns (every row has exactly the header's fields)",
        )
    ]


# --- the command line: one line per problem, never a traceback --------------------------------


def test_reading_errors_are_one_line_on_the_command_line(tmp_path: Path) -> None:
    def zt(*args: str) -> Result:
        return zerotrail("--db", tmp_path / "w.duckdb", *args, cwd=tmp_path, env={"COLUMNS": "400"})

    assert zt("init").returncode == 0
    latin = tmp_path / "s.csv"
    latin.write_bytes("supplier,name\nS,Soci\xe9t\xe9\n".encode("latin-1"))
    header_only = text_file(tmp_path / "h.csv", "supplier,name\n")
    for path in (latin, header_only):
        out = zt("import", "suppliers", str(path))
        assert out.returncode == 1
        assert "Traceback" not in out.stderr
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 2 and lines[0].startswith("rejected: ") and str(path) in lines[1]
    # A file that is not there is refused before any reading: one line naming it.
    missing = tmp_path / "missing.xlsx"
    out = zt("import", "suppliers", str(missing))
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(missing) in lines[0]


# --- the reading functions directly ----------------------------------------------------------


def test_stage_large_names_the_view_columns_after_the_format(tmp_path: Path) -> None:
    con = duckdb.connect()
    path = text_file(tmp_path / "a.csv", csv_text([h.upper() for h in HEADER], ROW))
    assert stage_large(con, path, "zt_stage", ACTIVITIES) == tuple(HEADER)
    names = [r[0] for r in con.execute("DESCRIBE zt_stage").fetchall()]
    assert names == ["_row", *HEADER]
    # No reject tables or other leftovers besides the staged table and its view.
    temps = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert temps == {"zt_stage_rawt"}
