"""Text that leaves zerotrail for other programs: spreadsheet cells, and text to render.

Where it sits: reports, under every writer of CSV or XLSX (`inventory --format csv`, the ledger
sample's `index.csv`, `disclosures.xlsx`) and under the report's renderers (charts, HTML, PDF).
Names in the workspace (entities, sites, targets, records) come from users' files, so anything
written here may hold what a spreadsheet or a renderer would take for something else.

Spreadsheet cells (CSV injection, OWASP). A text cell that begins with `=`, `+`, `-`, `@`, a tab
or a carriage return is read by Excel, LibreOffice and Google Sheets as a formula, which can
fetch URLs or run commands. `formula_like` is the one rule, and every writer applies it:
- CSV (`csv_cell`, `CsvWriter`): such text gets a leading apostrophe, OWASP's rule; spreadsheets
  show the text, not a formula's result.
- XLSX (`xlsx_cell`): text is always stored as text, never as a formula (openpyxl would store
  "=..." as one), and such text also gets the quotePrefix style, Excel's own form of the leading
  apostrophe: the cell shows and holds the text exactly, and stays text when edited.
Only text is neutralised: numbers (int, float) are written as numbers, so -12.5 stays -12.5.

Printable text (`printable`). The chart renderer aborts the whole process on a control
character (vl-convert panics on U+0001, a native abort no Python code can catch), and XML (SVG,
XLSX) cannot hold most of them. Text handed to the renderers has every control character, lone
surrogate and noncharacter replaced by U+FFFD, except the whitespace the caller keeps; a reader
sees that something unprintable was there. report.json keeps the exact text.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

# What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

REPLACEMENT = "\ufffd"

_NONCHARACTERS = "".join(
    chr(plane * 0x10000 + low) for plane in range(17) for low in (0xFFFE, 0xFFFF)
)
# C0 and C1 controls and DEL, lone surrogates, noncharacters.
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef" + re.escape(_NONCHARACTERS) + "]"
)


def formula_like(value: object) -> bool:
    """Whether a spreadsheet would read `value` as a formula: text starting with one of
    FORMULA_STARTS. Numbers never are (a negative number is a number, not a formula)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


# --- CSV ---------------------------------------------------------------------------------------


def csv_cell(value: Any) -> Any:
    """The value to write in a CSV cell: formula-like text with a leading apostrophe."""
    return "'" + value if formula_like(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


class CsvWriter:
    """`csv.writer` whose every cell goes through `csv_cell`: use it for every CSV export.

    A row with a line break in its text is written with its text quoted: the csv module
    quotes only the characters of its line terminator, so with "\n" a carriage return in a
    name would otherwise end the row for every reader.
    """

    def __init__(self, fh: TextIO, **fmt: Any) -> None:
        self._writer = csv.writer(fh, **fmt)
        self._quoted = csv.writer(fh, **{**fmt, "quoting": csv.QUOTE_NONNUMERIC})

    def writerow(self, row: Iterable[Any]) -> None:
        cells = csv_row(row)
        breaks = any(isinstance(c, str) and ("\r" in c or "\n" in c) for c in cells)
        (self._quoted if breaks else self._writer).writerow(cells)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def write_dicts(fh: TextIO, rows: Sequence[Mapping[str, Any]], **fmt: Any) -> None:
    """A header (the first row's keys) and the rows, as CSV through `CsvWriter`; nothing when
    there are no rows."""
    if not rows:
        return
    writer = CsvWriter(fh, **fmt)
    columns = list(rows[0])
    writer.writerow(columns)
    writer.writerows([row.get(c) for c in columns] for row in rows)


# --- XLSX --------------------------------------------------------------------------------------


def xlsx_cell(sheet: Any, row: int, column: int, value: Any) -> Any:
    """Put `value` in an openpyxl worksheet's cell and return the cell.

    Numbers and other non-text values as they are; text as text, never a formula, made
    printable for XML (tabs and line breaks kept), with quotePrefix when it is formula-like.
    """
    if not isinstance(value, str):
        return sheet.cell(row=row, column=column, value=value)
    text = printable(value, keep="\t\n\r")
    cell = sheet.cell(row=row, column=column)
    cell.value = text  # openpyxl takes text starting with "=" for a formula ...
    cell.data_type = "s"  # ... so say it is text
    if formula_like(text):
        cell.quotePrefix = True
    return cell


# --- text to render ----------------------------------------------------------------------------


def printable(text: str, keep: str = "\n") -> str:
    """`text` with control characters (but those in `keep`), lone surrogates and
    noncharacters replaced by U+FFFD."""
    if not _UNPRINTABLE.search(text):
        return text
    return _UNPRINTABLE.sub(lambda m: m.group(0) if m.group(0) in keep else REPLACEMENT, text)


def printable_tree(value: Any, keep: str = "\n") -> Any:
    """A copy of JSON-like `value` (dicts, lists, tuples) with every string, keys included,
    made `printable`; other values as they are."""
    if isinstance(value, str):
        return printable(value, keep)
    if isinstance(value, Mapping):
        return {
            printable(k, keep) if isinstance(k, str) else k: printable_tree(v, keep)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [printable_tree(v, keep) for v in value]
    if isinstance(value, tuple):
        return tuple(printable_tree(v, keep) for v in value)
    return value
