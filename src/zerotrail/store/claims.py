"""Neutrality claims and final inventories in the workspace.

Where it sits: store, under the claim stage (`pipeline/claims.py`): a year's inventory is made
final by recording its current run here; a claim is stored as a new version whenever its outcome
or figures change. The stage commits both to the ledger (store/committed.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from zerotrail.store.database import Workspace


def is_final(ws: Workspace, run_id: str) -> bool:
    """Whether this calculation run was marked final."""
    return bool(ws.scalar("SELECT count(*) FROM inventory_finals WHERE run_id = ?", [run_id]))


def insert_final(ws: Workspace, year: int, run_id: str, at: datetime) -> None:
    ws.execute(
        "INSERT INTO inventory_finals (year, run_id, finalized_at) VALUES (?, ?, ?)",
        [year, run_id, at],
    )


def latest_claim(ws: Workspace, claim_id: str) -> tuple[Any, ...] | None:
    """(version, holds, run id, gross, credits, net, detail) of the claim's latest version."""
    rows = ws.fetchall(
        "SELECT version, holds, run_id, gross, credits_t, net, detail FROM claims"
        " WHERE claim_id = ? ORDER BY version DESC LIMIT 1",
        [claim_id],
    )
    return tuple(rows[0]) if rows else None


def insert_claim(
    ws: Workspace,
    *,
    claim_id: str,
    version: int,
    target_id: str,
    year: int,
    holds: bool,
    run_id: str | None,
    gross_t: float,
    credits_t: float,
    removals_t: float,
    net_t: float,
    detail: str,
    created_at: datetime,
) -> None:
    """Store one version of a claim (the caller commits it to the ledger)."""
    ws.execute(
        "INSERT INTO claims (claim_id, version, target_id, year, holds, run_id, gross, credits_t,"
        " removals_t, net, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            claim_id,
            version,
            target_id,
            year,
            holds,
            run_id,
            gross_t,
            credits_t,
            removals_t,
            net_t,
            detail,
            created_at,
        ],
    )
