"""The REST API's routes: each authenticates its caller, then calls the pipeline stage the CLI
command of the same name calls (no second implementation of any rule).

    GET  /api/me                       the caller: name, role, entities        every role
    GET  /api/inventory/{year}         `zerotrail inventory --format json`     every role (an
                                       owner: its entities' part only)
    GET  /api/progress/{year}          `zerotrail progress --format json`      figures readers
    GET  /api/ledger/checkpoint        the latest signed checkpoint            every role
    GET  /api/ledger/proof?kind=&ref=  `zerotrail ledger prove` (text)         proof readers
    POST /api/calculate                `zerotrail calculate`                   admin, analyst

The roles are auth.py's rules; `authenticate` also restricts an owner's workspace to its
entities (pipeline/isolation.py), and the stages an owner reaches take its entity set.
Routes are plain (not async) functions: FastAPI runs them in its thread pool, since the stages
block; each opens the workspace for itself (access.py), read-only unless it writes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import PlainTextResponse

from zerotrail.errors import ZerotrailError
from zerotrail.model.limits import FIRST_YEAR, LAST_YEAR
from zerotrail.pipeline.calculation import calculate as run_calculation
from zerotrail.pipeline.calculation import unresolved_records
from zerotrail.pipeline.claims import is_final
from zerotrail.pipeline.inventory import InventorySettings, current_run, inventory_summary
from zerotrail.pipeline.isolation import entities_of
from zerotrail.pipeline.ledger import NotProvable, latest_checkpoint, prove_record, record_kinds
from zerotrail.pipeline.roadmap import target_progress
from zerotrail.server import models
from zerotrail.server.access import WorkspaceAccess
from zerotrail.server.auth import (
    CALCULATE,
    EVERYONE,
    READ_FIGURES,
    READ_OWN_FIGURES,
    READ_PROOFS,
    Token,
    authenticate,
)

# A calculation answers with at most this many of the records it could not calculate (as
# `zerotrail calculate` lists them; `GET /api/inventory/{year}` lists the first thousand).
SHOWN_PROBLEMS = 20


# Every route may answer these (declared, so that the OpenAPI document lists every answer).
_ERRORS = models.error_answers(
    "The caller's role may not use this route.",
    "Not found: no such year's inventory, record or checkpoint, or no such route.",
)

Year = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR, description="Reporting year.")]

router = APIRouter(prefix="/api", responses=_ERRORS)


def _access(request: Request) -> WorkspaceAccess:
    access = request.app.state.workspace
    assert isinstance(access, WorkspaceAccess)
    return access


def _not_found(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail)


@router.get("/me", response_model=models.Me, summary="The caller")
def me(request: Request, token: Token) -> models.Me:
    """The user the token belongs to: name, role and (for an owner) its entities."""
    with _access(request).open() as ws:
        user = authenticate(ws, token, EVERYONE)
    return models.Me(
        name=user.name, role=user.role, entities=list(user.entities), can_write=user.can_write()
    )


@router.get("/inventory/{year}", response_model=models.Inventory, summary="A year's inventory")
def inventory(request: Request, token: Token, year: Year) -> dict[str, Any]:
    """The year's current inventory with its scope, category and gas breakdown, as
    `zerotrail inventory --year YEAR --format json` prints it. 404 when the year was never
    calculated. An owner gets its entities' part only (named under `entities`); a viewer, who
    sees the dashboards only, the totals without the records' ids and messages (`problems` and
    `notes` empty, `problem_count` kept)."""
    with _access(request).open() as ws:
        user = authenticate(ws, token, READ_OWN_FIGURES)
        try:
            current_run(ws, year)
        except ZerotrailError as exc:  # the one refusal of current_run: never calculated
            raise _not_found(str(exc)) from None
        seen = entities_of(user)
        # Kept between requests while the workspace's state is unchanged (server/cache.py).
        figures: dict[str, Any] = _access(request).figures.get(
            ws, "inventory", (year,), lambda: inventory_summary(ws, year, seen), entities=seen
        )
    if user.role == "viewer":  # a copy: the kept figures are shared by every request
        return figures | {"problems": [], "notes": []}
    return figures


@router.get("/progress/{year}", response_model=models.Progress, summary="Targets' progress")
def progress(request: Request, token: Token, year: Year) -> models.Progress:
    """Each target in force against its pathway in `year`, with status, gap and forecast, as
    `zerotrail progress --year YEAR --format json` gives its `targets`. Owners are refused."""
    with _access(request).open() as ws:
        authenticate(ws, token, READ_FIGURES)
        rows = _access(request).figures.get(
            ws, "progress", (year,), lambda: target_progress(ws, year)
        )
    return models.Progress(
        year=year, targets=[models.TargetProgress.model_validate(p.to_dict()) for p in rows]
    )


@router.get("/ledger/checkpoint", response_model=models.Checkpoint, summary="The latest checkpoint")
def checkpoint(request: Request, token: Token) -> models.Checkpoint:
    """The latest signed checkpoint of the workspace's log (404 before the first is signed)."""
    with _access(request).open() as ws:
        authenticate(ws, token, EVERYONE)
        signed = latest_checkpoint(ws)
    if signed is None:
        raise _not_found("no checkpoint yet: sign one with `zerotrail ledger checkpoint`")
    return models.Checkpoint(
        origin=signed.checkpoint.origin, size=signed.checkpoint.size, note=signed.note
    )


