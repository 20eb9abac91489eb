"""The roadmap's REST routes: targets, initiatives, and finalizing a year.

    GET  /api/targets               `zerotrail targets list`: the targets in force   readers
    GET  /api/targets/{target_id}   `zerotrail targets history ID`: every version     readers
    GET  /api/initiatives?year=Y    `zerotrail initiatives`: abatement in the year    readers
    POST /api/finalize {"year": Y}  `zerotrail finalize`: the year's run made final   writers

Readers are roadmap_rules.READ_ROADMAP (every role but owner: these figures cover every
entity); writers FINALIZE (admin, analyst). Each route calls the stage the command calls
(pipeline/roadmap.py, initiatives.py, claims.py); none computes anything itself.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status

from zerotrail.errors import ZerotrailError
from zerotrail.model.limits import FIRST_YEAR, LAST_YEAR
from zerotrail.pipeline.claims import finalize_inventory
from zerotrail.pipeline.initiatives import abatement_year, attribution
from zerotrail.pipeline.roadmap import list_targets, target_history
from zerotrail.server import models_roadmap as m
from zerotrail.server.access import WorkspaceAccess
from zerotrail.server.auth import Token, authenticate
from zerotrail.server.roadmap_rules import FINALIZE, READ_ROADMAP

router = APIRouter(prefix="/api", responses=m.ERRORS, tags=["roadmap"])

TargetId = Annotated[str, Path(min_length=1, max_length=200, description="The target's id.")]


def workspace(request: Request) -> WorkspaceAccess:
    access = request.app.state.workspace
    assert isinstance(access, WorkspaceAccess)
    return access


def target_version(st: Any) -> m.TargetVersion:
    """A stored target (targets/register.py StoredTarget) as the API shows it."""
    return m.TargetVersion(
        id=st.target.id,
        kind=st.target.kind,
        name=st.target.name,
        version=st.version,
        status=str(st.status),
        added_at=st.added_at.isoformat(),
        reason=st.reason,
        set_year=st.set_year,
        definition=st.target.definition(),
    )


@router.get("/targets", response_model=m.Targets, summary="The targets in force")
def targets(request: Request, token: Token) -> m.Targets:
    """The latest version of every target in force (withdrawn ones left out), as `zerotrail
    targets list` shows them. Their progress in a year is GET /api/progress/{year}."""
    with workspace(request).open() as ws:
        authenticate(ws, token, READ_ROADMAP)
        found = list_targets(ws)
    return m.Targets(targets=[target_version(st) for st in found])


@router.get("/targets/{target_id}", response_model=m.TargetHistory, summary="A target's history")
def target(request: Request, token: Token, target_id: TargetId) -> m.TargetHistory:
    """Every stored version of one target, oldest first, with the reason for each change
    (withdrawn versions included). 404 for an id never stored."""
    with workspace(request).open() as ws:
        authenticate(ws, token, READ_ROADMAP)
        try:
            versions = target_history(ws, target_id)
        except ZerotrailError as exc:  # its one refusal: no such target
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    if not versions:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no target {target_id}")
    return m.TargetHistory(id=target_id, versions=[target_version(st) for st in versions])


@router.get("/initiatives", response_model=m.Initiatives, summary="Initiatives and abatement")
def initiatives(
    request: Request,
    token: Token,
    year: Annotated[
        int | None,
        Query(
            ge=FIRST_YEAR,
            le=LAST_YEAR,
            description="Abatement year; else the latest calculated year.",
        ),
    ] = None,
) -> m.Initiatives:
    """The latest version of each reduction initiative with its expected and realized
    abatement in the year, as `zerotrail initiatives` shows them, and their totals."""
    with workspace(request).open() as ws:
        authenticate(ws, token, READ_ROADMAP)
        found = attribution(ws, abatement_year(ws, year))
    return m.Initiatives(
        year=found["year"],
        basis=found["basis"],
        initiatives=[m.Initiative.model_validate(r) for r in found["rows"]],
        totals=m.InitiativeTotals.model_validate(found["totals"]),
    )


@router.post("/finalize", response_model=m.Finalized, summary="Finalize a year")
def finalize(request: Request, token: Token, body: m.YearRequest) -> m.Finalized:
    """Make the year's current run final (committed to the ledger), as `zerotrail finalize`
    does: claims need it, and approvals into a finalized year are refused. 400 when the year
    has no inventory or records it could not calculate. Finalizing twice changes nothing."""
    with workspace(request).open(write=True) as ws:
        authenticate(ws, token, FINALIZE)
        done = finalize_inventory(ws, body.year)
    return m.Finalized(year=body.year, run_id=done.run_id, newly=done.newly)
