"""The target register in the workspace: every version of every target, and the policy setting.

Where it sits: store, under the roadmap stage (`pipeline/roadmap.py`), which turns these rows
into `targets.register.StoredTarget` values and decides what to add; the stage also commits each
new version to the ledger (store/committed.py) in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from zerotrail.store.database import Workspace

POLICY_SETTING = "recalculation_policy"


def target_rows(ws: Workspace, target_id: str | None = None) -> list[tuple[Any, ...]]:
    """(target id, version, status, definition, added at, reason) of every version (of one
    target when `target_id` is given), by target id and version."""
    return [
        tuple(r)
        for r in ws.fetchall(
            "SELECT target_id, version, status, definition, added_at, reason FROM targets"
            " WHERE ? IS NULL OR target_id = ? ORDER BY target_id, version",
            [target_id, target_id],
        )
    ]


def insert_target(
    ws: Workspace,
    *,
    target_id: str,
    version: int,
    kind: str,
    name: str,
    status: str,
    definition: str,
    reason: str | None,
    added_at: datetime,
) -> None:
    """Store one version of a target (the caller commits it to the ledger)."""
    ws.execute(
        "INSERT INTO targets (target_id, version, kind, name, status, definition, reason,"
        " added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [target_id, version, kind, name, status, definition, reason, added_at],
    )


def recalculation_policy(ws: Workspace) -> str | None:
    """The stored base-year recalculation policy (JSON text), None when no roadmap set one."""
    return ws.get_setting(POLICY_SETTING)


def set_recalculation_policy(ws: Workspace, text: str) -> None:
    ws.set_setting(POLICY_SETTING, text)
