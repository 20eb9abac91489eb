"""The workspace's factor library as sets: which sets are loaded, and adding one.

Where it sits: store, written by the factor import (`ingest/factors.py`) and read by its checks;
the factor rows themselves are written by `store/factor_rows.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from zerotrail.store.database import Workspace


@dataclass(frozen=True, slots=True)
class FactorSetRecord:
    """One row of `factor_sets`: where a set comes from and the digest of its content."""

    factor_set: str
    name: str
    publisher: str | None
    edition: str | None
    source_url: str | None
    licence: str | None
    description: str | None
    kind: str  # shipped or custom
    content_sha256: str
    loaded_at: datetime


def stored_set(ws: Workspace, factor_set: str) -> tuple[str, str] | None:
    """(kind, content digest) of the stored set `factor_set`, or None when there is none."""
    found = ws.fetchall(
        "SELECT kind, content_sha256 FROM factor_sets WHERE factor_set = ?", [factor_set]
    )
    return (str(found[0][0]), str(found[0][1])) if found else None


def factor_ids_in_use(ws: Workspace, factor_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(factor id, its set) for each of `factor_ids` some stored set already uses."""
    if not factor_ids:
        return []
    rows = ws.fetchall(
        "SELECT DISTINCT factor_id, factor_set FROM factors WHERE factor_id IN"
        " (SELECT unnest(?)) ORDER BY factor_id, factor_set",
        [list(factor_ids)],
    )
    return [(str(i), str(s)) for i, s in rows]


def insert_factor_set(ws: Workspace, record: FactorSetRecord) -> None:
    """Add one set's row inside the caller's transaction (its factor rows go separately)."""
    ws.execute(
        "INSERT INTO factor_sets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            record.factor_set,
            record.name,
            record.publisher,
            record.edition,
            record.source_url,
            record.licence,
            record.description,
            record.kind,
            record.content_sha256,
            record.loaded_at,
        ],
    )
