"""What every import reports and records: counts, and a row in the `imports` table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from zerotrail.ingest.files import sha256_file
from zerotrail.store.workspace import Workspace


@dataclass(frozen=True, slots=True)
class ImportReport:
    kind: str
    file: str
    rows: int
    added: int
    replaced: int
    unchanged: int
    import_id: str | None  # None when nothing changed


def new_import_id() -> str:
    return "imp-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")


def record_import(
    ws: Workspace, import_id: str, kind: str, path: Path, added: int, replaced: int
) -> None:
    """Note the import (file name and SHA-256) inside the caller's transaction."""
    ws.execute(
        "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            import_id,
            kind,
            path.name,
            sha256_file(path),
            added,
            replaced,
            datetime.now(UTC).replace(tzinfo=None),
        ],
    )
