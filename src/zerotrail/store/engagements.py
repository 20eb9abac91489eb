"""Third-party verification in the workspace: engagements, their drawn samples, evidence files,
findings and signed statements.

Where it sits: store, below pipeline/verification.py. Engagements and findings change by new
versions, evidence and statements are written once; the ledger commits every row (kinds
`engagement`, `finding`, `evidence`, `statement` in store/committed.py), in the transaction that
writes it. Every statement here binds its values: nothing is built from user text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from zerotrail.store.database import Workspace

_ENGAGEMENT_COLUMNS = (
    "engagement_id, version, year, verifier, level, criteria, materiality, scope_materiality,"
    " scopes, run_id, checkpoint_size, checkpoint_sha256, rules, seed, sample_sha256,"
    " population_sha256, status, actor, happened_at"
)
_FINDING_COLUMNS = (
    "finding_id, version, engagement_id, finding_kind, finding_type, nature, scope, stratum,"
    " amount_t, records, clause, text, status, outcome, note, actor, happened_at"
)
_EVIDENCE_COLUMNS = (
    "evidence_id, record_id, record_version, file_name, file_sha256, file_size,"
    " committed_sha256, matches, attached_by, attached_at"
)


@dataclass(frozen=True, slots=True)
class EngagementRow:
    engagement_id: str
    version: int
    year: int
    verifier: str
    level: str
    criteria: str
    materiality: str
    scope_materiality: str  # "1=5%;3=10000t", "" when every scope takes the overall rule
    scopes: str  # "1,2,3"
    run_id: str
    checkpoint_size: int
    checkpoint_sha256: str
    rules: str  # the opinion's thresholds: conclusion.rules_text
    seed: str | None
    sample_sha256: str | None
    population_sha256: str | None  # of the population file the draw was made from
    status: str
    actor: str
    happened_at: datetime


@dataclass(frozen=True, slots=True)
class FindingRow:
    finding_id: str
    version: int
    engagement_id: str
    finding_kind: str  # misstatement | nonconformity
    finding_type: str  # CAR | CL | FAR | observation
    nature: str | None  # factual | judgmental | projected (misstatements)
    scope: int | None
    stratum: str | None
    amount_t: float | None  # signed: positive when the inventory overstates
    records: str  # record ids, comma-separated
    clause: str | None
    text: str
    status: str  # raised | responded | closed | reopened
    outcome: str | None  # corrected | accepted-uncorrected (closed findings)
    note: str | None  # the response or the reason of the change
    actor: str
    happened_at: datetime


@dataclass(frozen=True, slots=True)
class SampleRow:
    record_id: str
    record_version: int
    stratum: str
    key_item: bool
    t_co2e: float
    draw_order: int


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    evidence_id: str
    record_id: str
    record_version: int
    file_name: str
    file_sha256: str
    file_size: int
    committed_sha256: str | None
    matches: bool
    attached_by: str
    attached_at: datetime


def _insert(ws: Workspace, table: str, columns: str, values: Sequence[Any]) -> None:
    marks = ", ".join("?" for _ in values)
    ws.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values))


def insert_engagement(ws: Workspace, row: EngagementRow) -> None:
    """Store one engagement version; call inside the stage's transaction."""
    _insert(ws, "engagement_versions", _ENGAGEMENT_COLUMNS, _values(row))


def _values(row: Any) -> list[Any]:
    return [getattr(row, name) for name in row.__slots__]


def engagement(ws: Workspace, engagement_id: str) -> EngagementRow | None:
    """The engagement's latest version."""
    rows = ws.fetchall(
        f"SELECT {_ENGAGEMENT_COLUMNS} FROM engagement_versions WHERE engagement_id = ?"
        " ORDER BY version DESC LIMIT 1",
        [engagement_id],
    )
    return EngagementRow(*rows[0]) if rows else None


def engagements(ws: Workspace, year: int | None = None) -> list[EngagementRow]:
    """Every engagement's latest version (of `year` when given), oldest first."""
    rows = ws.fetchall(
        f"SELECT {_ENGAGEMENT_COLUMNS} FROM engagement_versions e"
        " WHERE version = (SELECT max(version) FROM engagement_versions x"
        "                  WHERE x.engagement_id = e.engagement_id)"
        " AND (CAST(? AS INTEGER) IS NULL OR year = ?) ORDER BY happened_at, engagement_id",
        [year, year],
    )
    return [EngagementRow(*r) for r in rows]


def engagement_count(ws: Workspace, year: int) -> int:
    return int(
        ws.scalar(
            "SELECT count(DISTINCT engagement_id) FROM engagement_versions WHERE year = ?", [year]
        )
    )


def insert_samples(ws: Workspace, engagement_id: str, rows: Sequence[SampleRow]) -> None:
    for i, r in enumerate(rows):
        ws.execute(
            "INSERT INTO engagement_samples (engagement_id, record_id, record_version, stratum,"
            " key_item, t_co2e, draw_order) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [engagement_id, r.record_id, r.record_version, r.stratum, r.key_item, r.t_co2e, i],
        )


