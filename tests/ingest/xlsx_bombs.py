"""Hostile XLSX files made by hand (zipfile, deflate), small on disk and huge inside: many rows
of two cells, or one enormous cell (inline, or as a shared string). Written streaming, so
making them takes little memory; the bytes compress to almost nothing."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

_SHEET_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels"'
    ' ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_SHEET_MAIN}"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_WORKSHEET}"/>'
    "{strings}</Types>"
)
_STRINGS_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>{strings}</Relationships>'
)
_STRINGS_REL = (
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _write(path: Path, sheet: Iterator[str], strings: Iterator[str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _TYPES.format(strings=_STRINGS_TYPE if strings else ""))
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            _WORKBOOK_RELS.format(strings=_STRINGS_REL if strings else ""),
        )
        for name, parts in (("xl/worksheets/sheet1.xml", sheet), ("xl/sharedStrings.xml", strings)):
            if parts is None:
                continue
            with z.open(name, "w", force_zip64=True) as fh:
                buffer: list[str] = []
                size = 0
                for part in parts:
                    buffer.append(part)
                    size += len(part)
                    if size > 1 << 20:
                        fh.write("".join(buffer).encode())
                        buffer.clear()
                        size = 0
                fh.write("".join(buffer).encode())
    return path


def _header(names: tuple[str, ...]) -> str:
    cells = "".join(_cell(f"{chr(65 + j)}1", n) for j, n in enumerate(names))
    return f'<row r="1">{cells}</row>'


def many_rows(path: Path, rows: int, header: tuple[str, ...] = ("record_id", "quantity")) -> Path:
    """A header and `rows` rows of a number in each column. The rows carry no row or cell
    references (readers count them), so they are all alike and compress to nothing: 3,000,000
    rows of two cells are about 0.4 MB on disk."""
    row = "<row>" + "<c><v>1</v></c>" * len(header) + "</row>"

    def sheet() -> Iterator[str]:
        yield _SHEET_HEAD
        yield _header(header)
        for _ in range(rows // 10_000):
            yield row * 10_000
        yield row * (rows % 10_000)
        yield _SHEET_TAIL

    return _write(path, sheet())


def _huge(chars: int) -> Iterator[str]:
    block = "x" * (1 << 20)
    for _ in range(chars // len(block)):
        yield block
    yield "x" * (chars % len(block))


def huge_cell(
    path: Path,
    chars: int,
    shared: bool = False,
    header: tuple[str, ...] = ("record_id", "notes"),
) -> Path:
    """A header and one row whose last cell holds `chars` characters: written in the sheet (an
    inline string), or as the workbook's one shared string when `shared`."""
    last = chr(65 + len(header) - 1)

    def sheet() -> Iterator[str]:
        yield _SHEET_HEAD
        yield _header(header)
        yield '<row r="2">' + "".join(_cell(f"{chr(65 + j)}2", "x") for j in range(len(header) - 1))
        if shared:
            yield f'<c r="{last}2" t="s"><v>0</v></c></row>'
        else:
            yield f'<c r="{last}2" t="inlineStr"><is><t>'
            yield from _huge(chars)
            yield "</t></is></c></row>"
        yield _SHEET_TAIL

    def strings() -> Iterator[str]:
        yield (
            '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
        )
        yield from _huge(chars)
        yield "</t></si></sst>"

    return _write(path, sheet(), strings() if shared else None)


def wide_row(path: Path, column: str, header: tuple[str, ...] = ("record_id",)) -> Path:
    """A header and one row with a cell at `column` (a reference such as XFE)."""

    def sheet() -> Iterator[str]:
        yield _SHEET_HEAD
        yield _header(header)
        yield f'<row r="2"><c r="{column}2"><v>1</v></c></row>'
        yield _SHEET_TAIL

    return _write(path, sheet())
