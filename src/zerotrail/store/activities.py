"""The `activities` table: an import's comparison with the stored records, its write, its ledger
leaves, and reading one stored version back.

Where it sits: store, called by the activity import (ingest/activities.py) once the staged file
(`zt_typed`, store/activity_checks.py) has passed every check, and by the ledger stages that
prove a record. Records are never updated in place but for `current` and `superseded_by`: a
changed record is a new version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zerotrail.ledger.canonical import canonical_sql
from zerotrail.store.database import Workspace
from zerotrail.store.sql import sql_text
from zerotrail.store.tlog import Appender

DQ_COLUMNS = ("dq_technology", "dq_time", "dq_geography", "dq_completeness", "dq_reliability")
# The stored fields, in table order after (record_id, version, current).
ACTIVITY_FIELDS = (
    "entity",
    "site",
    "period_start",
    "period_end",
    "activity",
    "quantity",
    "unit",
    "region",
    "scope3_category",
    "supplier",
    "factor_id",
    "ch4_origin",
    "evidence",
    "note",
    *DQ_COLUMNS,
)

LEDGER_CHUNK = 1 << 17  # rows per ledger batch: bounds the canonical text held at once
# How each committed field is rendered in the canonical bytes (see docs/ledger.md).
LEDGER_TYPES: dict[str, str] = {
    "record_id": "text",
    "version": "int",
    "entity": "text",
    "site": "text",
    "period_start": "date",
    "period_end": "date",
    "activity": "text",
    "quantity": "decimal",
    "unit": "text",
    "region": "text",
    "scope3_category": "int",
    "supplier": "text",
    "factor_id": "text",
    "ch4_origin": "text",
    "evidence": "text",
    "note": "text",
    **dict.fromkeys(DQ_COLUMNS, "int"),
}
# Fields added after records were first committed: part of a record's canonical text only when
# given, so the text (and the leaf) of every record without them is what it always was. Stored
# after `superseded_by` (migration 13 added the column).
OPTIONAL_FIELDS = ("heat_basis",)
OPTIONAL_LEDGER_TYPES: dict[str, str] = {"heat_basis": "text"}
# Every stored field of a record, optional ones last.
STORED_FIELDS = (*ACTIVITY_FIELDS, *OPTIONAL_FIELDS)


def activity_canonical_sql(
    alias: str, types: Mapping[str, str] = LEDGER_TYPES, dialect: str = "duckdb"
) -> str:
    """SQL giving a stored activity's canonical text (ingest/activities.py `canonical_activity`):
    the fields of `types` always, `heat_basis` only when it is not NULL.

    `canonical_sql` writes every field it is given, null or not; the one optional field is
    therefore two whole expressions chosen per row (the database evaluates each branch for its
    own rows only).
    """
    base = canonical_sql("activity", types, alias=alias, dialect=dialect)
    with_basis = canonical_sql(
        "activity", {**types, **OPTIONAL_LEDGER_TYPES}, alias=alias, dialect=dialect
    )
    prefix = f"{alias}." if alias else ""
    return f"(CASE WHEN {prefix}heat_basis IS NULL THEN {base} ELSE {with_basis} END)"


def compare_with_stored(con: Any) -> tuple[int, int, int]:
    """Match the checked file (`zt_typed`) with the current stored records by record id, kept as
    `zt_existing`; (rows in the file, records whose content changed, records unchanged)."""
    differs = " OR ".join(f"a.{c} IS DISTINCT FROM t.{c}" for c in STORED_FIELDS)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE zt_existing AS
        SELECT t._row, t.record_id, a.version, ({differs}) AS changed
        FROM zt_typed t JOIN activities a ON a.record_id = t.record_id AND a.current""")
    n_rows, n_changed, n_unchanged = con.execute(
        "SELECT (SELECT count(*) FROM zt_typed), count(*) FILTER (WHERE changed),"
        " count(*) FILTER (WHERE NOT changed) FROM zt_existing"
    ).fetchall()[0]
    return int(n_rows), int(n_changed), int(n_unchanged)


def changed_records(con: Any, limit: int) -> list[tuple[int, str]]:
    """(row, record id) of the first `limit` file rows whose stored record differs."""
    rows = con.execute(
        "SELECT _row, record_id FROM zt_existing WHERE changed ORDER BY _row LIMIT ?", [limit]
    ).fetchall()
    return [(int(r), str(rid)) for r, rid in rows]


