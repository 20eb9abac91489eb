"""Reading a user's file: format, structure and size checks; small files as rows, large files
staged in the database.

Small files (entities, sites, instruments, credits, ...) are read whole into Python rows of
strings. Activity files can be huge, so they are exposed to the database as a view (Parquet,
streamed) or a temporary table (CSV, XLSX) that DuckDB scans set-wise.

The rules every file follows (docs/formats.md#file-rules), checked here before any value is:
the header names only the format's columns, each once (matched trimmed and case-insensitively;
a column with no name is allowed only while it holds no value); every CSV record has exactly
the header's fields and is well-formed RFC 4180 (a quoted field is closed, and nothing follows
its closing quote); text is UTF-8; no field exceeds MAX_FIELD_CHARS; XLSX cells hold values
(not a formula never calculated, nor an Excel error); Parquet columns hold one text, number,
date or timestamp value per row (not lists or structs); and a file has at least one record.
Breaking a rule is a `DataError` naming the file (and row and column where known), never a
traceback.

Row numbers are the rows a spreadsheet shows, the same in every reader: counted from the top of
the file, blank lines included, a CSV record with a quoted line break counted once (the header
is row 1 unless blank lines precede it; a Parquet file's first record is row 2). Blank rows (no
value in any column: an empty line, spaces, commas, quoted empty fields, empty cells, nulls)
are skipped by every reader, never checked as records. DuckDB, which reads a large CSV, skips
empty lines without counting them and refuses the blank ones with too few commas: those rows
are counted back in (`_left_out_lines`) before any row is reported.

Names from the file never reach SQL: the staged columns are named after the format's own
columns, and the path is bound as a parameter (or quoted as a literal where DuckDB cannot take
one), with its glob characters escaped. The SQL that stages a file is `store/staging.py`.
"""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import io
import mmap
import re
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import IO, Any, NoReturn, ParamSpec, TypeVar

from zerotrail.errors import DataError, Problem
from zerotrail.ingest.checks import MAX_LISTED, raise_if
from zerotrail.ingest.formats import Format
from zerotrail.ingest.xlsx_bounds import BoundedArchive
from zerotrail.store.staging import (
    append_batch,
    create_text_table,
    drop_blank_rows,
    expose_staged,
    has_rows,
    oversized_cells,
    renumber_rows,
    stage_csv,
    stage_parquet,
    staged_rows,
)

P = ParamSpec("P")
R = TypeVar("R")

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".pq": "parquet"}

# Files read whole into memory (every kind but activities) may be at most this large.
MAX_SMALL_FILE_BYTES = 64 * 1024 * 1024
# The longest field (cell) any file may hold, in characters.
MAX_FIELD_CHARS = 65_536
# The header of a large CSV is read by Python, at most this many bytes per line.
MAX_HEADER_LINE_BYTES = 1024 * 1024
# A line of a large CSV (read by DuckDB) may be at most this long.
MAX_CSV_LINE_BYTES = 8 * 1024 * 1024
# An XLSX worksheet has at most this many rows and columns (Excel's own limits; A1 to XFD1048576).
# The bytes a workbook may decompress are bounded in ingest/xlsx_bounds.py.
MAX_XLSX_ROWS = 1_048_576
MAX_XLSX_COLUMNS = 16_384


# --- the file itself -------------------------------------------------------------------------


def _refuse(
    path: Path | str, message: str, row: int | None = None, col: str | None = None
) -> NoReturn:
    raise DataError([Problem(str(path), row, col, message)])


def _reason(exc: BaseException) -> str:
    """An exception's message on one short line (a parser's message can be long)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def file_format(path: Path) -> str:
    """csv, xlsx or parquet, from the suffix; DataError unless `path` is a readable file."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        _refuse(path, "unknown file type (expected .csv, .xlsx or .parquet)")
    if path.is_dir():
        _refuse(path, "is a folder, not a file")
    if not path.exists():
        _refuse(path, "file not found")
    if not path.is_file():
        _refuse(path, "is not a regular file")
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        _refuse(path, f"cannot be read ({exc.strerror or _reason(exc)})")
    return fmt


def _check_small_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_SMALL_FILE_BYTES:
        _refuse(
            path,
            f"the file is {size:,} bytes; files of this kind may be at most"
            f" {MAX_SMALL_FILE_BYTES:,} bytes ({MAX_SMALL_FILE_BYTES / 2**20:g} MiB)",
        )


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextmanager
def _os_errors(path: Path) -> Iterator[None]:
    """An OSError while reading (a file removed or locked midway) as a DataError."""
    try:
        yield
    except OSError as exc:
        _refuse(path, f"cannot be read ({exc.strerror or _reason(exc)})")


# --- header ----------------------------------------------------------------------------------


