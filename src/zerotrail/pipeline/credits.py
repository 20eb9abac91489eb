"""The credits stage: import blocks of carbon credits, list them, retire them, assign them.

    import_credits(ws, path, replace=...)    a file of credit blocks, whole or not at all
    list_credits(ws, status=..., year=...)   the current version of each block, with totals
    retire_credit(ws, id, on=..., ...)       a retirement made in the registry (a new version)
    assign_credit(ws, id, year)              a retired block counts for one year's claim

Where it sits: pipeline, called by `cli/credits.py`. The rules (serials, overlaps, versions) are
`ingest/credits.py` and `model/credits.py`; the reads `store/credits.py`. A neutrality claim
over the assigned credits is the claim stage (`pipeline/claims.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from zerotrail.errors import ZerotrailError
from zerotrail.ingest import credits as ingest_credits
from zerotrail.ingest.formats import CREDIT_STATUSES
from zerotrail.model.credits import Credit
from zerotrail.pipeline.imports import import_credits
from zerotrail.store.credits import current_credits
from zerotrail.store.database import Workspace

__all__ = [
    "CREDIT_STATUSES",
    "CreditList",
    "assign_credit",
    "import_credits",
    "list_credits",
    "retire_credit",
]


@dataclass(frozen=True, slots=True)
class CreditList:
    """The credits asked for and their tonnes (one credit per tonne) by type and by status."""

    credits: tuple[Credit, ...]
    by_type: dict[str, float]
    by_status: dict[str, float]


def list_credits(
    ws: Workspace, *, status: str | None = None, year: int | None = None
) -> CreditList:
    """The current version of every credit (with `status`, assigned to the claim for `year`)."""
    if status is not None and status not in CREDIT_STATUSES:
        raise ZerotrailError(
            f"unknown credit status '{status}': expected one of"
            f" {', '.join(sorted(CREDIT_STATUSES))}"
        )
    chosen = tuple(
        c
        for c in current_credits(ws)
        if (status is None or c.status == status) and (year is None or c.claim_year == year)
    )
    by_type: dict[str, float] = {}
    by_status: dict[str, float] = {}
    for c in chosen:
        by_type[c.type] = by_type.get(c.type, 0.0) + c.quantity
        by_status[c.status] = by_status.get(c.status, 0.0) + c.quantity
    return CreditList(chosen, by_type, by_status)


def retire_credit(
    ws: Workspace,
    credit_id: str,
    *,
    on: date,
    beneficiary: str,
    reason: str,
    claim_year: int | None = None,
    quantity: int | None = None,
) -> list[str]:
    """Record a retirement made in the registry, for the whole block or its first `quantity`
    credits (which become a new block split from it). The ids of the credits written."""
    return ingest_credits.retire_credit(
        ws,
        credit_id,
        on=on,
        beneficiary=beneficiary,
        reason=reason,
        claim_year=claim_year,
        quantity=quantity,
    )


def assign_credit(ws: Workspace, credit_id: str, year: int) -> None:
    """Assign a retired credit to the neutrality claim for `year` (a credit counts once)."""
    ingest_credits.assign_credit(ws, credit_id, year)
