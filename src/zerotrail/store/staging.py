"""Staging a large file in the database: the SQL behind `ingest/files.py` `stage_large`.

Where it sits: store, called by the ingest side while it reads an activity file. A Parquet file
becomes a view DuckDB scans lazily; a CSV file a temporary table DuckDB reads itself (keeping
its rejects); an XLSX file, read by Python, a temporary table filled in Arrow batches. Every
name reaching SQL is one of the format's own column names or a name the caller chose, quoted
with `quote_ident`; the file's path is bound as a parameter, or quoted as a literal
(`sql_text`) where DuckDB cannot take one (a view's definition, the rejects tables' names).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zerotrail.store.sql import quote_ident, sql_text


def stage_parquet(con: Any, raw: str, file_path: str, names: Sequence[str]) -> None:
    """View `raw` over the Parquet file `file_path` (a DuckDB path, globs escaped): `_row` (the
    spreadsheet row, header = 1) and the file's columns renamed by position to `names`."""
    aliases = ", ".join(quote_ident(n) for n in names)
    # A view cannot take parameters: the path goes in as a quoted literal.
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {quote_ident(raw)} AS"
        " SELECT * EXCLUDE (file_row_number), file_row_number + 2 AS _row"
        f" FROM read_parquet({sql_text(file_path)}, file_row_number = true)"
        f" AS t({aliases})"
    )


def stage_csv(
    con: Any,
    raw: str,
    file_path: str,
    names: Sequence[str],
    *,
    max_line_bytes: int,
    max_rejects: int,
    skip: int = 0,
) -> list[tuple[int, int | None, str, str, int, str]]:
    """Table `raw` read from the CSV file `file_path` (a DuckDB path), every column text and
    named `names`, the header on the line after the `skip` first, with `_row` (the header's
    row + 1, + 2, ... in file order: DuckDB skips empty lines without counting them, so the
    caller renumbers when there are some, `renumber_rows`). Returns what DuckDB rejected, in
    file order: (row as DuckDB counts it (empty lines counted), 1-based column or None, error
    type, message, byte offset of the line, the line's text), at most `max_rejects` of them
    (0: all)."""
    rejects, scans = f"{raw}_rejects", f"{raw}_scans"
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote_ident(raw)} AS"
            f" SELECT row_number() OVER () + {1 + int(skip)} AS _row, * FROM read_csv(?,"
            f" columns = ?, skip = {int(skip)}, header = true, auto_detect = false,"
            " delim = ',', quote = '\"', escape = '\"',"
            " strict_mode = true, null_padding = false, encoding = 'utf-8',"
            f" max_line_size = {int(max_line_bytes)}, store_rejects = true,"
            f" rejects_table = {sql_text(rejects)}, rejects_scan = {sql_text(scans)},"
            f" rejects_limit = {int(max_rejects)})",
            [file_path, dict.fromkeys(names, "VARCHAR")],
        )
        found = con.execute(
            "SELECT line, column_idx, error_type, error_message, line_byte_position, csv_line"
            f" FROM {quote_ident(rejects)} ORDER BY line, column_idx"
        ).fetchall()
    finally:
        for t in (rejects, scans):
            con.execute(f"DROP TABLE IF EXISTS {quote_ident(t)}")
    return [
        (
            int(line),
            None if idx is None else int(idx),
            str(etype),
            str(message),
            int(offset or 0),
            str(text or ""),
        )
        for line, idx, etype, message, offset, text in found
    ]


def renumber_rows(con: Any, raw: str, shifts: Any) -> None:
    """Add to each `_row` of the staged table `raw` the shift of the last row of `shifts` (an
    Arrow table of `first_row`, `shift`, ascending) at or before it: the rows DuckDB did not
    count (empty lines) counted back in. An update in place: the rows keep their order."""
    con.register("zt_row_shifts", shifts)
    try:
        q = quote_ident(raw)
        con.execute(
            f"UPDATE {q} SET _row = {q}._row + j.shift FROM (SELECT r._row AS old, s.shift"
            f" FROM {q} r ASOF JOIN zt_row_shifts s ON r._row >= s.first_row) j"
            f" WHERE {q}._row = j.old"
        )
    finally:
        con.unregister("zt_row_shifts")