def shown(name: str, limit: int | None = 40) -> str:
    """A header name as it can be printed on one line: control characters escaped (a line
    break as \\n), cut short after `limit` characters unless None."""
    text = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in name)
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def column_letter(index: int) -> str:
    """The spreadsheet letter of the 0-based column `index` (0 is A, 26 is AA)."""
    letters = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _header_name(value: Any) -> str:
    return _text(value).replace("\ufeff", "").strip().lower()


def header_problems(source: str, header: Sequence[Any], fmt: Format, row: int = 1) -> list[Problem]:
    """Duplicated, unknown and missing columns of a header, its cells as written.

    Names match trimmed and case-insensitively; messages show them as written. A blank name is
    not a problem here: the column must then hold no value, which the reader checks row by row.
    """
    problems: list[Problem] = []
    known = set(fmt.names)
    first: dict[str, int] = {}
    for i, cell in enumerate(header):
        name = _header_name(cell)
        if not name:
            continue
        written = shown(_text(cell).replace("\ufeff", ""))
        if name in first:
            problems.append(
                Problem(
                    source,
                    row,
                    written,
                    f"column appears twice in the header (columns {column_letter(first[name])}"
                    f" and {column_letter(i)}); each column may appear once",
                )
            )
            continue
        first[name] = i
        if name not in known:
            problems.append(
                Problem(
                    source,
                    row,
                    written,
                    f"unknown column; the columns of {fmt.kind} files are {', '.join(fmt.names)}",
                )
            )
    problems += [
        Problem(source, row, col, "required column is missing from the header")
        for col in fmt.required
        if col not in first
    ]
    return problems


def _no_records(path: Path) -> NoReturn:
    _refuse(path, "no records: the file has a header but no data rows")


# --- cells -----------------------------------------------------------------------------------


class _Bad:
    """A cell that holds no readable value (an uncalculated formula, an Excel error)."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


_UNCALCULATED = _Bad(
    "a formula without a calculated value: open and save the workbook in Excel (or LibreOffice)"
    " so the value is stored, or enter the value itself"
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat") and not isinstance(value, str):
        text = str(value.isoformat())
        # openpyxl gives datetimes for date cells: keep the date part of midnight values.
        return text[:10] if text.endswith("T00:00:00") else text
    if isinstance(value, float) and value.is_integer() and abs(value) < _EXACT_INTEGERS:
        return str(int(value))
    return str(value).strip()


# A spreadsheet or Parquet number that is a whole number below 2^53 reads as its digits (12.0
# is "12"); above, as Python writes the float (1e308 is "1e+308", not 309 digits that were
# never in the cell), so that a number out of range is refused as such.
_EXACT_INTEGERS = 2**53


class _Rows:
    """Turns a file's rows into texts, one per named column, collecting structural problems."""

    def __init__(self, path: Path, names: Sequence[str], *, exact_width: bool) -> None:
        self.source = str(path)
        self.names = list(names)
        self.exact_width = exact_width  # CSV: every record has the header's fields
        self.problems: list[Problem] = []
        self.total = 0

    def bad(self, row: int, col: str | None, message: str) -> None:
        self.total += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(Problem(self.source, row, col, message))

    def label(self, j: int) -> str:
        return self.names[j] if j < len(self.names) and self.names[j] else column_letter(j)

    def texts(self, row: int, values: Sequence[Any]) -> list[str] | None:
        """The row's texts aligned with the header; None for a blank row (not a record)."""
        texts: list[str] = []
        for j, v in enumerate(values):
            if isinstance(v, _Bad):
                self.bad(row, self.label(j), v.message)
                texts.append("")
            elif isinstance(v, time | timedelta):
                self.bad(
                    row, self.label(j), "a time of day or a duration, not a date, number or text"
                )
                texts.append("")
            else:
                texts.append(_text(v))
        if not any(texts) and not any(isinstance(v, _Bad) for v in values):
            return None
        width = len(self.names)
        if self.exact_width and len(values) != width:
            self.bad(
                row,
                None,
                f"{len(values)} fields, but the header has {width} columns"
                " (every row has exactly the header's fields)",
            )
            return None
        for j, t in enumerate(texts):
            if not t:
                continue
            if j >= width or not self.names[j]:
                self.bad(row, column_letter(j), "a value in a column with no name in the header")
            elif len(t) > MAX_FIELD_CHARS:
                self.bad(
                    row,
                    self.names[j],
                    f"the field is {len(t):,} characters long; the maximum is {MAX_FIELD_CHARS:,}",
                )
        return texts[:width] + [""] * (width - len(texts))

    def raise_if_any(self) -> None:
        raise_if(self.source, self.problems, self.total)


# --- CSV -------------------------------------------------------------------------------------


class _NotUtf8(Exception):
    def __init__(self, byte: int) -> None:
        self.byte = byte


