"""Reading a user's file: format detection, small files as rows, large files staged in the database.

Small files (entities, sites, instruments, factors) are read whole into Python rows of strings.
Activity files can be huge, so they are exposed to the database as a view or temporary table
that DuckDB scans in a streaming fashion; XLSX is converted to a staged table batch by batch.
Row numbers are spreadsheet rows: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zerotrail.errors import DataError, Problem

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".pq": "parquet"}


def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(
            [Problem(str(path), None, None, "unknown file type (expected .csv, .xlsx or .parquet)")]
        )
    if not path.is_file():
        raise DataError([Problem(str(path), None, None, "file not found")])
    return fmt


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class SmallFile:
    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]  # (spreadsheet row, values)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat") and not isinstance(value, str):
        text = str(value.isoformat())
        # openpyxl gives datetimes for date cells: keep the date part of midnight values.
        return text[:10] if text.endswith("T00:00:00") else text
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(path: Path) -> Iterator[tuple[Any, ...]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        yield from ws.iter_rows(values_only=True)
    finally:
        wb.close()


def read_small(path: Path) -> SmallFile:
    """Every row of a small file as strings, keyed by (stripped, lower-case) header."""
    fmt = file_format(path)
    raw: Iterator[tuple[Any, ...]]
    if fmt == "csv":
        with path.open(newline="", encoding="utf-8-sig") as fh:
            lines = list(csv.reader(fh))
        raw = iter([tuple(r) for r in lines])
    elif fmt == "xlsx":
        raw = _xlsx_rows(path)
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        header = tuple(table.column_names)
        data = table.to_pylist()
        raw = iter([header] + [tuple(r[c] for c in header) for r in data])
    try:
        header_row = next(raw)
    except StopIteration:
        raise DataError([Problem(str(path), None, None, "the file is empty")]) from None
    columns = tuple(_text(h).lower() for h in header_row)
    rows = []
    for i, values in enumerate(raw, start=2):
        texts = [_text(v) for v in values]
        if not any(texts):
            continue  # blank lines at the end of spreadsheets are not records
        rows.append((i, dict(zip(columns, texts, strict=False))))
    return SmallFile(str(path), columns, tuple(rows))


def missing_columns(
    name: str, columns: tuple[str, ...], required: tuple[str, ...]
) -> list[Problem]:
    have = set(columns)
    return [
        Problem(name, 1, col, "required column is missing from the header")
        for col in required
        if col not in have
    ]


def stage_large(con: Any, path: Path, view: str) -> tuple[str, ...]:
    """Expose a large file as `view` (all columns, plus `_row`), scanned lazily by DuckDB.

    Returns the lower-cased column names. CSV and XLSX are staged as text so that every bad
    value is reported by the checks rather than failing the read; Parquet keeps its types.
    """
    fmt = file_format(path)
    p = str(path).replace("'", "''")
    # Parquet is staged as a view (streamed), the others as tables: separate names, because
    # DuckDB will not replace a view with a table of the same name.
    raw = f"{view}_rawv" if fmt == "parquet" else f"{view}_rawt"
    if fmt == "parquet":
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {raw} AS "
            f"SELECT *, file_row_number + 2 AS _row FROM read_parquet('{p}', file_row_number=true)"
        )
    elif fmt == "csv":
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {raw} AS SELECT row_number() OVER () + 1 AS _row,"
                f" * FROM read_csv('{p}', all_varchar=true, header=true)"
            )
        except Exception as exc:  # duckdb.Error: the CSV itself is malformed
            raise DataError([Problem(str(path), None, None, f"cannot read CSV: {exc}")]) from exc
    else:
        _stage_xlsx(con, path, raw)
    cols = [r[0] for r in con.execute(f"DESCRIBE {raw}").fetchall()]
    # Normalise header names (case, spaces) with a renaming view.
    select = ", ".join(f'"{c}" AS "{c.strip().lower()}"' for c in cols)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {select} FROM {raw}")
    return tuple(c.strip().lower() for c in cols if c != "_row" and c != "file_row_number")


def _stage_xlsx(con: Any, path: Path, table: str) -> None:
    import pyarrow as pa

    rows = _xlsx_rows(path)
    try:
        header = [_text(h) for h in next(rows)]
    except StopIteration:
        raise DataError([Problem(str(path), None, None, "the file is empty")]) from None
    names = ["_row", *header]
    schema = pa.schema([(n, pa.int64() if n == "_row" else pa.string()) for n in names])
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} ("
        + ", ".join(f'"{n}" {"BIGINT" if n == "_row" else "VARCHAR"}' for n in names)
        + ")"
    )
    batch: list[list[Any]] = [[] for _ in names]

    def flush() -> None:
        if batch[0]:
            con.register("zt_xlsx_batch", pa.table(batch, schema=schema))
            con.execute(f"INSERT INTO {table} SELECT * FROM zt_xlsx_batch")
            con.unregister("zt_xlsx_batch")
            for col in batch:
                col.clear()

    for i, values in enumerate(rows, start=2):
        texts = [_text(v) for v in values]
        if not any(texts):
            continue
        texts += [""] * (len(header) - len(texts))
        batch[0].append(i)
        for j, t in enumerate(texts[: len(header)], start=1):
            batch[j].append(t or None)
        if len(batch[0]) >= 50_000:
            flush()
    flush()
