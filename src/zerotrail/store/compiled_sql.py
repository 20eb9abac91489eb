"""Compiled calculation plans kept in the workspace, so a new process need not compile again.

Where it sits: store, read and written by the calculation stage (pipeline/calculation.py). A
plan is the SQL the engine compiled from its own expressions (engine/plan.py), stored as text
under the key of everything it depends on; it is derived data, never edited. The stored text's
SHA-256 is kept beside it: an entry whose text does not match is ignored (and replaced on the
next compile), like an entry under any other key. Only the current key's entry is kept for an
engine: entries of older shapes can never be used again.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from zerotrail.store.database import Workspace


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def read_compiled(ws: Workspace, key: str) -> str | None:
    """The plan text stored under `key`, or None when there is none or it was altered."""
    rows = ws.fetchall("SELECT plan, plan_sha256 FROM compiled_sql WHERE key = ?", [key])
    if not rows or _digest(str(rows[0][0])) != rows[0][1]:
        return None
    return str(rows[0][0])


def save_compiled(ws: Workspace, key: str, engine: str, schema_version: int, text: str) -> None:
    """Keep `text` as the `engine`'s plan under `key`, dropping the engine's older entries."""
    with ws.transaction():
        ws.execute("DELETE FROM compiled_sql WHERE engine = ? OR key = ?", [engine, key])
        ws.execute(
            "INSERT INTO compiled_sql (key, engine, schema_version, plan, plan_sha256,"
            " compiled_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                key,
                engine,
                schema_version,
                text,
                _digest(text),
                datetime.now(UTC).replace(tzinfo=None),
            ],
        )