class _LineTooLong(Exception):
    pass


def _utf8_lines(fh: IO[bytes], max_line: int) -> Iterator[str]:
    """The file's lines decoded as UTF-8 (a leading byte-order mark dropped), one at a time."""
    decode = codecs.getincrementaldecoder("utf-8-sig")("strict").decode
    while True:
        raw = fh.readline(max_line + 1)
        try:
            if not raw:
                decode(b"", True)  # a multi-byte character cut off by the end of the file
                return
            if len(raw) > max_line:
                raise _LineTooLong
            yield decode(raw)
        except UnicodeDecodeError as exc:
            raise _NotUtf8(exc.object[exc.start] if exc.object else 0) from None


@contextmanager
def _field_size_limit(limit: int) -> Iterator[None]:
    """csv's field limit for one read: we check field sizes ourselves, naming the column."""
    old = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _csv_records(path: Path, fh: IO[bytes], max_line: int) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row, fields) of each record; DataError at the first unreadable one."""
    reader = csv.reader(_utf8_lines(fh, max_line), strict=True)
    row = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except _NotUtf8 as exc:
            _refuse(
                path,
                f"not UTF-8 text (byte 0x{exc.byte:02X}): save the file as CSV UTF-8",
                row,
            )
        except _LineTooLong:
            _refuse(path, f"a line is longer than {max_line // 2**20} MiB", row)
        except csv.Error as exc:
            _refuse(path, _csv_error(str(exc)), row)
        yield row, fields
        row += 1


def _csv_error(message: str) -> str:
    if "expected after" in message:
        return (
            "malformed CSV: text after the closing quote of a quoted field (quote the whole"
            ' field, and write a quote inside it as "")'
        )
    if "unexpected end of data" in message:
        return "malformed CSV: a quoted field is never closed (a stray quote?)"
    if "field larger than field limit" in message:
        return f"a field is longer than {MAX_FIELD_CHARS:,} characters"
    return f"malformed CSV: {message}"


def _read_csv(path: Path) -> Iterator[tuple[int, Sequence[Any]]]:
    with (
        _os_errors(path),
        path.open("rb") as fh,
        _field_size_limit(MAX_SMALL_FILE_BYTES),
    ):
        records = list(_csv_records(path, fh, MAX_SMALL_FILE_BYTES))
    return iter(records)


# --- XLSX ------------------------------------------------------------------------------------


def _uncalculated(element: Any) -> bool:
    """A formula cell with no stored result: no <v>, or an empty one where the result is not
    text (openpyxl writes <v/> for a formula it cannot calculate; Excel stores an empty text
    result as t="str" with an empty <v>)."""
    from openpyxl.worksheet._reader import VALUE_TAG

    v = element.find(VALUE_TAG)
    return v is None or (not v.text and element.get("t", "n") != "str")


def _xlsx_rows(path: Path) -> Generator[tuple[int, Sequence[Any]], None, None]:
    """(spreadsheet row, cell values) of the first sheet's non-empty rows, streamed.

    A cell whose formula was never calculated, or that holds an Excel error, comes as a `_Bad`.
    openpyxl with `data_only` gives None for the first (like an empty cell) and the error text
    for the second, so the sheet is parsed with a parser that tells them apart.
    """
    try:
        from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

        class _Parser(WorkSheetParser):  # type: ignore[misc]
            def parse_cell(self, element: Any) -> dict[str, Any]:
                cell: dict[str, Any] = super().parse_cell(element)
                if element.find(FORMULA_TAG) is not None and _uncalculated(element):
                    cell["value"] = _UNCALCULATED
                elif cell["data_type"] == "e":
                    cell["value"] = _Bad(f"the cell holds the Excel error {cell['value']}")
                return cell

        from openpyxl.reader.excel import ExcelReader
        from openpyxl.styles.stylesheet import apply_stylesheet

        # openpyxl's own loading (load_workbook's steps), with every part it opens read
        # through BoundedArchive: its decompressed bytes counted and bounded
        # (ingest/xlsx_bounds.py). Its last step is not taken: a read-only worksheet scans its
        # whole sheet for the <dimension> element when the file has none (written by hand, not
        # by Excel), which would read the sheet twice; the first worksheet's part is found
        # here instead, as that step finds it.
        reader = ExcelReader(path, read_only=True, data_only=True)
        reader.archive.close()
        archive = reader.archive = BoundedArchive(path)
        try:
            reader.read_manifest()
            reader.read_strings()
            reader.read_workbook()
            apply_stylesheet(archive, reader.wb)
            sheets = [
                rel.target
                for _, rel in reader.parser.find_sheets()
                if rel.target in reader.valid_files and "chartsheet" not in rel.Type
            ]
        except BaseException:
            archive.close()
            raise
        wb = reader.wb
    except DataError:
        raise
    except Exception as exc:  # zipfile.BadZipFile, InvalidFileException, KeyError, XML errors
        _refuse(path, f"not a readable XLSX workbook ({_reason(exc)})")
    try:
        if not sheets:
            _refuse(path, "the workbook has no worksheet")
        try:
            src = archive.open(sheets[0])
        except Exception as exc:
            _refuse(path, f"not a readable XLSX workbook ({_reason(exc)})")
        with src:
            parser = _Parser(
                src,
                reader.shared_strings,
                data_only=True,
                epoch=wb.epoch,
                date_formats=wb._date_formats,
                timedelta_formats=wb._timedelta_formats,
            )
            rows = parser.parse()
            row = 0
            read = 0
            while True:
                try:
                    row, cells = next(rows)
                except StopIteration:
                    break
                except DataError:
                    raise  # a bound of xlsx_bounds.py
                except Exception as exc:  # malformed sheet XML, a bad shared-string index
                    _refuse(path, f"not a readable XLSX workbook ({_reason(exc)})", row + 1)
                read += 1
                # Row numbers come from the file and may repeat: rows read count too.
                if max(row, read) > MAX_XLSX_ROWS:
                    _refuse(
                        path,
                        f"the worksheet has more than {MAX_XLSX_ROWS:,} rows, the most a"
                        " worksheet holds: save a larger file as CSV or Parquet",
                        row,
                    )
                if not cells:
                    continue
                width = max(c["column"] for c in cells)
                if width > MAX_XLSX_COLUMNS:
                    _refuse(
                        path,
                        f"a cell beyond column {column_letter(MAX_XLSX_COLUMNS - 1)}, the last"
                        " column a worksheet has",
                        row,
                    )
                values: list[Any] = [None] * width
                for c in cells:
                    values[c["column"] - 1] = c["value"]
                yield row, tuple(values)
    finally:
        archive.close()


def _first_row(path: Path, rows: Iterator[tuple[int, Sequence[Any]]]) -> tuple[int, list[Any]]:
    """The header: the first non-blank row (spreadsheet row, cell values as read)."""
    for row, values in rows:
        if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in values):
            for j, v in enumerate(values):
                if isinstance(v, _Bad):
                    _refuse(path, v.message, row, column_letter(j))
            return row, list(values)
    _refuse(path, "the file is empty")


# --- Parquet ---------------------------------------------------------------------------------


def parquet_schema(path: Path) -> tuple[Any, int]:
    """The Arrow schema and row count from the file's footer (nothing else is read)."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
        return meta.schema.to_arrow_schema(), int(meta.num_rows)
    except Exception as exc:  # pyarrow.ArrowInvalid (no footer), OSError, ...
        _refuse(path, f"not a readable Parquet file ({_reason(exc)})")


