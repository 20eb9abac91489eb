"""Third-party verification over REST (ISO 14064-3): the verifier's side of an engagement, and
the company's responses to its findings. Every route calls the verification stage
(pipeline/verification.py), as `zerotrail verification ...` does.

    GET  /api/verification/engagements?year=Y              the engagements          readers
    GET  /api/verification/engagements/{id}                plan, drawn, findings    readers
    POST /api/verification/engagements/{id}/sample         draw it {"seed"}         verifier
    POST /api/verification/engagements/{id}/findings       raise a finding          verifier
    POST /api/verification/findings/{id}/respond           {"note"}                 admin, analyst
    POST /api/verification/findings/{id}/close             {"outcome", "note"}      verifier
    POST /api/verification/findings/{id}/reopen            {"note"}                 verifier
    GET  /api/verification/engagements/{id}/evaluation     aggregation, opinion     readers

Readers are admin, analyst and verifier: the verifier and the team it verifies. Owners,
approvers and viewers see nothing of verification (403). The verifier writes these records
only (the sample and the findings: model/users.py, "writes only its own findings"); every other
write route refuses it, since its role is not in their rules. The company answers a finding;
only the verifier decides on it. The actor recorded is the server user's name.

Opening an engagement and concluding it stay on the command line, by design: an engagement is
opened on the year's final inventory and a cosigned checkpoint, which an administrator brings
about there (finalize, sign, have a witness cosign); the statement is signed with the
verifier's private key, which the server must never hold.

Refusals: an unknown engagement or finding 404; a transition the state does not allow (a
second draw, a concluded engagement, closing a closed finding, a misstatement closed as
corrected before the restatement is covered) 409 (the stage's VerificationStateError); any
other refusal of the stage 400 with its one line (errors.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status

from zerotrail.model.limits import FIRST_YEAR, LAST_YEAR
from zerotrail.pipeline import verification as stage
from zerotrail.pipeline.setup import Workspace
from zerotrail.server import models
from zerotrail.server import models_verification as m
from zerotrail.server.access import WorkspaceAccess
from zerotrail.server.auth import Rule, Token, authenticate

READ = Rule(
    frozenset({"admin", "analyst", "verifier"}),
    "verification records are for the verifier and the team whose inventory it verifies",
)
VERIFY = Rule(
    frozenset({"verifier"}),
    "only the verifier draws the sample and raises, closes and reopens findings",
)
RESPOND = Rule(
    frozenset({"admin", "analyst"}),
    "the company's response to a finding is the sustainability team's",
)

_ERRORS = models.error_answers(
    "The caller's role may not use this route.",
    "No such engagement or finding.",
)
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": models.ErrorBody,
        "description": "The engagement's or finding's state does not allow it (drawn already,"
        " concluded, closed already, not closed, not yet restated).",
    }
}

router = APIRouter(prefix="/api/verification", responses=_ERRORS, tags=["verification"])

EngagementId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=100,
        description="The engagement's id (E<year>-<n>).",
        examples=["E2023-1"],
    ),
]
FindingId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=100,
        description="The finding's id (<engagement>-F<n>).",
        examples=["E2023-1-F1"],
    ),
]


def _access(request: Request) -> WorkspaceAccess:
    access = request.app.state.workspace
    assert isinstance(access, WorkspaceAccess)
    return access


@contextmanager
def _conflicts() -> Iterator[None]:
    """The stage's state refusals as 409 (any other ZerotrailError: 400, errors.py)."""
    try:
        yield
    except stage.VerificationStateError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


def _known_engagement(ws: Workspace, engagement_id: str) -> None:
    """404 unless the engagement exists (the stage's own refusal is a plain ZerotrailError, as
    are its refusals of bad input)."""
    if engagement_id not in {e.engagement_id for e in stage.engagements(ws)}:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no engagement {engagement_id}")


