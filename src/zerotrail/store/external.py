"""Lake tables: activity records that stay in Parquet files, read in place, never copied.

Where it sits: store, under the lake-table registration (ingest/external.py), the opening of a
workspace for a command (pipeline/setup.py calls `read_lake_tables`), the calculation
(pipeline/calculation.py reads through `with_lake_records`), the activity import (which writes
through `stored_activities` and refuses the ids `lake_held_records` finds) and the audit
(store/audit.py `lake_findings`). A registered dataset keeps here only what identifies its
files: the file, folder or glob it was registered from, its columns, when its registration
began, and each file's size and SHA-256 (`lake_files`); its records are committed to the ledger
like imported ones (same canonical bytes), and the dataset itself as one leaf of kind
`lake_dataset` (docs/lake-tables.md).

Reading: the `activities` table is shadowed by a temporary view of the same name and columns:
the stored rows and, for each dataset, its files read through the very typing an import applies
(store/activity_checks.py `create_typed_view`). Everything that reads `activities` by name (the
calculation's compiled plan, the `results` view, every store read) then sees lake records
exactly as stored ones. Two checks decide what the view shows: `lake_records` (a calculation, an
audit) hashes every file again and refuses a change; `read_lake_tables` (a workspace opened for
a command, for as long as it is open) trusts a file's size and times when they vouch for it and
hashes the others, and a change makes the view one that fails every read with the line naming
the file. Temporary views only: reading never writes, and a read-only workspace reads them too.

For other engines (the Spark calculation) the pure read API is `lake_datasets` (the registered
datasets with their files: path, size, SHA-256) and `lake_problems` (every file re-fingerprinted,
problems returned as one-line strings, nothing raised).

File paths and messages reach SQL only as quoted literals (`sql_text`, glob characters escaped);
every other name is ours.
"""

from __future__ import annotations

import glob
import hashlib
import re
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from zerotrail.errors import ZerotrailError
from zerotrail.ledger.canonical import canonical_sql, leaf_sql
from zerotrail.store.activities import STORED_FIELDS, activity_canonical_sql
from zerotrail.store.activity_checks import create_typed_view
from zerotrail.store.database import Workspace
from zerotrail.store.sql import quote_ident, sql_text
from zerotrail.store.staging import expose_staged
from zerotrail.store.tlog import Appender

LAKE_KIND = "lake_dataset"
SOURCE_KINDS = ("file", "folder", "glob")
# A lake record's `_row` while it is checked or committed: the file's index in the dataset
# above these bits, the spreadsheet row (a Parquet file's first record is row 2) below.
ROW_BITS = 40
ROW_MASK = (1 << ROW_BITS) - 1
LEDGER_CHUNK = 1 << 17  # records per ledger batch, as for an import (bounded memory)
_READ_BYTES = 1 << 20  # a file is hashed in chunks of this size
# How much older than its registration a file's modification and status-change times must be
# for a read to take it as registered unhashed: file systems that keep times to the second (or
# two, FAT) would otherwise hide a write made just after the registration began.
STAT_MARGIN_S = 2.0

# The committed fields of a dataset (its leaf), as `canonical_sql` takes them.
LAKE_FIELDS: dict[str, str] = {
    "dataset_id": "text",
    "source": "text",
    "source_kind": "text",
    "columns": "text",
    "records": "int",
    "files": "int",
    "first_leaf": "int",
    "manifest_sha256": "text",
    "registered_at": "timestamp",
}


@dataclass(frozen=True, slots=True)
class LakeFile:
    path: str  # absolute
    size: int  # bytes
    sha256: str  # hex


@dataclass(frozen=True, slots=True)
class LakeDataset:
    """A registered lake table: where its files are and what they held when registered."""

    dataset_id: str  # the registration's import id (its records carry it as `import_id`)
    source: str  # the file, folder or glob registered, absolute
    source_kind: str  # one of SOURCE_KINDS
    columns: tuple[str, ...]  # the activity format's columns, in the files' order
    records: int
    first_leaf: int  # the ledger index of its first record; the others follow in file order
    files: tuple[LakeFile, ...]  # sorted by path
    # When the registration began, before any file was fingerprinted (UTC, naive): a file
    # untouched since is as registered (`file_changes(quick=True)`).
    registered_at: datetime


# --- files -----------------------------------------------------------------------------------