def _type_ok(t: Any) -> bool:
    import pyarrow.types as pt

    if pt.is_dictionary(t):
        t = t.value_type
    is_view = getattr(pt, "is_string_view", lambda _: False)
    return bool(
        pt.is_string(t)
        or pt.is_large_string(t)
        or is_view(t)
        or pt.is_integer(t)
        or pt.is_floating(t)
        or pt.is_decimal(t)
        or pt.is_date(t)
        or pt.is_timestamp(t)
        or pt.is_boolean(t)
        or pt.is_null(t)
    )


def parquet_header(path: Path, fmt: Format) -> tuple[list[str], int]:
    """The Parquet file's column names (checked against `fmt`, and their types) and row count."""
    schema, n_rows = parquet_schema(path)
    source = str(path)
    names = [_header_name(n) for n in schema.names]
    problems = [
        Problem(source, 1, column_letter(j), "a column has no name")
        for j, n in enumerate(names)
        if not n
    ]
    problems += header_problems(source, schema.names, fmt)
    problems += [
        Problem(
            source,
            1,
            name,
            f"the column's type is {field.type}: expected text, a number, a date or a timestamp"
            " (one value per row, not a list or a struct)",
        )
        for name, field in zip(names, schema, strict=True)
        if name in fmt.names and not _type_ok(field.type)
    ]
    raise_if(source, problems, len(problems))
    if n_rows == 0:
        _no_records(path)
    return names, n_rows


def _read_parquet(path: Path, fmt: Format) -> tuple[list[str], Iterator[tuple[int, Sequence[Any]]]]:
    import pyarrow.parquet as pq

    names, _ = parquet_header(path, fmt)
    try:
        table = pq.read_table(path)
    except Exception as exc:  # a corrupt page: OSError, pyarrow.ArrowInvalid
        _refuse(path, f"not a readable Parquet file ({_reason(exc)})")
    columns = [table.column(j).to_pylist() for j in range(table.num_columns)]
    return names, ((i + 2, [c[i] for c in columns]) for i in range(table.num_rows))


