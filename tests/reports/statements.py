"""Verification statements for the report tests, without the verification workflow.

A statement is signed with VERIFIER (assurance/statement.py `sign_statement`) over a body about
a workspace's run and its latest checkpoint, with the log's checkpoint note, and recorded as
`verification conclude` records one (store/engagements.py: a concluded engagement of the year
and its statement, both committed to the ledger). The workflow itself needs a checkpoint a
witness cosigned, which the small roadmap world of the report tests has not; the report reads
only the recorded statement and its verifier's key.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from zerotrail.assurance.conclusion import Rules
from zerotrail.assurance.statement import FORMAT, STANDARD, sign_statement, statement_sha256
from zerotrail.ledger.note import Signer, generate_signer, parse_signer_key
from zerotrail.store import engagements
from zerotrail.store.checkpoints import latest
from zerotrail.store.committed import commit_new
from zerotrail.store.workspace import Workspace

VERIFIER_NAME = "assurance.example/report-tests"
_KEY, VERIFIER_VKEY = generate_signer(VERIFIER_NAME)
VERIFIER: Signer = parse_signer_key(_KEY)
PROVIDER = "Example Assurance LLP"
ENGAGEMENT = "E2023-1"
SCOPE = "Scope 1, Scope 2 (location- and market-based) and Scope 3 of the group, 2023"
# Its own words, so a test can tell whether the report repeats the opinion.
OPINION_TEXT = (
    "Based on the procedures performed, nothing has come to our attention that causes us to"
    " believe that the 2023 greenhouse gas statement is not fairly stated."
)


def body(ws: Workspace, run_id: str, **changes: Any) -> dict[str, Any]:
    """A v1 statement body on `run_id` and the workspace's latest checkpoint."""
    cur = latest(ws)
    assert cur is not None
    b: dict[str, Any] = {
        "format": FORMAT,
        "engagement": ENGAGEMENT,
        "organization": "Test Group",
        "year": "2023",
        "verifier": PROVIDER,
        "verifier_key_name": VERIFIER_NAME,
        "standard": STANDARD,
        "criteria": "GHG Protocol Corporate Standard; ISO 14064-1:2018",
        "level": "limited",
        "scope": SCOPE,
        "materiality": {"rule": "5%", "overall_t": "247.000"},
        "inventory": {"run_id": run_id, "unit": "t CO2e", "scope1": "170.000"},
        "checkpoint": {
            "origin": cur.checkpoint.origin,
            "size": str(cur.checkpoint.size),
            "root_hash": base64.b64encode(cur.checkpoint.root).decode(),
        },
        "findings": {"counts": {}},
        "opinion": "unmodified",
        "opinion_text": OPINION_TEXT,
        "date": "2024-03-31",
        "procedures": ["Recalculated the drawn records", "Traced evidence to its hashes"],
    }
    b.update(changes)
    return b


def signed(ws: Workspace, run_id: str, note: str | None = None, **changes: Any) -> str:
    """The statement file: `body(ws, run_id, **changes)` signed by VERIFIER, carrying the log's
    latest checkpoint note (or `note`)."""
    cur = latest(ws)
    assert cur is not None
    return sign_statement(
        body(ws, run_id, **changes), VERIFIER, checkpoint_note=cur.note if note is None else note
    )


def record(
    ws: Workspace, run_id: str, text: str, verifier_key: str = VERIFIER_VKEY, year: int = 2023
) -> None:
    """Record `text` as the statement of a concluded engagement of `year` on `run_id`, checked
    against `verifier_key`, as `verification conclude` does."""
    cur = latest(ws)
    assert cur is not None
    now = datetime.now(UTC).replace(tzinfo=None)
    row = engagements.EngagementRow(
        engagement_id=ENGAGEMENT,
        version=1,
        year=year,
        verifier=PROVIDER,
        level="limited",
        criteria="GHG Protocol Corporate Standard; ISO 14064-1:2018",
        materiality="5%",
        scope_materiality="",
        scopes="1,2,3",
        run_id=run_id,
        checkpoint_size=cur.checkpoint.size,
        checkpoint_sha256=hashlib.sha256(cur.note.encode()).hexdigest(),
        rules=Rules().text(),
        seed="00",
        sample_sha256=None,
        population_sha256=None,
        status="concluded",
        actor="verifier",
        happened_at=now,
    )
    digest = statement_sha256(json.loads(text)["statement"])
    with ws.transaction():
        engagements.insert_engagement(ws, row)
        engagements.insert_statement(ws, ENGAGEMENT, digest, "unmodified", verifier_key, text, now)
        commit_new(ws, "engagement")
        commit_new(ws, "statement")
