"""State, printing and refusals shared by the CLI commands.

Output does not depend on the terminal: when stdout (or stderr) is not a terminal, nothing is
wrapped or truncated, whatever `COLUMNS` says; on a terminal, tables fit its width by wrapping
their text columns, never by cutting a figure (a table too wide even then is printed as one
block per row). Messages are one line each. Every table command also offers `--format csv` and
`--format json`.

Refusals: `reading(path)` is the boundary of every command that reads a user's file; it turns
what a damaged or unexpected file raises (OSError, UnicodeDecodeError, csv.Error, DuckDB and
PyArrow errors, a broken XLSX container) into one ZerotrailError naming the file, and the row
where known. main() (cli/__init__.py) prints each ZerotrailError as one line.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console, ConsoleDimensions
from rich.markup import escape
from rich.table import Table

from zerotrail.errors import DataError, ZerotrailError
from zerotrail.model.files import (  # bounded reading, shared with the stages below the CLI
    MAX_SMALL_FILE,
    read_limited,
)
from zerotrail.model.files import size_text as _size
from zerotrail.model.limits import FIRST_YEAR, LAST_YEAR
from zerotrail.pipeline.exports import CsvWriter

if TYPE_CHECKING:
    from zerotrail.pipeline.setup import Workspace

# Width of a console that writes to a file or pipe: wide enough that nothing is ever wrapped.
UNWRAPPED = 1 << 20


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class _Console(Console):
    """A Rich console that lays text out for a terminal only when it writes to one."""

    @property
    def size(self) -> ConsoleDimensions:
        if not _isatty(self.file):
            return ConsoleDimensions(UNWRAPPED, 25)
        return super().size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]


# soft_wrap: a message is never broken into lines by Rich (a terminal folds long lines itself).
out = _Console(highlight=False, soft_wrap=True)
err = _Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class State:
    db: str | None = None


STATE = State()


@contextmanager
def workspace(create: bool = False) -> Iterator[Workspace]:
    # Imported on first use, as in every command module: opening a workspace loads the store
    # and the ledger, which `--version`, `--help` and the commands without a workspace skip.
    from zerotrail.pipeline.setup import open_workspace

    ws = open_workspace(STATE.db, create=create)
    try:
        yield ws
    finally:
        ws.close()


@contextmanager
def progress(label: str) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr (on a terminal only); yields a function that names the current step."""
    if not _isatty(err.file):
        yield lambda step: None  # nothing to animate in a file or pipe
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(escape(label))
        yield lambda step: bar.update(task, description=escape(f"{label}: {step}"))


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def one_line(text: str) -> str:
    """`text` as one printable line: line breaks become spaces, other control characters
    (which could drive the terminal: ESC, BEL, ...) are shown as \\xNN."""
    first, *rest = str(text).splitlines() or [""]
    joined = " ".join([first.rstrip(), *(part.strip() for part in rest if part.strip())])
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", joined)


def print_problems(exc: DataError) -> None:
    """The rejection's header line, then one line per problem (file, row, column, message)."""
    err.print(f"[red]rejected:[/red] {escape(one_line(str(exc)))}", highlight=False)
    for p in exc.problems:
        err.print(f"  {one_line(str(p))}", highlight=False, markup=False)


def print_error(message: str, label: str = "error") -> None:
    """One line on stderr: `error: message` (the message is printed literally)."""
    err.print(f"[red]{label}:[/red] {escape(one_line(message))}", highlight=False)


def tell(text: str) -> None:
    """One literal line on stderr (a message beside the results, never wrapped)."""
    err.print(one_line(text), markup=False, highlight=False)