# --- small files -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SmallFile:
    name: str
    columns: tuple[str, ...]  # the format's columns the header names, in the file's order
    rows: tuple[tuple[int, dict[str, str]], ...]  # (spreadsheet row, values by column)


def read_small(path: Path, fmt: Format) -> SmallFile:
    """Every record of a small file of kind `fmt`, as strings keyed by column.

    The header must name only `fmt`'s columns, each once, and all its required ones; DataError
    listing every structural problem otherwise, or when the file has no record.
    """
    kind = file_format(path)
    source = str(path)
    raw: Iterator[tuple[int, Sequence[Any]]]
    with _os_errors(path):
        _check_small_size(path)
        if kind == "parquet":
            names, raw = _read_parquet(path, fmt)
            header_row = 1
        else:
            raw = _read_csv(path) if kind == "csv" else iter(list(_xlsx_rows(path)))
            header_row, header = _first_row(path, raw)
            names = [_header_name(v) for v in header]
            problems = header_problems(source, header, fmt, header_row)
            raise_if(source, problems, len(problems))
    reader = _Rows(path, names, exact_width=kind == "csv")
    rows = []
    for i, values in raw:
        texts = reader.texts(i, values)
        if texts is not None:
            rows.append((i, {n: t for n, t in zip(names, texts, strict=True) if n}))
    reader.raise_if_any()
    if not rows:
        _no_records(path)
    return SmallFile(source, tuple(n for n in names if n), tuple(rows))


def read_csv_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """A small CSV file's header (names as written, trimmed, control characters escaped) and
    records (fields as text, one per header column), for files with header rules of their own
    (factor sets): every file rule is checked but the header's names."""
    if file_format(path) != "csv":
        _refuse(path, "expected a .csv file")
    with _os_errors(path):
        _check_small_size(path)
        raw = _read_csv(path)
        _, header = _first_row(path, raw)
    # Escaped as printed: a name holding a control character is unknown either way, and
    # the problems naming it stay on one line.
    names = [shown(_text(v).replace("\ufeff", ""), None) for v in header]
    reader = _Rows(path, names, exact_width=True)
    rows = []
    for i, values in raw:
        texts = reader.texts(i, values)
        if texts is not None:
            rows.append((i, texts))
    reader.raise_if_any()
    return names, rows


# --- large files -----------------------------------------------------------------------------


def _duckdb_path(path: Path) -> str:
    """The absolute path with DuckDB's glob characters escaped: it names this one file."""
    return re.sub(r"([*?\[])", r"[\1]", str(path.absolute()))


def _read_error(path: Path, exc: Exception) -> DataError | None:
    """The database error `exc` as a DataError naming `path` when it is about reading the file
    (a Parquet page found corrupt only when scanned), else None."""
    import duckdb

    if not isinstance(exc, duckdb.Error):
        return None
    text = str(exc)
    # A damaged Parquet data page can surface as a bare duckdb.Error that names neither the
    # file nor Parquet ("don't know what type", found by fuzzing); scanning a Parquet file is
    # the only reading such an import does, so it is still about the file.
    bare = type(exc) is duckdb.Error and path.suffix.lower() in (".parquet", ".pq")
    about_file = bare or str(path) in text or path.name in text or "parquet" in text.lower()
    reading_kind = (
        isinstance(exc, duckdb.IOException | duckdb.InvalidInputException)
        or type(exc) is duckdb.Error  # "Parquet file is likely corrupted, ..."
    )
    if not (reading_kind and about_file):
        return None
    return DataError([Problem(str(path), None, None, f"cannot read the file ({_reason(exc)})")])


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Errors the database raises while scanning the staged file `path`, as a DataError."""
    try:
        yield
    except Exception as exc:
        err = _read_error(path, exc)
        if err is None:
            raise
        raise err from exc


def reports_read_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate an import `func(ws, path, ...)` that scans a staged file: a database error
    about reading `path` (met while checking a streamed Parquet file) becomes a DataError."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            path = args[1] if len(args) > 1 else kwargs.get("path")
            err = _read_error(Path(str(path)), exc) if path is not None else None
            if err is None:
                raise
            raise err from exc

    return wrapper


# The most records a file staged by `stage_large` may hold in the current context, and what to
# say past it (None: no bound but XLSX's own). Set by `records_at_most` around an import that
# must stay small (a server upload: pipeline/submissions.py) without every import stage taking
# a parameter it passes down; a context variable, so each request's thread has its own.
_RECORD_LIMIT: ContextVar[tuple[int, str] | None] = ContextVar("record_limit", default=None)


@contextmanager
def records_at_most(limit: int, why: str) -> Iterator[None]:
    """Within the block, a large file (stage_large) with more than `limit` records is refused
    as soon as that is known, with `why` after the count: an XLSX file at the row past the
    limit (before the rest is read), a Parquet file from its footer, a CSV file once DuckDB has
    read it (fast)."""
    token = _RECORD_LIMIT.set((limit, why))
    try:
        yield
    finally:
        _RECORD_LIMIT.reset(token)


def _over_limit(path: Path, records: int, row: int | None = None) -> None:
    bound = _RECORD_LIMIT.get()
    if bound is not None and records > bound[0]:
        _refuse(path, f"more than {bound[0]:,} records; {bound[1]}", row)


def stage_large(con: Any, path: Path, view: str, fmt: Format) -> tuple[str, ...]:
    """Expose a large file of kind `fmt` as `view`, scanned lazily by DuckDB.

    The view has `_row` (the spreadsheet row) and one column per column of `fmt` the header
    names, named as in `fmt`; the names are returned in the file's order. The header is
    checked against `fmt` before anything reaches the database. CSV and XLSX are staged as
    text so that every bad value is reported by the checks rather than failing the read;
    Parquet keeps its (checked) types.
    """
    kind = file_format(path)
    # Parquet is staged as a view (streamed), the others as tables: separate names, because
    # DuckDB will not replace a view with a table of the same name.
    raw = f"{view}_rawv" if kind == "parquet" else f"{view}_rawt"
    with _os_errors(path):
        if kind == "parquet":
            names = _stage_parquet(con, path, raw, fmt)
        elif kind == "csv":
            names = _stage_csv(con, path, raw, fmt)
            _over_limit(path, staged_rows(con, raw))
        else:
            names = _stage_xlsx(con, path, raw, fmt)
    named = [n for n in names if n]
    # Blank rows are skipped: the CSV reader drops them from its table, the XLSX reader never
    # stages them, the view over a Parquet file leaves them out.
    expose_staged(con, view, raw, named, skip_blank=kind == "parquet")
    if not has_rows(con, view):
        _no_records(path)
    return tuple(named)


def _staged_names(names: Sequence[str]) -> list[str]:
    """Database column names: the format's names; a blank header becomes a placeholder."""
    return [n or f"_unnamed_{column_letter(j)}" for j, n in enumerate(names)]