def _known_finding(ws: Workspace, finding_id: str) -> None:
    """404 unless the finding exists."""
    if stage.finding(ws, finding_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no finding {finding_id}")


# --- answers -------------------------------------------------------------------------------------


def _engagement(e: Any) -> m.Engagement:
    """A stored engagement version (the stage's EngagementRow, a store type: hence Any here, as
    the server imports no store module) as the API shows it; the model checks every field."""
    return m.Engagement(
        id=e.engagement_id,
        version=e.version,
        year=e.year,
        verifier=e.verifier,
        level=e.level,
        criteria=e.criteria,
        materiality=e.materiality,
        scope_materiality=e.scope_materiality,
        scopes=[int(s) for s in e.scopes.split(",") if s],
        run_id=e.run_id,
        checkpoint_size=e.checkpoint_size,
        checkpoint_sha256=e.checkpoint_sha256,
        seed=e.seed,
        sample_sha256=e.sample_sha256,
        status=e.status,
        actor=e.actor,
        changed_at=models.as_utc(e.happened_at),
    )


def _finding(f: Any) -> m.Finding:
    """A stored finding version (the stage's FindingRow; Any as above) as the API shows it."""
    return m.Finding(
        id=f.finding_id,
        version=f.version,
        engagement_id=f.engagement_id,
        kind=f.finding_kind,
        type=f.finding_type,
        nature=f.nature,
        scope=f.scope,
        stratum=f.stratum,
        amount_t=f.amount_t,
        records=[r for r in f.records.split(",") if r],
        clause=f.clause,
        text=f.text,
        status=f.status,
        outcome=f.outcome,
        note=f.note,
        actor=f.actor,
        changed_at=models.as_utc(f.happened_at),
    )


def _detail(ws: Workspace, sp: stage.SamplePlan) -> m.EngagementDetail:
    drawn: dict[str, int] = {}
    for s in sp.selected:
        drawn[s.stratum] = drawn.get(s.stratum, 0) + 1
    sampled = sp.engagement.seed is not None
    th = sp.thresholds
    return m.EngagementDetail(
        engagement=_engagement(sp.engagement),
        sample_run_id=sp.run_id,
        population=m.Population(
            records=len(sp.population), t_co2e=math.fsum(i.t_co2e for i in sp.population)
        ),
        materiality=m.Materiality(
            overall_t=th.overall_t,
            scope1_t=th.scope1_t,
            scope2_t=th.scope2_t,
            scope3_t=th.scope3_t,
            performance_share=th.performance_share,
            trivial_share=th.trivial_share,
        ),
        strata=[
            m.Stratum(
                stratum=p.stratum,
                records=p.risk.records,
                t_co2e=p.risk.t_co2e,
                share=p.risk.share,
                mean_dq=p.risk.mean_dq,
                complex_share=p.risk.complex_share,
                approved_share=p.risk.approved_share,
                factors=dict(p.risk.factors),
                risk=p.risk.level,  # type: ignore[arg-type]  # low, medium or high (assurance/risk.py)
                reasons=list(p.risk.reasons),
                confidence=p.confidence,
                reliability_factor=p.reliability_factor,
                tolerable_t=p.tolerable_t,
                interval_t=p.interval_t,
                size=p.size,
                formula=p.formula,
                drawn=drawn.get(p.stratum, 0) if sampled else None,
            )
            for p in sp.strata
        ],
        drawn=[
            m.DrawnRecord(
                record_id=s.record_id,
                version=s.version,
                stratum=s.stratum,
                key_item=s.key_item,
                t_co2e=s.t_co2e,
                order=s.order,
            )
            for s in sp.selected
        ],
        findings=[_finding(f) for f in stage.findings(ws, sp.engagement.engagement_id)],
    )


# --- routes --------------------------------------------------------------------------------------


@router.get("/engagements", response_model=m.Engagements, summary="Verification engagements")
def engagements(
    request: Request,
    token: Token,
    year: Annotated[
        int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR, description="Only this year's.")
    ] = None,
) -> m.Engagements:
    """Every engagement's latest version (of the year when given), oldest first, as
    `zerotrail verification list` shows them."""
    with _access(request).open() as ws:
        authenticate(ws, token, READ)
        found = stage.engagements(ws, year)
    return m.Engagements(engagements=[_engagement(e) for e in found])


@router.get(
    "/engagements/{engagement_id}", response_model=m.EngagementDetail, summary="An engagement"
)
def engagement(request: Request, token: Token, engagement_id: EngagementId) -> m.EngagementDetail:
    """The engagement, its materiality, each stratum's risk and sample size with the formula
    (`zerotrail verification plan`), the records drawn once the verifier has given the seed,
    and its findings at their latest state."""
    with _access(request).open() as ws:
        authenticate(ws, token, READ)
        _known_engagement(ws, engagement_id)
        return _detail(ws, stage.sample_plan(ws, engagement_id))


@router.post(
    "/engagements/{engagement_id}/sample",
    response_model=m.EngagementDetail,
    responses=_CONFLICT,
    summary="Draw the sample",
)
def sample(
    request: Request, token: Token, engagement_id: EngagementId, body: m.SampleRequest
) -> m.EngagementDetail:
    """Draw the sample with the verifier's seed, as `zerotrail verification sample` does:
    monetary-unit sampling per stratum plus every key item, keyed with the seed. Once: the seed
    and the drawn records' digest are committed (409 when drawn already)."""
    with _access(request).open(write=True) as ws:
        user = authenticate(ws, token, VERIFY)
        _known_engagement(ws, engagement_id)
        with _conflicts():
            sp = stage.draw_sample(ws, engagement_id, body.seed, user.name)
        return _detail(ws, sp)