def say(text: str, *, soft_wrap: bool = False) -> None:
    """One literal line on stdout (no markup, never wrapped when piped). With `soft_wrap`,
    never wrapped on a terminal either (the terminal folds it for display): for a line that
    holds a command to copy, which a line break would cut in two."""
    out.print(text, markup=False, highlight=False, soft_wrap=soft_wrap)


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on stdout (dates and other values as text)."""
    typer.echo(json.dumps(data, indent=2, default=str))


def tonnes(x: float) -> str:
    return f"{x:,.2f}"


# --- tables ------------------------------------------------------------------------------------

TABLE_FORMATS = ("table", "csv", "json")


def check_format(format: str, allowed: Sequence[str] = TABLE_FORMATS) -> str:
    """The --format value, or a usage error listing the allowed ones."""
    if format not in allowed:
        raise typer.BadParameter(
            f"expected {', '.join(allowed[:-1])} or {allowed[-1]}, not {format!r}",
            param_hint="--format",
        )
    return format


def text_column(table: Table, header: str, **kw: Any) -> None:
    """A text column: wraps (folding long words) when the table must fit a terminal."""
    table.add_column(header, overflow="fold", **kw)


def figure_column(table: Table, header: str, justify: Any = "right") -> None:
    """A figure column: never wrapped, never cut."""
    table.add_column(header, justify=justify, no_wrap=True, overflow="fold")


# On a terminal, a text column may be narrowed to this many characters (its words folded);
# a table that does not fit even so is printed as one block per row.
TEXT_MIN = 10


def _least_width(console: Console, table: Table) -> int:
    """The narrowest the table can be with every figure whole and every text column at least
    TEXT_MIN wide (or as wide as its longest word, if less)."""
    options = console.options.update_width(UNWRAPPED)
    total = table._extra_width  # borders
    for i, column in enumerate(table.columns):
        m = table._measure_column(console, options, column)
        pad = table._get_padding_width(i)
        total += m.maximum if column.no_wrap else min(m.minimum, TEXT_MIN + pad)
    return int(total)


def print_table(table: Table) -> None:
    """Print a table. In a file or pipe, whole (nothing wraps); on a terminal, its text columns
    wrap to fit, and a table that does not fit even so is printed as one block per row
    ("column: value" lines). A figure is never cut."""
    console = out
    if not _isatty(console.file) or _least_width(console, table) <= console.width:
        console.print(table)
        return
    _print_records(table)


def _print_records(table: Table) -> None:
    """The table as one block per row: its first cell, then `header: value` for the others."""
    if table.title:
        say(str(table.title))
    headers = [str(c.header) for c in table.columns]
    cells = [[str(x) for x in c.cells] for c in table.columns]
    width = max((len(h) for h in headers[1:]), default=0)
    for row in zip(*cells, strict=True):
        say(row[0] or "-")
        for header, value in zip(headers[1:], row[1:], strict=True):
            lines = value.splitlines() or [""]
            say(f"  {header + ':':{width + 1}} {lines[0]}".rstrip())
            for more in lines[1:]:
                say(f"  {'':{width + 1}} {more}")
    if table.caption:
        say(str(table.caption))


def print_csv(rows: Sequence[Mapping[str, Any]], fieldnames: Sequence[str]) -> None:
    """CSV on stdout: a header, then one line per row; raw values (numbers unformatted), text
    that a spreadsheet would take for a formula neutralised (pipeline/exports.py)."""
    buf = io.StringIO()
    w = CsvWriter(buf, lineterminator="\n")
    w.writerow(fieldnames)
    w.writerows([_plain(r.get(k)) for k in fieldnames] for r in rows)
    typer.echo(buf.getvalue(), nl=False)


def print_records(records: Sequence[Mapping[str, Any]], fields: Sequence[str], format: str) -> bool:
    """Print flat records as JSON or CSV when `format` asks for one; False means 'table'."""
    if format == "json":
        print_json(list(records))
        return True
    if format == "csv":
        print_csv(records, fields)
        return True
    return False


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return value


# --- refusals ----------------------------------------------------------------------------------

# The reporting years zerotrail accepts: the importers' (model/limits.py, docs/formats.md).
MIN_YEAR, MAX_YEAR = FIRST_YEAR, LAST_YEAR


def check_year(year: int | None, option: str = "--year") -> None:
    """Refuse a year outside the supported range with one line."""
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        raise ZerotrailError(f"{option} {year}: expected a year from {MIN_YEAR} to {MAX_YEAR}")


def key_text(value: str, what: str = "key") -> str:
    """A key given inline or as a file holding it (read at most 1 MiB)."""
    p = Path(value)
    try:
        is_file = p.is_file()
    except (OSError, ValueError):  # too long for a file name, or a NUL: an inline key
        is_file = False
    return read_limited(p, f"{what} file").strip() if is_file else value.strip()


_EXPECTED = {
    "csv": "a UTF-8 CSV file",
    "xlsx": "an XLSX workbook",
    "parquet": "a Parquet file",
    "toml": "a UTF-8 TOML file",
}


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    return {".xlsx": "xlsx", ".parquet": "parquet", ".pq": "parquet", ".toml": "toml"}.get(
        suffix, "csv"
    )


def _line_of(path: Path, offset: int) -> int | None:
    """The 1-based line of a byte offset (the spreadsheet row of a CSV without quoted breaks)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(offset).count(b"\n") + 1
    except OSError:
        return None


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else text
    for prefix in ("Invalid Input Error: ", "IO Error: ", "Conversion Error: "):
        line = line.removeprefix(prefix)
    return line