def fingerprint(path: str | Path) -> LakeFile:
    """The file's size and SHA-256, read once in bounded chunks."""
    h = hashlib.sha256()
    size = 0
    with Path(path).open("rb") as fh:
        while chunk := fh.read(_READ_BYTES):
            h.update(chunk)
            size += len(chunk)
    return LakeFile(str(path), size, h.hexdigest())


def listed_files(source: str, source_kind: str) -> list[str]:
    """The files `source` names now, sorted: the file itself; every *.parquet under a folder
    (at any depth); every file a glob matches (`**` matches any depth)."""
    if source_kind == "file":
        return [source] if Path(source).is_file() else []
    if source_kind == "folder":
        return sorted(str(p) for p in Path(source).rglob("*.parquet") if p.is_file())
    if source_kind == "glob":
        return sorted(p for p in glob.glob(source, recursive=True) if Path(p).is_file())
    raise ValueError(f"unknown lake source kind {source_kind!r}")


def manifest_text(files: Sequence[LakeFile]) -> str:
    """The dataset's file list as committed: one line per file, sorted by path,
    `<sha256> <size> <path>`."""
    return "".join(f"{f.sha256} {f.size} {f.path}\n" for f in sorted(files, key=lambda f: f.path))


def manifest_sha256(files: Sequence[LakeFile]) -> str:
    return hashlib.sha256(manifest_text(files).encode()).hexdigest()


def file_changes(d: LakeDataset, *, quick: bool = False) -> list[str]:
    """Each file of `d` changed, removed or added since it was registered, one line each
    (empty: the files are as registered). Each file is read at most once; a size that differs
    already tells, unread.

    `quick` (for reads other than a calculation or an audit): a file of the registered size
    whose modification and status-change times are both older than the registration's start
    (by STAT_MARGIN_S) is taken as registered without being read. Writing a file sets both, and
    the status-change time cannot be set back (`touch -d` sets it to now), so only a clock
    behind this machine's (a file server's) can hide a change from it; every other file is
    hashed again, as a calculation hashes it."""
    where = f"lake table {d.dataset_id}"
    since = d.registered_at.replace(tzinfo=UTC).timestamp() - STAT_MARGIN_S
    out = []
    for f in d.files:
        p = Path(f.path)
        if not p.is_file():
            out.append(f"{where}: file {f.path} was removed since it was registered")
            continue
        try:
            st = p.stat()
            if quick and st.st_size == f.size and max(st.st_mtime, st.st_ctime) < since:
                continue
            now = fingerprint(p) if st.st_size == f.size else LakeFile(f.path, st.st_size, "")
        except OSError as exc:
            out.append(f"{where}: file {f.path} cannot be read ({exc.strerror or exc})")
            continue
        if now.size != f.size:
            out.append(
                f"{where}: file {f.path} changed since it was registered"
                f" ({f.size:,} bytes then, {now.size:,} now)"
            )
        elif now.sha256 != f.sha256:
            out.append(
                f"{where}: file {f.path} changed since it was registered (same size, its"
                " SHA-256 differs)"
            )
    known = {f.path for f in d.files}
    for path in listed_files(d.source, d.source_kind):
        if path not in known:
            out.append(
                f"{where}: file {path} was added to {d.source} since it was registered"
                " (register the new data as a lake table of its own)"
            )
    return out


# --- the registered datasets ------------------------------------------------------------------


def lake_datasets(ws: Workspace) -> list[LakeDataset]:
    """Every registered lake table with its files (path, size, SHA-256 when registered), in
    registration order. Reads only."""
    files: dict[str, list[LakeFile]] = {}
    for dataset_id, path, size, sha in ws.fetchall(
        "SELECT dataset_id, path, size, sha256 FROM lake_files ORDER BY dataset_id, path"
    ):
        files.setdefault(str(dataset_id), []).append(LakeFile(str(path), int(size), str(sha)))
    return [
        LakeDataset(
            str(i),
            str(src),
            str(kind),
            tuple(str(cols).split(",")),
            int(n),
            int(first),
            tuple(files.get(str(i), ())),
            at,
        )
        for i, src, kind, cols, n, first, at in ws.fetchall(
            "SELECT dataset_id, source, source_kind, columns, records, first_leaf, registered_at"
            " FROM lake_datasets ORDER BY dataset_id"
        )
    ]