def _stage_parquet(con: Any, path: Path, raw: str, fmt: Format) -> list[str]:
    names, n_rows = parquet_header(path, fmt)
    _over_limit(path, n_rows)
    # Columns are renamed by position to the format's names: the file's own never reach SQL.
    with reading(path):
        stage_parquet(con, raw, _duckdb_path(path), names)
    return names


def _csv_header(path: Path, fmt: Format) -> tuple[int, list[str]]:
    """The header of a large CSV, read and checked by Python (the rest is DuckDB's): its row
    (the first non-blank one, as in the other files) and its names."""
    with path.open("rb") as fh, _field_size_limit(MAX_FIELD_CHARS):
        records = _csv_records(path, fh, MAX_HEADER_LINE_BYTES)
        for row, header in records:
            if any(f.strip() for f in header):
                break
            if any("\n" in f or "\r" in f for f in header):
                # DuckDB skips whole lines to the header: a blank record over two lines
                # would make it start in the wrong place.
                _refuse(path, "malformed CSV: a quoted line break before the header", row)
        else:
            _refuse(path, "the file is empty")
    names = [_header_name(f) for f in header]
    problems = header_problems(str(path), header, fmt, row)
    raise_if(str(path), problems, len(problems))
    return row, names


def _stage_csv(con: Any, path: Path, raw: str, fmt: Format) -> list[str]:
    header_row, names = _csv_header(path, fmt)
    staged = _staged_names(names)
    source = str(path)

    def stage(max_rejects: int) -> list[tuple[int, int | None, str, str, int, str]]:
        with reading(path):
            return stage_csv(
                con,
                raw,
                _duckdb_path(path),
                staged,
                max_line_bytes=MAX_CSV_LINE_BYTES,
                max_rejects=max_rejects,
                skip=header_row - 1,
            )

    found = stage(MAX_LISTED)
    blank = _blank_lines(found)
    if blank and len(found) >= MAX_LISTED and all(f[0] in blank for f in found):
        # Only blank lines so far, and DuckDB stopped recording: read again, recording every
        # refused line, so that none after them goes unreported (nor silently dropped).
        found = stage(0)
        blank = _blank_lines(found)
    problems = _rejected(path, names, [f for f in found if f[0] not in blank])
    raise_if(source, problems, len(problems))
    if blank or _may_hold_blank_lines(path):
        left_out = _left_out_lines(path, header_row, staged_rows(con, raw), blank)
        if left_out is None:  # a record spans lines: read the records themselves
            left_out = _left_out_records(path, header_row, len(names))
        _renumber(con, raw, left_out)
    problems = _staged_cell_problems(con, path, raw, names, staged)
    raise_if(source, problems, len(problems))
    drop_blank_rows(con, raw, [n for n in names if n])
    return names


