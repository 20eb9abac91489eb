"""Published reports: reading the previous publication, recording a new one.

Where it sits: store, under the publish stage (pipeline/publish.py). A publication is its
figures (the canonical JSON report.json holds but its ledger section) with their SHA-256,
committed to the ledger as kind `report`, and the checkpoint the report was built on. Only
`record_publication` and `record_report_checkpoint` write, inside the stage's transaction.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from zerotrail.store.committed import commit_new
from zerotrail.store.database import Workspace


def previous_report(ws: Workspace) -> tuple[str, dict[str, Any], int | None, str | None] | None:
    """The latest publication: its id, figures, and the size and note of its checkpoint."""
    rows = ws.fetchall(
        "SELECT r.report_id, r.figures, c.size, c.note FROM reports r"
        " LEFT JOIN report_checkpoints c USING (report_id)"
        " ORDER BY r.created_at DESC, r.report_id DESC LIMIT 1"
    )
    if not rows:
        return None
    rid, figures, size, note = rows[0]
    return str(rid), json.loads(figures), None if size is None else int(size), note


def imports_since(ws: Workspace, when: Any) -> list[tuple[str, str]]:
    """(kind, file name) of every import after `when` (a timestamp, or its ISO text)."""
    # Bound as a timestamp, never as text: PostgreSQL does not compare a timestamp with text.
    since = datetime.fromisoformat(when) if isinstance(when, str) else when
    return [
        (str(k), str(f))
        for k, f in ws.fetchall(
            "SELECT kind, file_name FROM imports WHERE imported_at > ?", [since]
        )
    ]


def reports_of_year(ws: Workspace, year: int) -> int:
    """How many reports of `year` were published."""
    return int(ws.scalar("SELECT count(*) FROM reports WHERE year = ?", [year]))


def record_publication(
    ws: Workspace,
    report_id: str,
    year: int,
    figures: str,
    sha256: str,
    previous: str | None,
    at: datetime,
) -> None:
    """Store the publication and commit it to the ledger (inside the caller's transaction)."""
    ws.execute(
        "INSERT INTO reports VALUES (?, ?, ?, ?, ?, ?)",
        [report_id, year, figures, sha256, previous, at],
    )
    commit_new(ws, "report")


def record_report_checkpoint(ws: Workspace, report_id: str, size: int, note: str) -> None:
    """Store the checkpoint the report was built on (inside the caller's transaction)."""
    ws.execute("INSERT INTO report_checkpoints VALUES (?, ?, ?)", [report_id, size, note])