def lake_problems(ws: Workspace) -> list[str]:
    """Every registered file re-fingerprinted: one line per file changed, added or removed
    (empty: every lake table is as registered). Reads only; raises nothing for a changed file."""
    return [p for d in lake_datasets(ws) for p in file_changes(d)]


def find_dataset(ws: Workspace, source: str, manifest: str) -> str | None:
    """The id of the lake table registered from `source` with these very files, or None."""
    found = ws.scalar(
        "SELECT dataset_id FROM lake_datasets WHERE source = ? AND manifest_sha256 = ?",
        [source, manifest],
    )
    return None if found is None else str(found)


def register_dataset(ws: Workspace, d: LakeDataset) -> None:
    """Store the dataset and its files' fingerprints, inside the caller's transaction."""
    ws.execute(
        "INSERT INTO lake_datasets (dataset_id, source, source_kind, columns, records, files,"
        " first_leaf, manifest_sha256, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            d.dataset_id,
            d.source,
            d.source_kind,
            ",".join(d.columns),
            d.records,
            len(d.files),
            d.first_leaf,
            manifest_sha256(d.files),
            d.registered_at,
        ],
    )
    for f in d.files:
        ws.execute(
            "INSERT INTO lake_files (dataset_id, path, size, sha256) VALUES (?, ?, ?, ?)",
            [d.dataset_id, f.path, f.size, f.sha256],
        )


def commit_dataset(ws: Workspace, dataset_id: str) -> None:
    """Commit the stored dataset row to the ledger (kind `lake_dataset`), its canonical bytes
    built by the database from the row, as for every other kind; in the caller's transaction."""
    text = ws.scalar(
        f"SELECT {canonical_sql(LAKE_KIND, LAKE_FIELDS, alias='d')} FROM lake_datasets d"
        " WHERE d.dataset_id = ?",
        [dataset_id],
    )
    Appender(ws).append(LAKE_KIND, [(dataset_id, 1)], [str(text).encode()])


# --- reading the files --------------------------------------------------------------------------


def _duckdb_path(path: str) -> str:
    """The path with DuckDB's glob characters escaped: it names this one file."""
    return re.sub(r"([*?\[])", r"[\1]", path)


def stage_files(
    con: Any,
    view: str,
    files: Sequence[str],
    columns: Sequence[str],
    *,
    first_index: int = 0,
    indexed: bool = True,
) -> None:
    """View `view` over the Parquet `files` (one schema): `_row` and the files' columns renamed
    by position to `columns`, blank rows left out. With `indexed`, `_row` carries each file's
    index in `files` (plus `first_index`) above `ROW_BITS` (a join on the file name); without,
    it is the spreadsheet row plus `first_index << ROW_BITS` (one file: `first_index` is its
    index)."""
    raw = f"{view}_raw"
    aliases = ", ".join(quote_ident(c) for c in columns)
    paths = "[" + ", ".join(sql_text(_duckdb_path(p)) for p in files) + "]"
    if indexed:
        index = f"{view}_files"
        con.execute(f"CREATE OR REPLACE TEMP TABLE {index} (path VARCHAR, idx BIGINT)")
        con.executemany(
            f"INSERT INTO {index} VALUES (?, ?)",
            [(p, first_index + i) for i, p in enumerate(files)],
        )
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {raw} AS SELECT t.* EXCLUDE (file_row_number,"
            f" filename), (f.idx << {ROW_BITS}) + t.file_row_number + 2 AS _row"
            f" FROM read_parquet({paths}, filename = true, file_row_number = true)"
            f" AS t({aliases}) JOIN {index} f ON f.path = t.filename"
        )
    else:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {raw} AS SELECT * EXCLUDE (file_row_number),"
            f" {first_index << ROW_BITS} + file_row_number + 2 AS _row"
            f" FROM read_parquet({paths}, file_row_number = true) AS t({aliases})"
        )
    # A row of nulls is no record, as in an imported Parquet file (store/staging.py).
    expose_staged(con, view, raw, columns, skip_blank=True)


def drop_staged(con: Any, view: str) -> None:
    """Drop what `stage_files` (and a typed view `<view>_typed` over it) made."""
    for name in (f"{view}_typed", view, f"{view}_raw"):
        con.execute(f"DROP VIEW IF EXISTS {name}")
    con.execute(f"DROP TABLE IF EXISTS {view}_files")