# DuckDB's reject error types, as the problem each one is.
_REJECTS = {
    "TOO MANY COLUMNS": "more fields than the header's {width} columns",
    "MISSING COLUMNS": "fewer fields than the header's {width} columns",
    "UNQUOTED VALUE": "malformed CSV: a quoted field is not closed before the next comma or"
    " the end of the line (a stray quote?)",
    "INVALID ENCODING": "not UTF-8 text: save the file as CSV UTF-8",
    "INVALID UNICODE": "not UTF-8 text: save the file as CSV UTF-8",
    "LINE SIZE OVER MAXIMUM": f"the line is longer than {MAX_CSV_LINE_BYTES // 2**20} MiB",
}


def _rejected(
    path: Path, names: Sequence[str], found: Sequence[tuple[int, int | None, str, str, int, str]]
) -> list[Problem]:
    """The lines DuckDB refused, one problem each: a line too long first, as it is the cause."""
    by_line: dict[int, list[tuple[int | None, str, str, int]]] = {}
    for line, idx, etype, message, offset, _ in found:
        by_line.setdefault(line, []).append((idx, etype, message, offset))
    problems = []
    for line, errors in by_line.items():
        types = [etype for _, etype, _, _ in errors]
        idx, etype, message, offset = errors[0]
        if "LINE SIZE OVER MAXIMUM" in types or (
            "UNQUOTED VALUE" in types and _line_too_long(path, offset)
        ):
            # DuckDB reports a quoted field far longer than its buffer as never closed.
            idx, etype = None, "LINE SIZE OVER MAXIMUM"
        text = _REJECTS.get(etype, f"malformed CSV: {_reason(Exception(message))}")
        col = None
        if etype not in _WHOLE_LINE and idx and idx <= len(names):
            col = names[idx - 1] or column_letter(idx - 1)
        problems.append(Problem(str(path), line, col, text.format(width=len(names))))
    return problems


_WHOLE_LINE = {"TOO MANY COLUMNS", "MISSING COLUMNS", "LINE SIZE OVER MAXIMUM"}


def _line_too_long(path: Path, offset: int) -> bool:
    """Whether the line starting at byte `offset` runs past MAX_CSV_LINE_BYTES."""
    with path.open("rb") as fh:
        fh.seek(offset)
        chunk = fh.read(MAX_CSV_LINE_BYTES + 1)
    return len(chunk) > MAX_CSV_LINE_BYTES and b"\n" not in chunk


def _blank_lines(found: Sequence[tuple[int, int | None, str, str, int, str]]) -> set[int]:
    """The lines DuckDB refused only for their number of fields that hold no value (spaces,
    fewer or more commas than the header's, quoted empty fields): blank rows, skipped as in
    the other files, not problems. Any other refusal (a stray quote) stands."""
    counts = {"MISSING COLUMNS", "TOO MANY COLUMNS"}
    lines: dict[int, bool] = {}
    for line, _, etype, _, _, text in found:
        lines[line] = lines.get(line, True) and etype in counts and _blank_text(text)
    return {line for line, blank in lines.items() if blank}


def _blank_text(text: str) -> bool:
    """Whether a CSV line holds no value. DuckDB gives no text for some lines: not blank."""
    if not text:
        return False
    try:
        records = list(csv.reader(io.StringIO(text)))
    except csv.Error:
        return False
    return bool(records) and all(not f.strip() for r in records for f in r)


# A line that may hold no record: empty, or nothing but white space, commas and quotes. DuckDB
# skips empty lines without counting them, so rows after one need renumbering; a quick scan for
# such lines (at memory speed) spares most files the slower count below. Blank lines at the end
# of the file (a common export habit) number nothing after them.
_MAYBE_BLANK = re.compile(rb'\n(?:[ \t,"]*\r?\n|[ \t,"]+\r?\Z)')
_ONLY_BLANK = re.compile(rb'[\s,"]*\Z')


def _may_hold_blank_lines(path: Path) -> bool:
    """Whether a line that may be blank comes before a line that is not."""
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        found = _MAYBE_BLANK.search(data)
        return found is not None and _ONLY_BLANK.match(data, found.start()) is None


_EMPTY_LINE = re.compile(rb"\n(?=\r?\n)")  # the line after this line break is empty
_CHUNK = 16 << 20


def _newlines(data: Any, start: int, end: int) -> int:
    """Line breaks in data[start:end], counted a chunk at a time (the file may be huge)."""
    return sum(data[i : min(i + _CHUNK, end)].count(b"\n") for i in range(start, end, _CHUNK))