def check_input_file(path: Path, kind: str | None = None) -> None:
    """Refuse, in one line, an input that does not exist, is a directory, or is an XLSX or
    Parquet file that cannot be opened at all (its container: the importer checks the
    contents). `kind` (csv, xlsx, parquet, toml) is what the command reads; by default the
    file's suffix says."""
    kind = kind or _kind(path)
    if path.is_dir():
        raise ZerotrailError(f"{path} is a directory; expected {_EXPECTED[kind]}")
    if not path.exists():
        # Not a problem of the file's rows: one line, not a rejection with a problem list.
        raise ZerotrailError(f"{path}: no such file; expected {_EXPECTED[kind]}")
    if not path.is_file():  # a device or a pipe (/dev/zero): it could be read forever
        raise ZerotrailError(f"{path} is not a regular file; expected {_EXPECTED[kind]}")
    if kind == "toml" and path.stat().st_size > MAX_SMALL_FILE:
        raise ZerotrailError(
            f"{path} is larger than {_size(MAX_SMALL_FILE)}, the most zerotrail reads of a"
            " roadmap file"
        )
    try:
        if kind == "xlsx":
            import zipfile

            # The container only (cheap for any size): the importer reads the sheet.
            if not zipfile.is_zipfile(path):
                raise ZerotrailError(f"{path} is not an XLSX workbook (not a ZIP container)")
            with zipfile.ZipFile(path) as z:
                if "xl/workbook.xml" not in z.namelist():
                    raise ZerotrailError(f"{path} is not an XLSX workbook (no xl/workbook.xml)")
        elif kind == "parquet":
            import pyarrow.parquet as pq

            pq.ParquetFile(path).close()
    except ZerotrailError:
        raise
    except Exception as exc:  # any failure to open the container: the file is damaged
        raise ZerotrailError(
            f"{path} is not a readable {'XLSX workbook' if kind == 'xlsx' else 'Parquet file'}"
            f" ({type(exc).__name__}: {_first_line(str(exc)) or 'damaged'})"
        ) from None


