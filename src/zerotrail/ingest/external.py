"""Registering a lake table: activity records checked where they are, committed, never copied.

Where it sits: ingest, beside the activity import (ingest/activities.py), for
`zerotrail import activities PATH --external`. PATH is a Parquet file, a folder (every *.parquet
under it) or a glob. Every file's header is checked as an imported Parquet file's is, and every
file must have the first one's columns (names, order and types); each file is fingerprinted
(size and SHA-256); then all the files are scanned as one staged file and go through the very
checks of an import (`check_staged`), each problem naming its file and row. A record id the
workspace already holds (stored, or in another lake table) is refused: a lake table adds new
records only. Only a dataset without a single problem is registered: its files' fingerprints
(store/external.py), its records' ledger leaves (built by the database, in the bytes an import
commits), its own leaf and its `imports` row, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from zerotrail.errors import DataError, Problem, ZerotrailError
from zerotrail.ingest.activities import check_staged
from zerotrail.ingest.checks import MAX_LISTED, Progress, no_progress, raise_if
from zerotrail.ingest.files import parquet_header, parquet_schema, reading
from zerotrail.ingest.formats import ACTIVITIES
from zerotrail.ingest.imports import ImportReport, new_import_id
from zerotrail.store.activity_checks import STAGE
from zerotrail.store.external import (
    ROW_BITS,
    ROW_MASK,
    LakeDataset,
    checked_records,
    commit_dataset,
    commit_lake_records,
    drop_staged,
    find_dataset,
    fingerprint,
    lake_duplicates,
    lake_registered,
    listed_files,
    manifest_sha256,
    register_dataset,
    stage_files,
)
from zerotrail.store.imports import record_import
from zerotrail.store.tlog import size
from zerotrail.store.workspace import Workspace

# The kind an `imports` row of a lake table carries.
IMPORT_KIND = "activities (lake table)"
_GLOB = ("*", "?", "[")


def _refuse(source: str, message: str) -> DataError:
    return DataError([Problem(source, None, None, message)])


def lake_source(path: str) -> tuple[str, str]:
    """(the source as stored: absolute, its kind: file, folder or glob) of a user's PATH."""
    if any(c in Path(path).name for c in _GLOB) or any(
        any(c in part for c in _GLOB) for part in Path(path).parts
    ):
        return str(Path(path).absolute()), "glob"
    p = Path(path).absolute()
    if p.is_dir():
        return str(p), "folder"
    if not p.exists():
        raise _refuse(path, "not found (expected a Parquet file, a folder of them, or a glob)")
    if p.suffix.lower() not in (".parquet", ".pq"):
        raise _refuse(path, "not a Parquet file (a lake table is .parquet files)")
    return str(p), "file"


def _columns(files: list[str]) -> tuple[str, ...]:
    """The columns every file has (checked as an import checks a Parquet header), which must
    be the first file's: same names in the same order, same types."""
    names, _ = parquet_header(Path(files[0]), ACTIVITIES)
    first, _ = parquet_schema(Path(files[0]))
    for f in files[1:]:
        these, _ = parquet_header(Path(f), ACTIVITIES)
        schema, _ = parquet_schema(Path(f))
        if these != names or [t.type for t in schema] != [t.type for t in first]:
            raise _refuse(
                f,
                f"its columns differ from those of {files[0]}: every file of a lake table has"
                " the same columns, in the same order, of the same types",
            )
    return tuple(names)


# Commits the checked records of a lake table's files to the ledger, in file order then row
# order, inside the registration's transaction; returns how many it committed. The default
# builds the leaves in the workspace's database; the pipeline passes Spark's (`--engine spark`).
LeafCommit = Callable[[Workspace, Sequence[str], Sequence[str]], int]


def register_lake_table(
    ws: Workspace,
    path: str,
    *,
    progress: Progress | None = None,
    commit: LeafCommit = commit_lake_records,
) -> ImportReport:
    """Check every record of the Parquet file, folder or glob `path` and register it as a lake
    table (nothing copied), its records' leaves committed by `commit`. Registering the same
    files from the same place again changes nothing."""
    if ws.url.startswith(("postgresql://", "postgres://")):
        raise ZerotrailError(
            "lake tables (--external) need a DuckDB workspace, or Spark for the calculation;"
            " on a PostgreSQL workspace import the files without --external"
        )
    step = progress or no_progress()
    # Before any file is listed or fingerprinted: a read takes a file untouched since as
    # registered (store/external.py `file_changes`).
    started = datetime.now(UTC).replace(tzinfo=None)
    source, kind = lake_source(path)
    files = listed_files(source, kind)
    if not files:
        raise _refuse(source, f"no Parquet file {'matches' if kind == 'glob' else 'in'} it")
    step("reading headers")
    columns = _columns(files)
    step("fingerprinting")
    # Before the scan: a file changed while it is read then fails its next check.
    prints = [fingerprint(f) for f in files]
    manifest = manifest_sha256(prints)
    done = find_dataset(ws, source, manifest)
    if done is not None:
        n = int(ws.scalar("SELECT records FROM lake_datasets WHERE dataset_id = ?", [done]))
        return ImportReport("activities", source, n, 0, 0, n, None)
    records = _check(ws, files, columns, step)
    import_id = new_import_id()
    step("committing to the ledger")
    with ws.transaction():
        dataset = LakeDataset(
            import_id, source, kind, columns, records, size(ws), tuple(prints), started
        )
        register_dataset(ws, dataset)
        committed = commit(ws, files, columns)
        if committed != records:  # the files changed during the scan
            raise _refuse(source, "the files changed while they were read; nothing was registered")
        commit_dataset(ws, import_id)
        record_import(ws, import_id, IMPORT_KIND, source, manifest, records, 0)
    lake_registered(ws, dataset)
    return ImportReport("activities", source, records, records, 0, 0, import_id)


def _check(ws: Workspace, files: list[str], columns: tuple[str, ...], step: Progress) -> int:
    """Every import check over every record of the files (staged as one), then record ids
    against the workspace's; DataError naming file, row and column. Returns the count."""
    con = ws.con
    step("reading")
    try:
        with reading(Path(files[0])):
            stage_files(con, STAGE, files, columns)
            found, total = check_staged(con, files[0], columns, step)
        raise_if(_where(files), [_problem(files, r, c, m) for r, c, m in found], total)
        step("comparing with the workspace")
        dups, n_dups = lake_duplicates(ws, MAX_LISTED)
        raise_if(
            _where(files),
            [
                _problem(
                    files,
                    r,
                    "record_id",
                    f"record {rid} already exists in the workspace (a lake table adds new"
                    " records only: give it another id, or change it where it is stored)",
                )
                for r, rid in dups
            ],
            n_dups,
        )
        n = checked_records(con)
    finally:
        drop_staged(con, STAGE)
    if n == 0:
        raise _refuse(_where(files), "no records: the files have a header but no data rows")
    return n


def _where(files: list[str]) -> str:
    return files[0] if len(files) == 1 else f"lake table of {len(files)} files"


def _problem(files: list[str], row: int, column: str, message: str) -> Problem:
    """A problem at a staged `_row`: the file it is in, and its row there."""
    return Problem(files[row >> ROW_BITS], row & ROW_MASK, column, message)