def _left_out_lines(
    path: Path, header_row: int, kept: int, refused_blank: set[int]
) -> list[int] | None:
    """The rows DuckDB left out of the staged table of the CSV `path` (the empty lines, which
    it skips, and `refused_blank`, the blank ones it refused), found by scanning bytes; None
    when a record spans lines, which this scan cannot tell from a row (then the lines do not
    add up: each such record has a line that is neither kept, refused nor empty)."""
    empty: list[int] = []
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        line, at = 1, 0
        for m in _EMPTY_LINE.finditer(data):
            line += _newlines(data, at, m.start() + 1)
            at = m.start() + 1
            if line > header_row:
                empty.append(line)
        total = line + _newlines(data, at, len(data)) - (1 if data[-1:] == b"\n" else 0)
    if total != header_row + kept + len(refused_blank) + len(empty):
        return None
    return sorted([*empty, *refused_blank])


def _left_out_records(path: Path, header_row: int, width: int) -> list[int]:
    """The rows DuckDB left out of the staged table of the CSV `path`, found by reading its
    records (slower than `_left_out_lines`): the empty ones, and the blank ones with a number
    of fields other than the header's, which it refuses."""
    left_out = []
    with (
        path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh,
        _field_size_limit(MAX_CSV_LINE_BYTES),
    ):
        for row, fields in enumerate(csv.reader(fh), start=1):
            if row > header_row and (
                not fields or (len(fields) != width and all(not f.strip() for f in fields))
            ):
                left_out.append(row)
    return left_out


def _renumber(con: Any, raw: str, left_out: Sequence[int]) -> None:
    """Number each staged row as the row it is in the file, the rows DuckDB left out (in file
    order) counted: the one after the k-th left out row, if kept, is staged k rows early."""
    import pyarrow as pa

    first: list[int] = []
    shift: list[int] = []
    for k, row in enumerate(left_out, start=1):
        if k == len(left_out) or left_out[k] != row + 1:
            first.append(row + 1 - k)
            shift.append(k)
    if first:
        batch = {"first_row": pa.array(first, pa.int64()), "shift": pa.array(shift, pa.int64())}
        renumber_rows(con, raw, pa.table(batch))


def _staged_cell_problems(
    con: Any, path: Path, raw: str, names: Sequence[str], staged: Sequence[str]
) -> list[Problem]:
    """Fields over MAX_FIELD_CHARS, and values in columns with no name, of a staged table."""
    columns = [(col, bool(name)) for name, col in zip(names, staged, strict=True)]
    problems = []
    for row, lengths in oversized_cells(con, raw, columns, MAX_FIELD_CHARS, MAX_LISTED):
        for j, n in enumerate(lengths):
            if n is None:
                continue
            if names[j]:
                problems.append(
                    Problem(
                        str(path),
                        row,
                        names[j],
                        f"the field is {n:,} characters long; the maximum is {MAX_FIELD_CHARS:,}",
                    )
                )
            else:
                problems.append(
                    Problem(
                        str(path),
                        row,
                        column_letter(j),
                        "a value in a column with no name in the header",
                    )
                )
    return problems


def _stage_xlsx(con: Any, path: Path, table: str, fmt: Format) -> list[str]:
    # Closed on a refusal too, which leaves the rows unread: the workbook's file is closed
    # now, not whenever the suspended reader is collected.
    with closing(_xlsx_rows(path)) as rows:  # a generator: its close() ends the read
        return _stage_xlsx_rows(con, path, table, fmt, rows)


def _stage_xlsx_rows(
    con: Any, path: Path, table: str, fmt: Format, rows: Iterator[tuple[int, Sequence[Any]]]
) -> list[str]:
    import pyarrow as pa

    source = str(path)
    header_row, header = _first_row(path, rows)
    names = [_header_name(v) for v in header]
    problems = header_problems(source, header, fmt, header_row)
    raise_if(source, problems, len(problems))
    named = [n for n in names if n]
    schema = pa.schema([("_row", pa.int64()), *((n, pa.string()) for n in named)])
    create_text_table(con, table, named)
    keep = [j for j, n in enumerate(names) if n]
    batch: list[list[Any]] = [[] for _ in range(len(named) + 1)]
    reader = _Rows(path, names, exact_width=False)
    count = 0

    def flush() -> None:
        if batch[0]:
            append_batch(con, table, pa.table(batch, schema=schema))
            for col in batch:
                col.clear()

    for i, values in rows:
        texts = reader.texts(i, values)
        if texts is None:
            continue
        count += 1
        _over_limit(path, count, i)
        if reader.total:
            continue  # the file is refused: only its problems matter now
        batch[0].append(i)
        for k, j in enumerate(keep, start=1):
            batch[k].append(texts[j] or None)
        if len(batch[0]) >= 50_000:
            flush()
    flush()
    reader.raise_if_any()
    if not count:
        _no_records(path)
    return names
