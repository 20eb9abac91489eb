"""What every import reports and records: counts, and a row in the `imports` table; and the
three ways a small file's rows are stored (`upsert`, `add_versions`, `replace_list`).

Where it sits: ingest. Each way partitions the checked rows into new, changed and unchanged (and
gone, for a list replaced as a whole) here, as values; `store/imports.py` writes the result in
one transaction, so a file is stored whole or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from zerotrail.ingest.files import sha256_file
from zerotrail.store.committed import commit_new
from zerotrail.store.imports import delete_keyed, insert_rows, record_import
from zerotrail.store.workspace import Workspace

_R = TypeVar("_R")


@dataclass(frozen=True, slots=True)
class ImportReport:
    kind: str
    file: str
    rows: int
    added: int
    replaced: int
    unchanged: int
    import_id: str | None  # None when nothing changed
    removed: int = 0  # stored rows a whole-list import (entities, sites, suppliers) dropped


def new_import_id() -> str:
    return "imp-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")


def note_import(
    ws: Workspace, import_id: str, kind: str, path: Path, added: int, replaced: int
) -> None:
    """Note the import (file name and SHA-256) inside the caller's transaction."""
    record_import(ws, import_id, kind, path.name, sha256_file(path), added, replaced)


def _partition(
    rows: Sequence[_R],
    split: Callable[[_R], tuple[tuple[Any, ...], tuple[Any, ...]]],
    stored: Mapping[tuple[Any, ...], tuple[Any, ...]],
) -> tuple[list[_R], list[_R], int]:
    """The rows whose key is new, the rows whose content differs from the stored one, and the
    count of the rest (unchanged); `split` gives a row's (key, content)."""
    new: list[_R] = []
    changed: list[_R] = []
    for r in rows:
        key, content = split(r)
        if key not in stored:
            new.append(r)
        elif stored[key] != content:
            changed.append(r)
    return new, changed, len(rows) - len(new) - len(changed)


def upsert(
    ws: Workspace,
    kind: str,
    path: Path,
    name: str,
    table: str,
    key: tuple[str, ...],
    rows: Sequence[tuple[Any, ...]],
    stored: Mapping[tuple[Any, ...], tuple[Any, ...]],
) -> ImportReport:
    """Add new keyed rows and replace changed ones, in one transaction; report the counts.

    `rows` start with the `key` columns; `stored` maps a stored row's key to its other columns.
    Unchanged rows are left alone, and a file with nothing new records no import at all.
    """
    k = len(key)
    new, changed, unchanged = _partition(rows, lambda r: (tuple(r[:k]), tuple(r[k:])), stored)
    if not new and not changed:
        return ImportReport(kind, name, len(rows), 0, 0, unchanged, None)
    import_id = new_import_id()
    with ws.transaction():
        delete_keyed(ws, table, key, [r[:k] for r in changed])
        insert_rows(ws, table, [(*r, import_id) for r in new + changed])
        note_import(ws, import_id, kind, path, len(new), len(changed))
    return ImportReport(kind, name, len(rows), len(new), len(changed), unchanged, import_id)


def add_versions(
    ws: Workspace,
    kind: str,
    path: Path,
    name: str,
    table: str,
    rows: Sequence[tuple[tuple[Any, ...], tuple[Any, ...]]],
    latest: Mapping[tuple[Any, ...], tuple[int, tuple[Any, ...]]],
    commit_kind: str,
) -> ImportReport:
    """Store each new or changed (key, content) row as the key's next version, commit the new
    versions to the ledger (as `commit_kind`) and record the import, in one transaction.

    `latest` maps a key to its latest stored (version, content); nothing is ever deleted. The
    table's columns are the key's, the version, the content's, then the import id.
    """
    content = {k: c for k, (_, c) in latest.items()}
    new, changed, unchanged = _partition(rows, lambda r: r, content)
    if not new and not changed:
        return ImportReport(kind, name, len(rows), 0, 0, unchanged, None)
    import_id = new_import_id()
    values = [(*k, latest[k][0] + 1 if k in latest else 1, *c, import_id) for k, c in new + changed]
    with ws.transaction():
        insert_rows(ws, table, values)
        commit_new(ws, commit_kind)
        note_import(ws, import_id, kind, path, len(new), len(changed))
    return ImportReport(kind, name, len(rows), len(new), len(changed), unchanged, import_id)


def replace_list(
    ws: Workspace,
    kind: str,
    path: Path,
    name: str,
    table: str,
    key: tuple[str, ...],
    rows: Sequence[tuple[Any, ...]],
    stored: Mapping[tuple[Any, ...], tuple[Any, ...]],
    after: Callable[[], object] | None = None,
) -> ImportReport:
    """Make `table` hold exactly `rows` (a list replaced as a whole: entities, sites, suppliers),
    touching only what differs: new rows are added, changed ones replaced, rows missing from the
    file removed, identical ones left alone (and counted as unchanged). A file equal to the stored
    list records no import. `after` runs inside the transaction (e.g. the history snapshot).
    """
    k = len(key)
    keys = {tuple(r[:k]) for r in rows}
    new, changed, unchanged = _partition(rows, lambda r: (tuple(r[:k]), tuple(r[k:])), stored)
    gone = [s for s in stored if s not in keys]
    if not new and not changed and not gone:
        return ImportReport(kind, name, len(rows), 0, 0, unchanged, None)
    import_id = new_import_id()
    with ws.transaction():
        delete_keyed(ws, table, key, [*gone, *(tuple(r[:k]) for r in changed)])
        insert_rows(ws, table, [(*r, import_id) for r in new + changed])
        note_import(ws, import_id, kind, path, len(new), len(changed))
        if after is not None:
            after()
    return ImportReport(
        kind, name, len(rows), len(new), len(changed), unchanged, import_id, len(gone)
    )