def parquet_rows(con: Any, path: str) -> int:
    """The file's row count, from its footer."""
    query = f"SELECT count(*) FROM read_parquet({sql_text(_duckdb_path(path))})"
    return int(con.execute(query).fetchall()[0][0])


# The record ids the lake tables hold, with their dataset: the refs of the `activity` leaves
# each committed (its records' leaves are contiguous from `first_leaf`). Read from the ledger,
# not the files: the ids committed are the ones held, whatever became of the files since.
_LAKE_IDS = """SELECT l.ref AS record_id, d.dataset_id FROM ledger_leaves l
    JOIN lake_datasets d ON l.idx >= d.first_leaf AND l.idx < d.first_leaf + d.records
    WHERE l.kind = 'activity'"""


def lake_duplicates(ws: Workspace, limit: int) -> tuple[list[tuple[int, str]], int]:
    """(row, record id) of the checked records (`zt_typed`) whose id the workspace already
    holds (stored, or in a lake table), the first `limit`, and how many there are."""
    con = ws.con
    con.execute(
        "CREATE OR REPLACE TEMP TABLE zt_lake_dups AS SELECT t._row, t.record_id FROM zt_typed t"
        f" WHERE t.record_id IN (SELECT record_id FROM {_stored_table(ws)})"
        f" OR t.record_id IN (SELECT record_id FROM ({_LAKE_IDS}))"
    )
    try:
        total = int(con.execute("SELECT count(*) FROM zt_lake_dups").fetchall()[0][0])
        rows = con.execute(
            "SELECT _row, record_id FROM zt_lake_dups ORDER BY _row LIMIT ?", [limit]
        ).fetchall()
    finally:
        con.execute("DROP TABLE IF EXISTS zt_lake_dups")
    return [(int(r), str(i)) for r, i in rows], total


def lake_held_records(ws: Workspace, limit: int) -> tuple[list[tuple[int, str, str]], int]:
    """(row, record id, lake table) of the checked records of an import (`zt_typed`) whose id
    a lake table holds, the first `limit` by row, and how many there are. A workspace without
    lake tables answers at once."""
    if not ws.scalar("SELECT count(*) FROM lake_datasets"):
        return [], 0
    found = f"""SELECT t._row, t.record_id, h.dataset_id FROM zt_typed t
        JOIN ({_LAKE_IDS}) h ON h.record_id = t.record_id"""
    total = int(ws.scalar(f"SELECT count(*) FROM ({found})"))
    rows = ws.fetchall(f"{found} ORDER BY t._row LIMIT {int(limit)}") if total else []
    return [(int(r), str(i), str(d)) for r, i, d in rows], total


def checked_records(con: Any) -> int:
    """How many records the checked dataset (`zt_typed`) holds."""
    return int(con.execute("SELECT count(*) FROM zt_typed").fetchall()[0][0])


def commit_lake_records(ws: Workspace, files: Sequence[str], columns: Sequence[str]) -> int:
    """Commit every record of the files to the ledger as an `activity` leaf (version 1), in
    file order then row order, chunk by chunk; in the caller's transaction. The canonical text
    is built by the database from the records typed as an import types them, with the SQL an
    import's records are committed with (`activity_canonical_sql`): the same content gives
    the same bytes. Returns how many were committed."""
    con = ws.con
    view = "zt_lake_commit"
    typed = f"{view}_typed"
    fields = ", ".join(STORED_FIELDS)
    canonical = activity_canonical_sql("q")
    n = 0
    try:
        with Appender.spooled(ws) as app:
            for i, path in enumerate(files):
                stage_files(con, view, [path], columns, first_index=i, indexed=False)
                create_typed_view(con, columns, stage=view, view=typed)
                base = (i << ROW_BITS) + 2
                for start in range(0, parquet_rows(con, path), LEDGER_CHUNK):
                    # A range of file_row_number: the Parquet reader skips the row groups
                    # outside it, so each file is read once over all its chunks.
                    query = f"""SELECT record_id AS ref, record_id, CAST(1 AS INTEGER) AS version,
                               {fields} FROM {typed}
                               WHERE _row >= {base + start} AND _row < {base + start + LEDGER_CHUNK}
                               ORDER BY _row"""
                    n += app.append_query("activity", query, canonical, LEDGER_CHUNK)
    finally:
        drop_staged(con, view)
    return n


