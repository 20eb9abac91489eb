"""Carbon credits and neutrality claims over REST.

    GET  /api/credits?status=&year=         `zerotrail credits list`                readers
    POST /api/credits/{id}/retire           `zerotrail credits retire ID ...`       writers
    POST /api/credits/{id}/assign {"year"}  `zerotrail credits assign ID --year Y`  writers
    GET  /api/claims/{year}?target_id=      the year's claim as it stands (stored: no)  readers
    POST /api/claims {"year", "target_id"}  `zerotrail claim neutrality`: recorded  writers

Readers are roadmap_rules.READ_CREDITS (every role but owner and viewer); the writers
MANAGE_CLAIMS. The
stages are pipeline/credits.py and pipeline/claims.py; their refusals (an unknown credit, a
retirement in the future, no neutrality target, a credit counted twice) are 400 with their one
line. A claim that does not hold is still answered 200 (as the command prints it, with every
failure): it is the answer asked for, not a refused request.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, status

from zerotrail.errors import ZerotrailError
from zerotrail.model.limits import FIRST_YEAR, LAST_YEAR
from zerotrail.pipeline.claims import neutrality_preview, record_claim
from zerotrail.pipeline.credits import (
    CREDIT_STATUSES,
    CreditList,
    assign_credit,
    list_credits,
    retire_credit,
)
from zerotrail.server import models_roadmap as m
from zerotrail.server.api_roadmap import workspace
from zerotrail.server.auth import Token, authenticate
from zerotrail.server.roadmap_rules import MANAGE_CLAIMS, READ_CREDITS

router = APIRouter(prefix="/api", responses=m.ERRORS, tags=["credits and claims"])

# `:path` in the routes: a block split by a partial retirement is named "C2/1", with a slash.
CreditId = Annotated[str, Path(min_length=1, max_length=200, description="The credit block's id.")]
Year = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR, description="Claim year.")]


def credit_list(found: CreditList) -> m.Credits:
    """The credits stage's list as the API shows it."""
    return m.Credits(
        credits=[m.Credit.model_validate(_public(asdict(c))) for c in found.credits],
        by_type=found.by_type,
        by_status=found.by_status,
    )


# The serial's prefix and numbers are how the store checks overlaps; the serials shown are
# serial_start and serial_end.
_INTERNAL = ("serial_prefix", "serial_first", "serial_last")


def _public(d: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in d.items() if k not in _INTERNAL}


@router.get("/credits", response_model=m.Credits, summary="Carbon credits")
def credits(
    request: Request,
    token: Token,
    credit_status: Annotated[
        str | None,
        Query(
            alias="status",
            description="Only credits with this status.",
            json_schema_extra={"enum": sorted(CREDIT_STATUSES)},
        ),
    ] = None,
    year: Annotated[
        int | None,
        Query(ge=FIRST_YEAR, le=LAST_YEAR, description="Only credits assigned to this claim year."),
    ] = None,
) -> m.Credits:
    """The current version of every block of credits (or those with the status, or assigned
    to the year's claim), with their tonnes by type and by status."""
    with workspace(request).open() as ws:
        authenticate(ws, token, READ_CREDITS)
        found = list_credits(ws, status=credit_status, year=year)
    return credit_list(found)


@router.post("/credits/{credit_id:path}/retire", response_model=m.Retired, summary="Retire credits")
def retire(request: Request, token: Token, credit_id: CreditId, body: m.RetireRequest) -> m.Retired:
    """Record a retirement made in the registry, for the whole block or its first `quantity`
    credits (a new block split from it), as `zerotrail credits retire` does (committed)."""
    with workspace(request).open(write=True) as ws:
        authenticate(ws, token, MANAGE_CLAIMS)
        written = retire_credit(
            ws,
            credit_id,
            on=body.on,
            beneficiary=body.beneficiary,
            reason=body.reason,
            claim_year=body.claim_year,
            quantity=body.quantity,
        )
    return m.Retired(credit_ids=written)


@router.post(
    "/credits/{credit_id:path}/assign", response_model=m.Assigned, summary="Assign a credit"
)
def assign(request: Request, token: Token, credit_id: CreditId, body: m.YearRequest) -> m.Assigned:
    """Assign a retired block to the neutrality claim for the year (a credit counts once), as
    `zerotrail credits assign` does (committed)."""
    with workspace(request).open(write=True) as ws:
        authenticate(ws, token, MANAGE_CLAIMS)
        assign_credit(ws, credit_id, body.year)
    return m.Assigned(credit_id=credit_id, year=body.year)


TargetQuery = Annotated[
    str | None,
    Query(min_length=1, max_length=200, description="Else the only neutrality target."),
]


@router.get("/claims/{year}", response_model=m.Claim, summary="A neutrality claim's preview")
def claim_preview(
    request: Request, token: Token, year: Year, target_id: TargetQuery = None
) -> m.Claim:
    """The year's carbon-neutrality claim (ISO 14068-1) as it stands: whether it holds, gross,
    credits, removals and net, every failure and warning. Nothing is stored (`version` is
    null). 404 when there is no claim to show: no such neutrality target, or no inventory of
    the year."""
    with workspace(request).open() as ws:
        authenticate(ws, token, READ_CREDITS)
        try:
            found = neutrality_preview(ws, year, target_id)
        except ZerotrailError as exc:  # no such target, or no inventory of the year: no claim
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return m.Claim.model_validate(found)


@router.post("/claims", response_model=m.Claim, summary="Record a neutrality claim")
def claim_record(request: Request, token: Token, body: m.ClaimRequest) -> m.Claim:
    """Evaluate the year's claim and store it, as `zerotrail claim neutrality` does: a new
    committed version when its outcome or figures changed, else the stored one again."""
    with workspace(request).open(write=True) as ws:
        authenticate(ws, token, MANAGE_CLAIMS)
        found = record_claim(ws, body.year, body.target_id)
    return m.Claim.model_validate(found)
