"""The bounds an XLSX read keeps while it decompresses (ingest/xlsx_bounds.py, ingest/files.py),
and the cap on the records of a large file (`records_at_most`), on hostile files made by
tests/ingest/xlsx_bombs.py: each refused with one line naming the file, before it is read
whole. The bounds are lowered here where the real ones would take a large file to pass."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.ingest.xlsx_bombs import huge_cell, many_rows, wide_row
from zerotrail.errors import DataError
from zerotrail.ingest import files, xlsx_bounds
from zerotrail.ingest.files import records_at_most, stage_large
from zerotrail.ingest.formats import ACTIVITIES
from zerotrail.ingest.xlsx_bounds import MAX_ITEM_BYTES, sheet_at_most

HEADER = (
    "record_id",
    "entity",
    "period_start",
    "period_end",
    "activity",
    "quantity",
    "unit",
    "note",
)


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect() as c:
        yield c


def _refusal(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[int | None, str]:
    with pytest.raises(DataError) as refused:
        stage_large(con, path, "zt_stage", ACTIVITIES)
    (p,) = refused.value.problems
    assert p.source == str(path)
    return p.row, p.message


def test_one_huge_cell_is_refused_before_it_is_built(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # One MiB past the bound: without it the 17 MiB cell would be read whole and refused only
    # afterwards, by the field-length rule (65,536 characters), with another message.
    chars = MAX_ITEM_BYTES + 2**20
    inline = huge_cell(tmp_path / "inline.xlsx", chars, header=HEADER)
    shared = huge_cell(tmp_path / "shared.xlsx", chars, shared=True, header=HEADER)
    assert inline.stat().st_size < 100_000 and shared.stat().st_size < 100_000
    assert _refusal(con, inline) == (
        None,
        "row element 2 of the worksheet is over 16 MiB of XML; a cell may hold at most 65,536"
        " characters",
    )
    assert _refusal(con, shared) == (
        None,
        "a shared string is over 16 MiB of XML; a cell may hold at most 65,536 characters",
    )


def test_the_worksheet_and_every_other_part_are_bounded_as_decompressed(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 10,000 rows of 8 one-digit cells: 8 x 15 + 11 = 131 bytes of XML a row, 1.3 MB in all.
    path = many_rows(tmp_path / "rows.xlsx", 10_000, HEADER)
    monkeypatch.setattr(xlsx_bounds, "MAX_SHEET_BYTES", 2**20)
    assert _refusal(con, path) == (
        None,
        "the worksheet is over 1 MiB uncompressed; an XLSX file may hold at most that (save a"
        " larger one as CSV or Parquet)",
    )
    # A caller's tighter bound (a server upload) says its own reason.
    monkeypatch.setattr(xlsx_bounds, "MAX_SHEET_BYTES", 1 << 30)
    with sheet_at_most(2**19, "uploads are smaller"):
        assert _refusal(con, path) == (
            None,
            "the worksheet is over 524,288 bytes uncompressed; uploads are smaller",
        )
    # A part openpyxl reads whole (the workbook part is 300 bytes here).
    monkeypatch.setattr(xlsx_bounds, "MAX_PART_BYTES", 100)
    _, message = _refusal(con, path)
    assert message.startswith("the part ") and message.endswith(
        " is over 100 bytes uncompressed; an XLSX file may hold at most that (save a larger"
        " one as CSV or Parquet)"
    )


def test_rows_and_columns_past_a_worksheets_own_are_refused(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "MAX_XLSX_ROWS", 1_000)
    # The header is row 1, the records rows 2 to 1,002: row 1,001 is one too many.
    path = many_rows(tmp_path / "rows.xlsx", 1_001, HEADER)
    assert _refusal(con, path) == (
        1_001,
        "the worksheet has more than 1,000 rows, the most a worksheet holds: save a larger"
        " file as CSV or Parquet",
    )
    # XFD is the last column (16,384); XFE is one past it.
    assert _refusal(con, wide_row(tmp_path / "wide.xlsx", "XFE", HEADER)) == (
        2,
        "a cell beyond column XFD, the last column a worksheet has",
    )


def _csv(path: Path, n: int) -> Path:
    row = "r{},A,2023-01-01,2023-12-31,electricity.grid,1,MWh,\n"
    path.write_text(",".join(HEADER) + "\n" + "".join(row.format(i) for i in range(n)))
    return path


def test_a_cap_on_records_refuses_every_format_as_it_reads(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    csv_file = _csv(tmp_path / "a.csv", 4)
    parquet = tmp_path / "a.parquet"
    pq.write_table(pa.table({c: ["1"] * 4 for c in HEADER}), parquet)
    xlsx = many_rows(tmp_path / "a.xlsx", 4, HEADER)
    with records_at_most(3, "split it"):
        # XLSX: at the record past the cap (row 5: the header is row 1), before any further
        # row is read; CSV and Parquet name no row (the count is known once, or from the
        # footer).
        assert _refusal(con, xlsx) == (5, "more than 3 records; split it")
        assert _refusal(con, csv_file) == (None, "more than 3 records; split it")
        assert _refusal(con, parquet) == (None, "more than 3 records; split it")
        # Three records pass.
        assert stage_large(con, _csv(tmp_path / "b.csv", 3), "zt_stage", ACTIVITIES)
    # Outside the block there is no cap.
    assert stage_large(con, csv_file, "zt_stage", ACTIVITIES) == HEADER


@pytest.mark.slow
def test_the_attack_files_are_refused_in_seconds(tmp_path: Path) -> None:
    # Files like those of the attack on the server (docs/server.md): 3,000,000 rows (of the 8
    # columns, 1.5 MB), and one cell of 300,000,000 characters in 0.3 MB. Peak memory is
    # measured by hand (docs/server.md); here, that each is refused within seconds.
    rows = many_rows(tmp_path / "rows.xlsx", 3_000_000, HEADER)
    cell = huge_cell(tmp_path / "cell.xlsx", 300_000_000, header=HEADER)
    assert rows.stat().st_size < 2_000_000 and cell.stat().st_size < 400_000
    with duckdb.connect() as c:
        started = time.monotonic()
        assert _refusal(c, cell)[1].startswith("row element 2 of the worksheet is over 16 MiB")
        assert time.monotonic() - started < 10
        started = time.monotonic()
        with sheet_at_most(4 * 2**20, "uploads are smaller"):
            assert _refusal(c, rows)[1].startswith("the worksheet is over 4 MiB uncompressed")
        assert time.monotonic() - started < 20