def read_failure(path: Path, exc: BaseException, kind: str | None = None) -> ZerotrailError | None:
    """The one-line error for a failure while reading `path` (of `kind`, by default as its
    suffix says), or None if it is not one."""
    kind = kind or _kind(path)
    expected = _EXPECTED[kind]
    if isinstance(exc, UnicodeDecodeError):
        line = _line_of(path, exc.start) if isinstance(exc.object, bytes) else None
        where = f", row {line}" if line is not None and kind == "csv" else ""
        byte = exc.object[exc.start : exc.start + 1]
        what = f"byte 0x{byte[0]:02x}" if isinstance(byte, bytes) and byte else "a byte"
        return ZerotrailError(
            f"{path}{where}: {what} is not UTF-8; expected {expected} (save it as UTF-8)"
        )
    if isinstance(exc, IsADirectoryError):
        return ZerotrailError(f"{path} is a directory; expected {expected}")
    if isinstance(exc, OSError):
        name = exc.filename if exc.filename is not None else path
        return ZerotrailError(f"cannot read {name}: {exc.strerror or exc}")
    if isinstance(exc, csv.Error):
        text = str(exc)
        if "field larger than field limit" in text:
            return ZerotrailError(
                f"{path}: a field is longer than {csv.field_size_limit():,} characters;"
                f" expected {expected} with shorter fields"
            )
        return ZerotrailError(f"{path}: not a readable CSV file ({text})")
    try:
        import duckdb

        if isinstance(exc, duckdb.Error):
            text = str(exc)
            if path.name not in text and "CSV" not in text and "Parquet" not in text:
                return None  # a database error, not this file's
            if "unicode" in text.lower() or "utf-8" in text.lower():
                return ZerotrailError(f"{path}: not UTF-8 text; expected {expected}")
            return ZerotrailError(f"{path}: cannot read it as {expected}: {_first_line(text)}")
    except ImportError:  # pragma: no cover
        pass
    if kind == "xlsx" and _raised_in(exc, ("openpyxl", "zipfile", "zlib", "xml")):
        return ZerotrailError(
            f"{path} is not a readable XLSX workbook ({type(exc).__name__}:"
            f" {_first_line(str(exc)) or 'damaged'})"
        )
    try:
        import pyarrow as pa

        if isinstance(exc, pa.ArrowException):
            return ZerotrailError(f"{path}: cannot read it as {expected}: {_first_line(str(exc))}")
    except ImportError:  # pragma: no cover
        pass
    return None


def _raised_in(exc: BaseException, packages: Sequence[str]) -> bool:
    """Whether the innermost frame of the exception's traceback is in one of `packages`."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return False
    parts = Path(frames[-1].filename).parts
    return any(p in parts or f"{p}.py" in parts for p in packages)


@contextmanager
def reading(path: Path, kind: str | None = None) -> Iterator[None]:
    """The boundary of a command that reads a user's file: refusals in one line naming it.
    `kind` as for `check_input_file`."""
    check_input_file(path, kind)
    try:
        yield
    except ZerotrailError:
        raise
    except Exception as exc:
        failure = read_failure(path, exc, kind)
        if failure is None:
            raise
        raise failure from exc


# --- commands printed for the user -------------------------------------------------------------


def program() -> str:
    """zerotrail as the user can run it again, as shell words: `zerotrail` when that name on
    PATH is the running script; else the running script's path (a virtual environment's
    script runs without the environment activated); else this interpreter with `-m
    zerotrail` (the program was started that way). Commands printed for the user start with
    it, so each runs as printed."""
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name != "__main__.py" and script.is_file():
        found = shutil.which("zerotrail")
        if found is not None and Path(found).resolve() == script.resolve():
            return "zerotrail"
        return shlex.quote(str(script.absolute()))
    return f"{shlex.quote(sys.executable)} -m zerotrail"


def command(*args: object) -> str:
    """A zerotrail command line to print: `program()` and the arguments, quoted for a POSIX
    shell (a path with a space stays one argument)."""
    return " ".join([program(), *(shlex.quote(str(a)) for a in args)])


def debug() -> bool:
    return os.environ.get("ZEROTRAIL_DEBUG") == "1"


# The options that say where Spark runs, for every command that can run on it
# (`calculate --engine spark`, `import activities --external --engine spark`).
SparkMasterOpt = Annotated[
    str, typer.Option(help="--engine spark: Spark's master, local[N] or spark://host:port.")
]
SparkDriverMemoryOpt = Annotated[
    str, typer.Option(help="--engine spark: the Spark driver's memory, e.g. 1g or 4g.")
]