def oversized_cells(
    con: Any, raw: str, columns: Sequence[tuple[str, bool]], max_chars: int, limit: int
) -> list[tuple[int, list[int | None]]]:
    """The first `limit` rows of the staged table `raw` with a field over `max_chars`
    characters in a named column, or any value in an unnamed one. `columns` are the staged
    columns as (name, named). Per row: (row, per column the field's length when it is too long,
    0 for a value in an unnamed column, else None)."""
    conds = []
    for col, named in columns:
        q = quote_ident(col)
        if named:
            conds.append((f"length({q}) > {int(max_chars)}", f"length({q})"))
        else:
            conds.append((f"trim({q}) <> ''", "0"))
    where = " OR ".join(c for c, _ in conds)
    found = con.execute(
        f"SELECT _row, [{', '.join(f'CASE WHEN {c} THEN {n} END' for c, n in conds)}]"
        f" FROM {quote_ident(raw)} WHERE {where} ORDER BY _row LIMIT {int(limit)}"
    ).fetchall()
    return [(int(row), [None if n is None else int(n) for n in lengths]) for row, lengths in found]


def staged_rows(con: Any, raw: str) -> int:
    """How many records the staged table `raw` holds."""
    return int(con.execute(f"SELECT count(*) FROM {quote_ident(raw)}").fetchall()[0][0])


def has_rows(con: Any, relation: str) -> bool:
    """Whether the staged table or view `relation` holds a record (reading no more than one)."""
    return bool(
        con.execute(f"SELECT EXISTS (SELECT 1 FROM {quote_ident(relation)})").fetchall()[0][0]
    )


def create_text_table(con: Any, table: str, names: Sequence[str]) -> None:
    """An empty temporary table `table`: `_row` and one text column per name."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {quote_ident(table)} (_row BIGINT, "
        + ", ".join(f"{quote_ident(n)} VARCHAR" for n in names)
        + ")"
    )


def append_batch(con: Any, table: str, batch: Any) -> None:
    """Append the Arrow table `batch` (the columns of `table`, in order) to `table`."""
    con.register("zt_staged_batch", batch)
    try:
        con.execute(f"INSERT INTO {quote_ident(table)} SELECT * FROM zt_staged_batch")
    finally:
        con.unregister("zt_staged_batch")


# A character that is not white space as Python's str.isspace() says, which is what the small
# files' readers strip: not RE2's \s, a vertical tab, U+001C-U+001F, NEL or in Unicode's Z
# categories. Text holds a value when it has one such character; other types when not NULL.
_NOT_SPACE = r"[^\s\v\x{1c}-\x{1f}\x{85}\pZ]"


def _holds_a_value(con: Any, relation: str, names: Sequence[str]) -> str:
    """SQL true for a row of `relation` with a value in any of the columns `names`."""
    types = {
        str(n): str(t).upper()
        for n, t, *_ in con.execute(f"DESCRIBE {quote_ident(relation)}").fetchall()
    }
    holds = [
        f"coalesce(regexp_matches({quote_ident(n)}, {sql_text(_NOT_SPACE)}), false)"
        if types.get(n, "VARCHAR") == "VARCHAR"
        else f"{quote_ident(n)} IS NOT NULL"
        for n in names
    ]
    return f"({' OR '.join(holds) or 'true'})"


def drop_blank_rows(con: Any, raw: str, names: Sequence[str]) -> None:
    """Delete the rows of the staged table `raw` with no value in any of the columns `names`:
    a blank row (a line of commas, of spaces) is skipped, as in every other file, never
    checked as a record. Once, here, rather than at every scan of the view."""
    con.execute(f"DELETE FROM {quote_ident(raw)} WHERE NOT {_holds_a_value(con, raw, names)}")


def expose_staged(
    con: Any, view: str, raw: str, names: Sequence[str], *, skip_blank: bool = False
) -> None:
    """View `view`: `_row` and the columns `names` of the staged `raw` (unnamed ones left out);
    with `skip_blank`, without the rows that hold no value in any of them (a Parquet file's
    row of nulls: the file is scanned where it is, so the view skips them at each scan)."""
    select = ", ".join(["_row", *(quote_ident(n) for n in names)])
    where = f" WHERE {_holds_a_value(con, raw, names)}" if skip_blank else ""
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {quote_ident(view)} AS"
        f" SELECT {select} FROM {quote_ident(raw)}{where}"
    )
