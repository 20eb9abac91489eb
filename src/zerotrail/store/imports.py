"""Writing an import's rows and noting the import: the SQL behind `ingest/imports.py`.

Where it sits: store. The importers decide what is new, changed, unchanged or gone (values);
these functions write that decision inside the caller's transaction. Table and column names come
from the importers' own constants and still go through `quote_ident`; every value is bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from zerotrail.store.database import Workspace
from zerotrail.store.sql import quote_ident


def record_import(
    ws: Workspace,
    import_id: str,
    kind: str,
    file_name: str,
    file_sha256: str,
    added: int,
    replaced: int,
) -> None:
    """Note the import (file name and SHA-256, counts) inside the caller's transaction."""
    ws.execute(
        "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            import_id,
            kind,
            file_name,
            file_sha256,
            added,
            replaced,
            datetime.now(UTC).replace(tzinfo=None),
        ],
    )


def delete_keyed(
    ws: Workspace, table: str, key: Sequence[str], keys: Sequence[Sequence[Any]]
) -> None:
    """Delete the rows of `table` whose `key` columns equal one of `keys`."""
    where = " AND ".join(f"{quote_ident(c)} = ?" for c in key)
    for values in keys:
        ws.execute(f"DELETE FROM {quote_ident(table)} WHERE {where}", list(values))


def insert_rows(ws: Workspace, table: str, rows: Sequence[Sequence[Any]]) -> None:
    """Insert whole rows (every column of `table`, in table order) into `table`."""
    if not rows:
        return
    marks = ", ".join("?" * len(rows[0]))
    ws.con.executemany(
        f"INSERT INTO {quote_ident(table)} VALUES ({marks})", [tuple(r) for r in rows]
    )