def commit_computed_leaves(ws: Workspace, folder: Path, files: int) -> int:
    """Commit the lake records' leaves another engine computed (Spark, for `--engine spark`):
    the Parquet dataset in `folder`, one row per record (file_index, row_index, ref, salt,
    leaf_hash), committed in file order then row order, chunk by chunk (the rows of a chunk
    are found by their file and row, so the reader skips the rest), as `commit_lake_records`
    commits them; in the caller's transaction. Returns how many were committed."""
    con = ws.con
    source = f"read_parquet({sql_text(str(folder / '*.parquet'))})"
    bounds = {
        int(i): (int(lo), int(hi))
        for i, lo, hi in con.execute(
            f"SELECT file_index, min(row_index), max(row_index) FROM {source} GROUP BY ALL"
        ).fetchall()
    }
    n = 0
    with Appender.spooled(ws) as app:
        for i in range(files):
            if i not in bounds:
                continue
            lo, hi = bounds[i]
            for start in range(lo, hi + 1, LEDGER_CHUNK):
                # Integers of ours, so inlined: a relation's Arrow result is not copied again.
                table = con.sql(
                    f"""SELECT ref, CAST(1 AS INTEGER) AS version, salt, leaf_hash FROM {source}
                        WHERE file_index = {int(i)} AND row_index >= {int(start)}
                        AND row_index < {int(start + LEDGER_CHUNK)} ORDER BY row_index"""
                ).to_arrow_table()
                n += app.append_hashed("activity", table)
    return n


# --- reading lake records as activities ---------------------------------------------------------


class LakeChangedError(ZerotrailError):
    """A registered lake file changed, was added or was removed since its registration."""


# The end of every refusal to read a changed lake table: `lake_refusal` knows one by it.
_REFUSED = (
    ": lake tables are read only as registered (restore the files, or register the data again"
    " as a new lake table)"
)


def _refusal(problems: Sequence[str]) -> str:
    return "; ".join(problems) + _REFUSED


def lake_refusal(exc: BaseException) -> str | None:
    """The one-line refusal a read of `activities` raised through the database (a lake file
    changed; `read_lake_tables`), or None if `exc` is something else."""
    text = str(exc).strip().removeprefix("Invalid Input Error: ")
    return text if text.startswith("lake table ") and text.endswith(_REFUSED) else None


@dataclass
class _Session:
    """The lake tables a workspace reads for as long as it is open, and the last check's
    problems (non-empty: every read of `activities` is refused with them)."""

    datasets: list[LakeDataset]
    problems: list[str]


# Workspaces that read lake records for as long as they are open (`read_lake_tables`).
_SESSION: weakref.WeakKeyDictionary[Workspace, _Session] = weakref.WeakKeyDictionary()
# Open `lake_records` blocks per workspace: a nested block reuses the outer one's view.
_BLOCKS: weakref.WeakKeyDictionary[Workspace, int] = weakref.WeakKeyDictionary()
# The staged views behind the `activities` view now shown on a workspace (none: no view).
_SHOWN: weakref.WeakKeyDictionary[Workspace, list[str]] = weakref.WeakKeyDictionary()


def _stored_table(ws: Workspace) -> str:
    """The stored `activities` table by its full name: a view of that name shadows it."""
    return f"{quote_ident(str(ws.scalar('SELECT current_database()')))}.main.activities"


def _activity_columns(ws: Workspace) -> list[tuple[str, str]]:
    return [
        (str(n), str(t))
        for n, t in ws.fetchall(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name ="
            " current_database() AND schema_name = 'main' AND table_name = 'activities'"
            " ORDER BY column_index"
        )
    ]


def _lake_select(d: LakeDataset, typed: str, columns: Sequence[tuple[str, str]]) -> str:
    """A dataset's records with exactly the stored table's columns: version 1, current, the
    registration's import id, never superseded."""
    fixed = {
        "version": "1",
        "current": "true",
        "import_id": sql_text(d.dataset_id),
        "superseded_by": "NULL",
    }
    have = {"record_id", *STORED_FIELDS}
    exprs = []
    for name, sql_type in columns:
        value = fixed.get(name) or (quote_ident(name) if name in have else "NULL")
        exprs.append(f"CAST({value} AS {sql_type}) AS {quote_ident(name)}")
    return f"SELECT {', '.join(exprs)} FROM {typed}"


