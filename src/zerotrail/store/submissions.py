"""Imports submitted through the team server, as stored (tables `submissions` and
`submission_events`, schema migration 17).

Where it sits: store, under the submissions stage (pipeline/submissions.py), which checks every
rule; this module only reads and writes rows. A submission keeps the uploaded file's bytes until
it is decided; its status changes in place, and each transition is also a new row of
`submission_events` (never updated), which the stage commits to the ledger (kind `submission`,
store/committed.py). Every value is a bound parameter.

Two reads look at the records an import has just checked (`zt_typed`, left by the activity
import in the open transaction: store/activity_checks.py, store/file_engine.py): how many there
are and the years they fall in. A data owner's rows are screened before that, by
store/submission_screen.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from zerotrail.store.database import Workspace

_COLUMNS = (
    "submission_id, kind, uploader, file_name, file_format, file_sha256, file_size, file_rows,"
    " status, reason, decided_by, decided_at, import_id, submitted_at"
)


@dataclass(frozen=True, slots=True)
class StoredSubmission:
    """One row of `submissions`, without the file's bytes."""

    submission_id: str
    kind: str
    uploader: str
    file_name: str
    file_format: str
    file_sha256: str
    file_size: int
    file_rows: int
    status: str
    reason: str | None
    decided_by: str | None
    decided_at: datetime | None
    import_id: str | None
    submitted_at: datetime


def _row(r: Sequence[Any]) -> StoredSubmission:
    return StoredSubmission(
        str(r[0]),
        str(r[1]),
        str(r[2]),
        str(r[3]),
        str(r[4]),
        str(r[5]),
        int(r[6]),
        int(r[7]),
        str(r[8]),
        None if r[9] is None else str(r[9]),
        None if r[10] is None else str(r[10]),
        r[11],
        None if r[12] is None else str(r[12]),
        r[13],
    )


def insert_submission(ws: Workspace, s: StoredSubmission, content: bytes) -> None:
    """Store a new submission with its file; call inside the stage's transaction."""
    ws.execute(
        f"INSERT INTO submissions ({_COLUMNS}, content)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            s.submission_id,
            s.kind,
            s.uploader,
            s.file_name,
            s.file_format,
            s.file_sha256,
            s.file_size,
            s.file_rows,
            s.status,
            s.reason,
            s.decided_by,
            s.decided_at,
            s.import_id,
            s.submitted_at,
            content,
        ],
    )


def insert_event(
    ws: Workspace,
    submission_id: str,
    version: int,
    status: str,
    actor: str,
    file_sha256: str,
    reason: str | None,
    at: datetime,
) -> None:
    """Record one transition; call inside the stage's transaction."""
    ws.execute(
        "INSERT INTO submission_events"
        " (submission_id, version, status, actor, file_sha256, reason, happened_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [submission_id, version, status, actor, file_sha256, reason, at],
    )


def decide(
    ws: Workspace,
    submission_id: str,
    status: str,
    actor: str,
    reason: str | None,
    at: datetime,
    import_id: str | None,
) -> bool:
    """Move a submitted submission to `status`; False when it was not `submitted` any more
    (another request decided it first). Call inside the stage's transaction."""
    rows = ws.fetchall(
        "UPDATE submissions SET status = ?, reason = ?, decided_by = ?, decided_at = ?,"
        " import_id = ? WHERE submission_id = ? AND status = 'submitted' RETURNING submission_id",
        [status, reason, actor, at, import_id, submission_id],
    )
    return len(rows) == 1


def read_submission(ws: Workspace, submission_id: str) -> StoredSubmission | None:
    rows = ws.fetchall(
        f"SELECT {_COLUMNS} FROM submissions WHERE submission_id = ?", [submission_id]
    )
    return _row(rows[0]) if rows else None


def read_submissions(ws: Workspace, uploader: str | None = None) -> list[StoredSubmission]:
    """Every submission (or those `uploader` made), newest first."""
    rows = ws.fetchall(
        f"SELECT {_COLUMNS} FROM submissions WHERE ? IS NULL OR uploader = ?"
        " ORDER BY submitted_at DESC, submission_id DESC",
        [uploader, uploader],
    )
    return [_row(r) for r in rows]


def read_content(ws: Workspace, submission_id: str) -> bytes | None:
    """The bytes of the submitted file."""
    value = ws.scalar("SELECT content FROM submissions WHERE submission_id = ?", [submission_id])
    return None if value is None else bytes(value)


def checked_rows(ws: Workspace) -> int:
    """How many records were just checked (`zt_typed`)."""
    return int(ws.scalar("SELECT count(*) FROM zt_typed"))


def checked_years(ws: Workspace) -> list[int]:
    """The calendar years the records just checked (`zt_typed`) touch, from the first day of
    each record's period to its last."""
    spans = ws.fetchall(
        "SELECT DISTINCT CAST(EXTRACT(YEAR FROM period_start) AS INTEGER),"
        " CAST(EXTRACT(YEAR FROM period_end) AS INTEGER) FROM zt_typed"
        " WHERE period_start IS NOT NULL AND period_end IS NOT NULL"
    )
    return sorted({y for a, b in spans for y in range(int(a), int(b) + 1)})