def write_activities(ws: Workspace, import_id: str, *, supersede: bool) -> None:
    """Inside the caller's transaction: mark the changed records' current versions superseded
    by `import_id` (when `supersede`: some records changed), and insert every new or changed
    record as its next version."""
    con = ws.con
    if supersede:
        con.execute(
            """UPDATE activities SET current = false, superseded_by = ?
               WHERE current AND record_id IN (SELECT record_id FROM zt_existing WHERE changed)""",
            [import_id],
        )
    # Columns named: a workspace made before migration 13 has heat_basis last, as a new one
    # does, but the order should not be something this insert relies on.
    columns = ("record_id", "version", "current", *STORED_FIELDS, "import_id", "superseded_by")
    con.execute(
        f"""INSERT INTO activities ({", ".join(columns)})
            SELECT t.record_id, coalesce(x.version, 0) + 1, true,
                   {", ".join(f"t.{c}" for c in STORED_FIELDS)}, ?, NULL
            FROM zt_typed t LEFT JOIN zt_existing x ON x.record_id = t.record_id
            WHERE x.record_id IS NULL OR x.changed""",
        [import_id],
    )


def commit_activities(ws: Workspace, import_id: str) -> None:
    """Commit the rows import `import_id` just wrote to the Merkle log, in the order written,
    chunk by chunk (bounded memory at any size).

    Chunks are ranges of the new rows' row ids: contiguous for one insert, and a filter the
    database answers without scanning the rest. The database builds the canonical text
    (`activity_canonical_sql`, tested equal to ingest/activities.py `canonical_activity`); the
    Appender hashes it.
    """
    if ws.dialect == "postgres":
        _commit_activities_postgres(ws, import_id)
        return
    con = ws.con
    lo, hi = con.execute(
        "SELECT min(rowid), max(rowid) FROM activities WHERE import_id = ?", [import_id]
    ).fetchall()[0]
    if lo is None:
        return
    # The Appender takes the query as text: the import id (ours, never a user's) as a literal.
    mine = f"import_id = {sql_text(import_id)}"
    canonical = activity_canonical_sql("q", dialect=ws.dialect)
    with Appender.spooled(ws) as app:
        for start in range(int(lo), int(hi) + 1, LEDGER_CHUNK):
            query = f"""SELECT record_id AS ref, record_id, version, {", ".join(STORED_FIELDS)}
                    FROM activities WHERE {mine}
                    AND rowid >= {start} AND rowid < {start + LEDGER_CHUNK}"""
            app.append_query("activity", query, canonical, LEDGER_CHUNK)


def _commit_activities_postgres(ws: Workspace, import_id: str) -> None:
    """`commit_activities` on PostgreSQL, which has no row ids (and whose row positions,
    `ctid`, move when a row is updated): the import's records are committed in the file's row
    order, as on DuckDB (docs/ledger.md: file order within an import, so the same file gives
    the same leaves on either engine). The checked records (`zt_typed`, a temporary table of
    this connection until the import's transaction ends) give each record its file row; a
    chunk of file rows at a time, the unchanged ones among them skipped."""
    canonical = activity_canonical_sql("q", dialect=ws.dialect)
    app = Appender(ws)
    last = -1
    while True:
        rows = ws.fetchall(
            f"""SELECT c._row, q.record_id, q.version,
                       CASE WHEN q.record_id IS NOT NULL THEN {canonical} END
                FROM (SELECT _row, record_id FROM zt_typed WHERE _row > ?
                      ORDER BY _row LIMIT {LEDGER_CHUNK}) c
                LEFT JOIN activities q ON q.record_id = c.record_id AND q.import_id = ?
                ORDER BY c._row""",
            [last, import_id],
        )
        if not rows:
            return
        new = [(str(r), int(v), str(c)) for _, r, v, c in rows if r is not None]
        app.append("activity", [(r, v) for r, v, _ in new], [c.encode() for *_, c in new])
        last = int(rows[-1][0])


def stored_activity(ws: Workspace, record_id: str, version: int) -> dict[str, Any] | None:
    """One stored version of an activity record (record_id, version and its fields, the
    optional ones included), or None."""
    names = ("record_id", "version", *STORED_FIELDS)
    rows = ws.fetchall(
        f"SELECT {', '.join(names)} FROM activities WHERE record_id = ? AND version = ?",
        [record_id, int(version)],
    )
    return dict(zip(names, rows[0], strict=True)) if rows else None


def activity_entity(ws: Workspace, record_id: str) -> str | None:
    """The entity of the latest stored version of activity `record_id`, or None (no such
    record, or, on a restricted PostgreSQL connection, not one of the entities it sees)."""
    rows = ws.fetchall(
        "SELECT entity FROM activities WHERE record_id = ? ORDER BY version DESC LIMIT 1",
        [record_id],
    )
    return str(rows[0][0]) if rows else None