def _hide(ws: Workspace) -> None:
    """Drop the `activities` view and what it reads: the stored table shows again."""
    staged = _SHOWN.pop(ws, None)
    if staged is None:
        return
    ws.execute("DROP VIEW IF EXISTS temp.main.activities")
    for view in staged:
        drop_staged(ws.con, view)


def _show(ws: Workspace, datasets: Sequence[LakeDataset], problems: Sequence[str] = ()) -> None:
    """Shadow the stored `activities` table with a view of its columns: the stored records and
    `datasets`' records; with `problems`, a view whose every read fails with them (one line).
    No dataset and no problem: no view."""
    _hide(ws)
    if not datasets and not problems:
        return
    columns = _activity_columns(ws)
    staged: list[str] = []
    _SHOWN[ws] = staged
    if problems:
        # Every column and the row's filter raise: however a query filters or projects the
        # view, reading any row of it fails (a query that reads no row, `WHERE false`, does not).
        fail = f"error({sql_text(_refusal(problems))})"
        exprs = ", ".join(f"CAST({fail} AS {t}) AS {quote_ident(n)}" for n, t in columns)
        ws.execute(
            f"CREATE OR REPLACE TEMP VIEW activities AS SELECT {exprs} FROM range(1)"
            f" WHERE {fail} IS NULL"
        )
        return
    names = ", ".join(quote_ident(n) for n, _ in columns)
    parts = [f"SELECT {names} FROM {_stored_table(ws)}"]
    for i, d in enumerate(datasets):
        view = f"zt_lake_{i}"
        staged.append(view)
        stage_files(ws.con, view, [f.path for f in d.files], d.columns, indexed=False)
        create_typed_view(ws.con, d.columns, stage=view, view=f"{view}_typed")
        parts.append(_lake_select(d, f"{view}_typed", columns))
    ws.execute(f"CREATE OR REPLACE TEMP VIEW activities AS {' UNION ALL '.join(parts)}")


def _restore(ws: Workspace) -> None:
    """What `activities` shows outside a `lake_records` block: the session's view, or the
    stored table."""
    session = _SESSION.get(ws)
    if session is None:
        _hide(ws)
    else:
        _show(ws, session.datasets, session.problems)


def read_lake_tables(ws: Workspace) -> None:
    """From now until it is closed, `activities` on `ws` holds the lake tables' records beside
    the stored ones, for every read (store modules, the `results` view).

    The check is the cheap one (`file_changes(quick=True)`: sizes and times, a file hashed
    again only when those cannot vouch for it). A lake file changed, added or removed makes
    every later read of `activities` fail with one line naming it (`lake_refusal`); what does
    not read activity records works as ever. Nothing is written: temporary views only, so a
    read-only workspace reads lake tables too. PostgreSQL workspaces hold no lake table."""
    if ws.dialect != "duckdb":
        return
    datasets = lake_datasets(ws)
    problems = [p for d in datasets for p in file_changes(d, quick=True)]
    _SESSION[ws] = _Session(datasets, problems)
    _restore(ws)


def lake_registered(ws: Workspace, dataset: LakeDataset) -> None:
    """A workspace that reads lake tables reads the one just registered too (its files were
    fingerprinted by the registration)."""
    session = _SESSION.get(ws)
    if session is not None:
        session.datasets.append(dataset)
        _restore(ws)


@contextmanager
def stored_activities(ws: Workspace) -> Iterator[None]:
    """Within the block, `activities` is the stored table (the view shadowing it cannot be
    written): for the import that writes records."""
    if ws not in _SHOWN:
        yield
        return
    _hide(ws)
    try:
        yield
    finally:
        _restore(ws)


@dataclass(frozen=True, slots=True)
class LakeCheck:
    """What `lake_records` found: one line per file changed, added or removed, and the ledger
    leaf ranges (first, last) of the datasets it left out for that."""

    problems: tuple[str, ...] = ()
    unread: tuple[tuple[int, int], ...] = ()