def samples(ws: Workspace, engagement_id: str) -> list[SampleRow]:
    rows = ws.fetchall(
        "SELECT record_id, record_version, stratum, key_item, t_co2e, draw_order"
        " FROM engagement_samples WHERE engagement_id = ? ORDER BY draw_order",
        [engagement_id],
    )
    return [
        SampleRow(str(a), int(b), str(c), bool(d), float(e), int(f)) for a, b, c, d, e, f in rows
    ]


def population(ws: Workspace, run_id: str) -> list[tuple[Any, ...]]:
    """The run's records as the verifier samples them: record id, version, scope, category,
    activity, method, data quality score, flags, t CO2e (location-based) and whether the record
    came through an approved submission (four eyes)."""
    return ws.fetchall(
        "SELECT r.record_id, r.version, r.scope, r.category, r.activity, r.method, r.dq_score,"
        " coalesce(r.flags, ''), r.co2e_t,"
        " EXISTS (SELECT 1 FROM activities a JOIN submissions s ON s.import_id = a.import_id"
        "         WHERE a.record_id = r.record_id AND a.version = r.version"
        "         AND s.status = 'approved')"
        " FROM results r WHERE r.run_id = ? ORDER BY r.record_id, r.version",
        [run_id],
    )


def insert_finding(ws: Workspace, row: FindingRow) -> None:
    _insert(ws, "finding_versions", _FINDING_COLUMNS, _values(row))


def finding(ws: Workspace, finding_id: str) -> FindingRow | None:
    rows = ws.fetchall(
        f"SELECT {_FINDING_COLUMNS} FROM finding_versions WHERE finding_id = ?"
        " ORDER BY version DESC LIMIT 1",
        [finding_id],
    )
    return FindingRow(*rows[0]) if rows else None


def findings(ws: Workspace, engagement_id: str) -> list[FindingRow]:
    """The engagement's findings, each at its latest version, in the order they were raised."""
    rows = ws.fetchall(
        f"SELECT {_FINDING_COLUMNS} FROM finding_versions f WHERE engagement_id = ?"
        " AND version = (SELECT max(version) FROM finding_versions x"
        "                WHERE x.finding_id = f.finding_id)"
        # Raised order is the ledger's: the clock's seconds cannot tell F2 from F10.
        " ORDER BY (SELECT min(l.idx) FROM ledger_leaves l"
        "           WHERE l.kind = 'finding' AND l.ref = f.finding_id), finding_id",
        [engagement_id],
    )
    return [FindingRow(*r) for r in rows]


def finding_count(ws: Workspace, engagement_id: str) -> int:
    return int(
        ws.scalar(
            "SELECT count(DISTINCT finding_id) FROM finding_versions WHERE engagement_id = ?",
            [engagement_id],
        )
    )


def insert_evidence(ws: Workspace, row: EvidenceRow, content: bytes) -> None:
    _insert(ws, "evidence_files", _EVIDENCE_COLUMNS + ", content", [*_values(row), content])


def evidence_for(ws: Workspace, record_ids: Sequence[str]) -> list[EvidenceRow]:
    """The evidence attached to any of `record_ids`, oldest first."""
    if not record_ids:
        return []
    marks = ", ".join("?" for _ in record_ids)
    rows = ws.fetchall(
        f"SELECT {_EVIDENCE_COLUMNS} FROM evidence_files WHERE record_id IN ({marks})"
        " ORDER BY attached_at, evidence_id",
        list(record_ids),
    )
    return [EvidenceRow(*r) for r in rows]


def evidence_content(ws: Workspace, evidence_id: str) -> bytes | None:
    value = ws.scalar("SELECT content FROM evidence_files WHERE evidence_id = ?", [evidence_id])
    return None if value is None else bytes(value)


def evidence_count(ws: Workspace) -> int:
    return int(ws.scalar("SELECT count(*) FROM evidence_files"))


def insert_statement(
    ws: Workspace,
    engagement_id: str,
    sha256: str,
    opinion: str,
    verifier_key: str,
    file_text: str,
    at: datetime,
) -> None:
    ws.execute(
        "INSERT INTO verification_statements (engagement_id, statement_sha256, opinion,"
        " verifier_key, file_text, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
        [engagement_id, sha256, opinion, verifier_key, file_text, at],
    )


def statement_text(ws: Workspace, engagement_id: str) -> str | None:
    value = ws.scalar(
        "SELECT file_text FROM verification_statements WHERE engagement_id = ?", [engagement_id]
    )
    return None if value is None else str(value)


def year_statement(ws: Workspace, year: int) -> tuple[str, str] | None:
    """The latest statement recorded on an engagement of `year` and its verifier's public key,
    if any."""
    rows = ws.fetchall(
        "SELECT s.file_text, s.verifier_key FROM verification_statements s"
        " WHERE s.engagement_id IN (SELECT engagement_id FROM engagement_versions WHERE year = ?)"
        " ORDER BY s.recorded_at DESC LIMIT 1",
        [year],
    )
    return (str(rows[0][0]), str(rows[0][1])) if rows else None
