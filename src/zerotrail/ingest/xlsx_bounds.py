"""Bounds on what reading an XLSX workbook may decompress, counted while it is read.

Where it sits: ingest, under `ingest/files.py`, which reads XLSX files with openpyxl. An XLSX
file is a zip archive of XML parts, and a part of a few hundred kilobytes on disk can hold
gigabytes (the same row or character repeated compresses to almost nothing). The sizes an
archive declares for its parts are written by whoever made the file, so they are not trusted:
every part openpyxl opens is read through `_BoundedPart`, which counts the bytes actually
decompressed and refuses, with one line naming the file, once a part passes its bound:

- the worksheet (streamed row by row, so its size bounds time, not memory): MAX_SHEET_BYTES;
- the shared strings (kept in memory whole by openpyxl): MAX_STRINGS_BYTES;
- any other part openpyxl reads whole (workbook, styles, theme, relationships, properties):
  MAX_PART_BYTES;
- one row of the worksheet, and one shared string (what the XML parser holds in memory at
  once): MAX_ITEM_BYTES, so that a single enormous cell is refused before it is built;
- and, where a caller asks (`sheet_at_most`: a server upload), the worksheet tighter still.

A row's end (`</row>`) and a shared string's (`</si>`) are found by a byte search of each
decompressed chunk, at memory speed. These bounds apply to every XLSX read, the command line
included; they cannot be lifted (a workbook past them is better as CSV or Parquet).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import IO, Any

from zerotrail.errors import DataError, Problem

# An XLSX worksheet, uncompressed: about a million rows of 20 short cells.
MAX_SHEET_BYTES = 1 << 30
# The shared strings, uncompressed: openpyxl keeps them all in memory as Python strings
# (measured: about 3 bytes of memory per byte of XML for short strings).
MAX_STRINGS_BYTES = 128 << 20
# Any other part openpyxl reads (a large workbook's styles are a few MB).
MAX_PART_BYTES = 16 << 20
# One row of the worksheet or one shared string: a cell holds at most 65,536 characters
# (files.MAX_FIELD_CHARS; Excel's own limit is 32,767), at most 10 bytes of XML each.
MAX_ITEM_BYTES = 16 << 20

_CHUNK = 1 << 20

# A tighter bound on the worksheet in the current context, and what to say past it (None: only
# MAX_SHEET_BYTES). Set by `sheet_at_most` around a read that must stay quick (a server
# upload: pipeline/submissions.py); a context variable, so each request's thread has its own.
_SHEET_LIMIT: ContextVar[tuple[int, str] | None] = ContextVar("sheet_limit", default=None)


@contextmanager
def sheet_at_most(limit: int, why: str) -> Iterator[None]:
    """Within the block, an XLSX worksheet of more than `limit` bytes uncompressed is refused
    once that many are read, with `why` after the size. Reading a worksheet takes about a
    second per million bytes (openpyxl), whatever the number of rows."""
    token = _SHEET_LIMIT.set((limit, why))
    try:
        yield
    finally:
        _SHEET_LIMIT.reset(token)


def _mib(n: int) -> str:
    if n < 1 << 20 or n % (1 << 20):
        return f"{n:,} bytes"
    return f"{n >> 20:,} MiB" if n < 1 << 30 else f"{n >> 30:,} GiB"


class _BoundedPart:
    """A part of the archive, read as zipfile reads it, refused past its bounds."""

    def __init__(self, path: Path, name: str, raw: IO[bytes], sheet: bool) -> None:
        self._path = path
        self._raw = raw
        self._name = name
        strings = name.rsplit("/", 1)[-1].lower() == "sharedstrings.xml"
        self._limit = MAX_SHEET_BYTES if sheet else MAX_STRINGS_BYTES if strings else MAX_PART_BYTES
        self._what = "worksheet" if sheet else "shared strings" if strings else f"part {name}"
        self._why = "an XLSX file may hold at most that (save a larger one as CSV or Parquet)"
        tighter = _SHEET_LIMIT.get()
        if sheet and tighter is not None and tighter[0] < self._limit:
            self._limit, self._why = tighter
        # The end of one item (a row, a shared string) and how far the current one has run.
        self._end = b"</row>" if sheet else b"</si>" if strings else None
        self._tail = b""
        self._run = 0
        self._rows = 0  # rows ended so far (worksheet), to say where a long one starts
        self.count = 0

    def _refuse(self, message: str) -> None:
        # Closed here: whoever reads the part may not close it on an error (the archive's own
        # file stays open while any of its parts is).
        self._raw.close()
        raise DataError([Problem(str(self._path), None, None, message)])

    def _seen(self, chunk: bytes) -> None:
        self.count += len(chunk)
        if self.count > self._limit:
            self._refuse(f"the {self._what} is over {_mib(self._limit)} uncompressed; {self._why}")
        if self._end is None:
            return
        # Searched with the end of the chunk before, so an end split between chunks is found.
        window = self._tail + chunk
        at = window.rfind(self._end)
        if at >= 0:
            if self._end == b"</row>":
                self._rows += window.count(self._end) - self._tail.count(self._end)
            self._run = len(window) - at - len(self._end)
        else:
            self._run += len(chunk)
        self._tail = window[-(len(self._end) - 1) :]
        if self._run > MAX_ITEM_BYTES:
            where = (
                f"row element {self._rows + 1:,} of the worksheet"
                if self._end == b"</row>"
                else "a shared string"
            )
            self._refuse(
                f"{where} is over {_mib(MAX_ITEM_BYTES)} of XML; a cell may hold at most 65,536"
                " characters"
            )

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            parts = []
            while chunk := self._raw.read(_CHUNK):
                self._seen(chunk)
                parts.append(chunk)
            return b"".join(parts)
        chunk = self._raw.read(min(n, _CHUNK))
        self._seen(chunk)
        return chunk

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> _BoundedPart:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BoundedArchive(zipfile.ZipFile):
    """The archive of an XLSX file whose parts are opened for reading through `_BoundedPart`
    (`ZipFile.read` opens them too). Parts under xl/worksheets/ are bounded as worksheets,
    which openpyxl streams; every other part as one it reads whole (a worksheet stored
    elsewhere, which no spreadsheet program writes, is bounded so too)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "r")
        self._path = path

    def open(self, name: Any, mode: Any = "r", pwd: bytes | None = None, **kw: Any) -> Any:
        raw = super().open(name, mode, pwd, **kw)
        if mode != "r":
            return raw
        part = name.filename if isinstance(name, zipfile.ZipInfo) else str(name)
        sheet = part.startswith("xl/worksheets/") and part.endswith(".xml")
        return _BoundedPart(self._path, part, raw, sheet)