@contextmanager
def lake_records(ws: Workspace, *, skip_changed: bool = False) -> Iterator[LakeCheck]:
    """Within the block, `activities` holds the lake tables' records beside the stored ones.

    Every registered file is re-fingerprinted first (one full read of each): a change is
    refused (`LakeChangedError`, naming each file on one line) unless `skip_changed`, which
    leaves the changed datasets out and says so in the `LakeCheck` it yields (the audit reports
    it). A workspace that reads lake tables for its whole life (`read_lake_tables`) keeps what
    this check found for its later reads. With no lake table this does nothing. A block inside
    another on the same workspace uses the outer one's view.
    """
    if _BLOCKS.get(ws):
        _BLOCKS[ws] += 1
        try:
            yield LakeCheck()
        finally:
            _BLOCKS[ws] -= 1
        return
    datasets = lake_datasets(ws)
    changes = {d.dataset_id: file_changes(d) for d in datasets}
    found = tuple(p for d in datasets for p in changes[d.dataset_id])
    session = _SESSION.get(ws)
    if session is not None:
        session.datasets, session.problems = datasets, list(found)
    if found and not skip_changed:
        _restore(ws)  # the session's later reads are refused too
        raise LakeChangedError(_refusal(found))
    unread = tuple(
        (d.first_leaf, d.first_leaf + d.records - 1) for d in datasets if changes[d.dataset_id]
    )
    _BLOCKS[ws] = 1
    try:
        _show(ws, [d for d in datasets if not changes[d.dataset_id]])
        yield LakeCheck(found, unread)
    finally:
        _BLOCKS.pop(ws, None)
        _restore(ws)


P = ParamSpec("P")
R = TypeVar("R")


def with_lake_records(
    func: Callable[Concatenate[Workspace, P], R],
) -> Callable[Concatenate[Workspace, P], R]:
    """Run `func(ws, ...)` inside `lake_records(ws)`: it reads lake records as stored ones, and
    refuses to run when a lake file changed."""

    @wraps(func)
    def wrapper(ws: Workspace, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with lake_records(ws):
            return func(ws, *args, **kwargs)

    return wrapper


# --- the audit ----------------------------------------------------------------------------------


def lake_findings(ws: Workspace, limit: int = 1000) -> list[str]:
    """What the audit finds in the lake tables' own rows (their files are checked by
    `lake_records`): each dataset's file list against the manifest it committed, each
    `lake_dataset` leaf recomputed from its stored row, a dataset stored without a leaf."""
    found: list[str] = []
    if not ws.scalar(
        "SELECT count(*) FROM ledger_leaves WHERE kind = ?", [LAKE_KIND]
    ) and not ws.scalar("SELECT count(*) FROM lake_datasets"):
        return found
    stored = {
        str(i): str(m)
        for i, m in ws.fetchall("SELECT dataset_id, manifest_sha256 FROM lake_datasets")
    }
    for d in lake_datasets(ws):
        if manifest_sha256(d.files) != stored[d.dataset_id]:
            found.append(
                f"lake table {d.dataset_id}: its stored file list (lake_files) is not the one"
                " it committed (a file's size or SHA-256 edited, or a file added or removed)"
            )
    canonical = canonical_sql(LAKE_KIND, LAKE_FIELDS, alias="d", dialect=ws.dialect)
    for idx, ref, present in ws.fetchall(
        f"""SELECT l.idx, l.ref, d.dataset_id IS NOT NULL FROM ledger_leaves l
            LEFT JOIN lake_datasets d ON d.dataset_id = l.ref
            WHERE l.kind = ? AND (d.dataset_id IS NULL
                  OR {leaf_sql("l.salt", canonical, ws.dialect)} <> l.leaf_hash)
            ORDER BY l.idx LIMIT {int(limit)}""",
        [LAKE_KIND],
    ):
        what = "changed since it was committed" if present else "deleted from the workspace"
        found.append(f"{LAKE_KIND} {ref} version 1 (leaf {idx}): {what}")
    for (ref,) in ws.fetchall(
        f"""SELECT d.dataset_id FROM lake_datasets d WHERE NOT EXISTS (SELECT 1 FROM
            ledger_leaves l WHERE l.kind = ? AND l.ref = d.dataset_id) ORDER BY 1
            LIMIT {int(limit)}""",
        [LAKE_KIND],
    ):
        found.append(f"{LAKE_KIND} {ref} version 1: stored without a ledger leaf (inserted)")
    return found


def outside_sql(column: str, ranges: Sequence[tuple[int, int]]) -> str:
    """SQL true where `column` (a leaf index) is outside every one of `ranges` (integers of
    ours): the audit leaves unreadable lake records' leaves to the finding naming their file."""
    return " AND ".join(f"{column} NOT BETWEEN {int(a)} AND {int(b)}" for a, b in ranges) or "true"