@router.post(
    "/engagements/{engagement_id}/findings",
    response_model=m.Finding,
    status_code=status.HTTP_201_CREATED,
    responses=_CONFLICT,
    summary="Raise a finding",
)
def raise_finding(
    request: Request, token: Token, engagement_id: EngagementId, body: m.FindingRequest
) -> m.Finding:
    """Raise a finding, as `zerotrail verification finding add` does: a misstatement (its t
    CO2e, positive when the inventory overstates, and the records behind it) or a
    non-conformity (the clause it breaches). 409 on a concluded engagement."""
    with _access(request).open(write=True) as ws:
        user = authenticate(ws, token, VERIFY)
        _known_engagement(ws, engagement_id)
        with _conflicts():
            found = stage.add_finding(
                ws,
                engagement_id,
                kind=body.kind,
                finding_type=body.type,
                text=body.text,
                actor=user.name,
                amount_t=body.amount_t,
                records=body.records,
                scope=body.scope,
                nature=body.nature,
                clause=body.clause,
            )
    return _finding(found)


def _move(
    request: Request, token: Token, rule: Rule, finding_id: str, move: str, note: str, **kw: Any
) -> m.Finding:
    with _access(request).open(write=True) as ws:
        user = authenticate(ws, token, rule)
        _known_finding(ws, finding_id)
        with _conflicts():
            moved = stage.move_finding(ws, finding_id, move, user.name, note, **kw)
    return _finding(moved)


@router.post(
    "/findings/{finding_id}/respond",
    response_model=m.Finding,
    responses=_CONFLICT,
    summary="Respond to a finding",
)
def respond(
    request: Request, token: Token, finding_id: FindingId, body: m.NoteRequest
) -> m.Finding:
    """The company's response to a raised or reopened finding, as `zerotrail verification
    finding respond` records it (409 in any other state)."""
    return _move(request, token, RESPOND, finding_id, "respond", body.note)


@router.post(
    "/findings/{finding_id}/close",
    response_model=m.Finding,
    responses=_CONFLICT,
    summary="Close a finding",
)
def close(request: Request, token: Token, finding_id: FindingId, body: m.CloseRequest) -> m.Finding:
    """Close a finding, as `zerotrail verification finding close` does: corrected, or accepted
    uncorrected. A misstatement is corrected only in a restated inventory the engagement covers
    (409 before); 409 for a closed finding."""
    return _move(request, token, VERIFY, finding_id, "close", body.note, outcome=body.outcome)


@router.post(
    "/findings/{finding_id}/reopen",
    response_model=m.Finding,
    responses=_CONFLICT,
    summary="Reopen a finding",
)
def reopen(request: Request, token: Token, finding_id: FindingId, body: m.NoteRequest) -> m.Finding:
    """Reopen a closed finding (409 for one that is not closed)."""
    return _move(request, token, VERIFY, finding_id, "reopen", body.note)


@router.get(
    "/engagements/{engagement_id}/evaluation",
    response_model=m.Evaluation,
    summary="The evaluation as things stand",
)
def evaluation(request: Request, token: Token, engagement_id: EngagementId) -> m.Evaluation:
    """The findings projected per stratum and aggregated per scope and overall against
    materiality, and the opinion they lead to now, as `zerotrail verification evaluate` prints
    them. Nothing is stored; the statement is issued on the command line
    (`zerotrail verification conclude`, with the verifier's key)."""
    with _access(request).open() as ws:
        authenticate(ws, token, READ)
        _known_engagement(ws, engagement_id)
        ev = stage.evaluate(ws, engagement_id)
    agg = ev.conclusion.aggregation
    op = ev.conclusion.opinion
    return m.Evaluation(
        engagement_id=engagement_id,
        subject=ev.subject,
        rollups=[
            m.Rollup(
                scope=r.scope,
                known_t=r.known_t,
                projected_t=r.projected_t,
                net_t=r.net_t,
                gross_t=r.gross_t,
                misstatements=r.misstatements,
                trivial_count=r.trivial_count,
                trivial_gross_t=r.trivial_gross_t,
                materiality_t=r.materiality_t,
                performance_t=r.performance_t,
                flag=r.flag,
            )
            for r in agg.rollups
        ],
        # An opinion has a kind and its wording; a blocked one (none may be issued yet) only
        # its reasons. Read by attribute: the server does not import the assurance package.
        opinion=m.Opinion(
            kind=getattr(op, "kind", None),
            reasons=list(op.reasons),
            wording=getattr(op, "wording", None),
        ),
    )