# The proof is text, so its errors (JSON) are declared with their media type spelt out: given
# as a model, FastAPI would list them under the route's own media type, text/plain.
_PROOF: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A C2SP .tlog-proof, as `zerotrail ledger prove` writes it;"
        " `zerotrail verify proof FILE --log-key KEY` checks it.",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    },
    **{
        code: {
            "description": answer["description"],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
        }
        for code, answer in _ERRORS.items()
    },
}


@router.get(
    "/ledger/proof",
    response_class=PlainTextResponse,
    responses=_PROOF,
    summary="A record's inclusion proof",
)
def proof(
    request: Request,
    token: Token,
    ref: Annotated[str, Query(min_length=1, max_length=500, description="The record's id.")],
    kind: Annotated[
        str,
        # Listed in the document (schemathesis sent kinds the route then refused as unknown);
        # still checked below, since the list is the ledger's and pydantic does not see it.
        Query(description="The record's kind.", json_schema_extra={"enum": record_kinds()}),
    ] = "activity",
    opening: Annotated[
        bool, Query(description="Include the record and its salt (its opening).")
    ] = False,
) -> PlainTextResponse:
    """A proof that the latest version of the record is in the latest checkpoint. 404 when no
    checkpoint is signed yet or the record is not in the log up to it."""
    if kind not in record_kinds():
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"kind: unknown record kind {kind!r}; expected one of {', '.join(record_kinds())}",
        )
    with _access(request).open() as ws:
        user = authenticate(ws, token, READ_PROOFS)
        try:
            text = prove_record(ws, kind, ref, with_opening=opening, entities=entities_of(user))
        except NotProvable as exc:  # an owner asking for a kind of record not its own
            raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
        except ZerotrailError as exc:  # no checkpoint yet, or no such record in the log
            raise _not_found(str(exc)) from None
    return PlainTextResponse(text)


@router.post(
    "/calculate",
    response_model=models.Calculation,
    summary="Calculate",
    responses={
        409: {
            "model": models.ErrorBody,
            "description": "The year's inventory is final (reopening it is done on the command"
            " line).",
        }
    },
)
def calculate(
    request: Request, token: Token, body: models.CalculationRequest
) -> models.Calculation:
    """Calculate the year's inventory from the stored records and store it as the year's
    current run (committed to the ledger), as `zerotrail calculate` does. Records that could
    not be calculated are listed (the first 20), not refused: the run is stored."""
    settings = InventorySettings(
        body.year, body.gwp, body.approach, body.blend_rule, body.factor_policy
    )
    with _access(request).open(write=True) as ws:
        authenticate(ws, token, CALCULATE)
        if is_final(ws, body.year):
            # A new run is not final: it would lift the finalized year's lock on approvals
            # unseen. Reopening a year is an administrator's deliberate act on the command line.
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"the {body.year} inventory is final: a calculation would replace it with one that"
                f" is not and reopen the year; an administrator does that on the command line"
                f" (`zerotrail calculate --year {body.year}`)",
            )
        summary = run_calculation(ws, settings)
        first, _total = unresolved_records(ws, summary.run_id, SHOWN_PROBLEMS)
    return models.Calculation(
        run_id=summary.run_id,
        year=summary.year,
        gwp_set=summary.gwp_set,
        consolidation=summary.consolidation,
        factor_policy=summary.factor_policy,
        records=summary.records,
        problems=summary.problems,
        notes=list(summary.notes),
        unresolved=[models.RecordProblem(record_id=r, message=m) for r, m in first],
    )
