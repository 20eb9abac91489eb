"""Imports through the server and their approval: the routes of the approval stage
(pipeline/submissions.py), which holds every rule.

    POST /api/imports                 upload a file (multipart: file, kind)             submitters
    GET  /api/imports                 the submissions the caller may see                 every role
    GET  /api/imports/{id}            one of them                                        every role
    POST /api/imports/{id}/approve    import it and mark it approved                     deciders
    POST /api/imports/{id}/reject     mark it rejected, with {"reason": ...}             deciders

An upload (`kind`: activities, the default, or meters) never touches the activities or the meter
readings: it is checked at once by its kind's import itself (rolled back), refused with its row
errors (422: detail, and problems each with file, row, column and message) or stored as
`submitted`. Only an approval imports it. An owner lists and sees only the submissions it made
(another's is 404, as a missing one); verifiers and viewers read and change nothing; nobody
decides on its own submission.

Uploads are bounded: a body larger than the stage's MAX_UPLOAD_BYTES (with room for the
multipart framing) is refused with 413 by `UploadLimit` before it is read whole, from its
Content-Length when it gives one, else as soon as that many bytes have arrived.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    HTTPException,
    Path,
    Request,
    UploadFile,
    status,
)
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zerotrail.errors import DataError
from zerotrail.pipeline import submissions as stage
from zerotrail.server import models
from zerotrail.server.access import WorkspaceAccess
from zerotrail.server.api import _ERRORS
from zerotrail.server.auth import DECIDE, READ_SUBMISSIONS, SUBMIT, Token, authenticate
from zerotrail.server.errors import one_line
from zerotrail.server.web import page

# Room for the multipart framing (boundaries, part headers, the `kind` field) around the file.
FRAMING_BYTES = 64 * 1024
UPLOAD_PATH = "/api/imports"
# The paths whose bodies are uploads: the API's and the data page's form (pages_data.py).
UPLOAD_PATHS = (UPLOAD_PATH, "/data/upload")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Submission(_Model):
    """A file submitted through the server, and its state."""

    id: str
    kind: stage.Kind = Field(description="activities (activity records) or meters (meter readings)")
    uploader: str
    file_name: str
    format: str = Field(description="csv, xlsx or parquet")
    sha256: str = Field(description="SHA-256 of the file's bytes (hex)")
    size: int = Field(description="bytes")
    rows: int = Field(description="records in the file")
    status: Literal["submitted", "approved", "rejected"]
    reason: str | None = Field(description="why it was rejected")
    decided_by: str | None
    decided_at: datetime | None = Field(description="UTC")
    import_id: str | None = Field(description="the import its approval made")
    submitted_at: datetime = Field(description="UTC")


class Submissions(_Model):
    submissions: list[Submission]


class RowProblem(_Model):
    """One thing wrong with a row of the file (row 1 is the header; null: the whole file)."""

    file: str
    row: int | None
    column: str | None
    message: str


class RowErrors(_Model):
    """A file refused for its rows: nothing was stored. `problems` lists the first 200."""

    detail: str
    problems: list[RowProblem] = Field(default_factory=list)


class Imported(_Model):
    """What the approval's import did, as `zerotrail import activities` (or `import meters`)
    reports it."""

    rows: int
    added: int
    replaced: int
    unchanged: int
    import_id: str | None


class Decision(_Model):
    submission: Submission
    imported: Imported | None = Field(description="null for a rejection")


class Rejection(_Model):
    reason: str = Field(min_length=1, max_length=1000, description="What to correct.")


def _answer(code: int, description: str, model: type[BaseModel] = models.ErrorBody) -> Any:
    return {"model": model, "description": description}


_ROW_ERRORS = _answer(
    422,
    "Row errors (file, row, column, message), or a request not fitting this document.",
    RowErrors,
)
_CONFLICT = _answer(409, "Decided already, or records in a year whose inventory is final.")

router = APIRouter(prefix="/api", responses=_ERRORS, tags=["imports"])

SubmissionId = Annotated[str, Path(min_length=1, max_length=100, description="Submission id.")]


def _access(request: Request) -> WorkspaceAccess:
    access = request.app.state.workspace
    assert isinstance(access, WorkspaceAccess)
    return access


def _shown(s: stage.Submission) -> Submission:
    return Submission(
        id=s.submission_id,
        kind=s.kind,  # type: ignore[arg-type]  # one of KINDS, as stored by the stage
        uploader=s.uploader,
        file_name=s.file_name,
        format=s.file_format,
        sha256=s.file_sha256,
        size=s.file_size,
        rows=s.file_rows,
        status=s.status,  # type: ignore[arg-type]  # one of STATUSES, as stored by the stage
        reason=s.reason,
        decided_by=s.decided_by,
        decided_at=models.as_utc(s.decided_at),
        import_id=s.import_id,
        submitted_at=models.as_utc(s.submitted_at),
    )


def _row_errors(exc: DataError) -> JSONResponse:
    body = RowErrors(
        detail=one_line(str(exc)),
        problems=[
            RowProblem(file=p.source, row=p.row, column=p.column, message=one_line(p.message))
            for p in exc.problems
        ],
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=422)


@contextmanager
def _refusals() -> Iterator[None]:
    """The stage's refusals as their HTTP answers (any other ZerotrailError: 400, errors.py)."""
    try:
        yield
    except stage.SubmissionNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except stage.FourEyesError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    except stage.DecisionConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except stage.TooLarge as exc:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, str(exc)) from None


async def _one_file(request: Request) -> None:
    """400 when the form carries more than one `file` part: the route would otherwise take the
    last and say nothing of the others (the data page refuses a second file alike). The form is
    the one FastAPI has read already (Starlette keeps it on the request)."""
    form = await request.form()
    files = len(form.getlist("file"))
    if files > 1:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            f"file: send one file per upload (the form has {files} `file` parts)",
        )


@router.post(
    "/imports",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(_one_file)],
    response_model=Submission,
    responses={422: _ROW_ERRORS, 413: _answer(413, "The file is too large.")},
    summary="Submit a file for approval",
)
def upload(
    request: Request,
    token: Token,
    file: Annotated[UploadFile, File(description="The records: .csv, .xlsx or .parquet.")],
    kind: Annotated[
        stage.Kind,
        Form(description="What the file holds: activity records or meter readings."),
    ] = "activities",
) -> Submission | JSONResponse:
    """Check the file as `zerotrail import activities` (or `import meters`, by its kind) does
    (every row check) and store it as `submitted`; nothing enters the activities or the meter
    readings until it is approved. A file with row errors is refused (422, with each error) and
    nothing is stored. An owner may submit records of its own entities only, and readings of
    their sites only."""
    content = file.file.read(stage.MAX_UPLOAD_BYTES + 1)
    with _access(request).open(write=True) as ws:
        user = authenticate(ws, token, SUBMIT)
        try:
            with _refusals():
                submitted = stage.submit(ws, user, file.filename or "", content, kind)
        except DataError as exc:
            return _row_errors(exc)
    return _shown(submitted)


@router.get("/imports", response_model=Submissions, summary="Submitted files")
def listing(request: Request, token: Token) -> Submissions:
    """The submissions the caller may see, newest first: an owner's own, else all."""
    with _access(request).open() as ws:
        user = authenticate(ws, token, READ_SUBMISSIONS)
        found = stage.submissions_for(ws, user)
    return Submissions(submissions=[_shown(s) for s in found])


@router.get("/imports/{submission_id}", response_model=Submission, summary="A submitted file")
def one(request: Request, token: Token, submission_id: SubmissionId) -> Submission:
    """One submission (404 when there is none, or it is another owner's)."""
    with _access(request).open() as ws, _refusals():
        user = authenticate(ws, token, READ_SUBMISSIONS)
        return _shown(stage.submission_for(ws, user, submission_id))


def _decision(d: stage.Decided) -> Decision:
    r = d.report
    imported = (
        None
        if r is None
        else Imported(
            rows=r.rows,
            added=r.added,
            replaced=r.replaced,
            unchanged=r.unchanged,
            import_id=r.import_id,
        )
    )
    return Decision(submission=_shown(d.submission), imported=imported)


@router.post(
    "/imports/{submission_id}/approve",
    response_model=Decision,
    responses={409: _CONFLICT, 422: _ROW_ERRORS},
    summary="Approve and import",
)
def approve(request: Request, token: Token, submission_id: SubmissionId) -> Decision | JSONResponse:
    """Import the submitted file (as `zerotrail import activities` or `import meters`, by its
    kind) and mark it approved, in one transaction. Refused: one's own submission (403, four
    eyes), one decided already or with records in a finalized year (409), a file the workspace
    no longer accepts (422)."""
    with _access(request).open(write=True) as ws:
        user = authenticate(ws, token, DECIDE)
        try:
            with _refusals():
                decided = stage.approve(ws, submission_id, user)
        except DataError as exc:
            return _row_errors(exc)
    return _decision(decided)


@router.post(
    "/imports/{submission_id}/reject",
    response_model=Decision,
    responses={409: _CONFLICT},
    summary="Reject, with a reason",
)
def reject(
    request: Request, token: Token, submission_id: SubmissionId, body: Rejection
) -> Decision:
    """Mark the submission rejected with the reason; nothing is imported."""
    with _access(request).open(write=True) as ws, _refusals():
        user = authenticate(ws, token, DECIDE)
        return _decision(stage.reject(ws, submission_id, user, body.reason))


class _Oversize(Exception):
    pass


# Every other request's body: a calculation's settings, a rejection's reason, a login form.
# Without a limit FastAPI reads and parses a body whole before any token is checked, so anyone
# could make the server hold hundreds of megabytes (found by an attack on the server).
SMALL_BODY_BYTES = 64 * 1024


class UploadLimit:
    """413 for a request body over its limit, before it is read whole (ASGI middleware): an
    upload's (`POST /api/imports`, `POST /data/upload`) is the largest file a submission may be
    plus its multipart framing; every other request's SMALL_BODY_BYTES."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope.get("method") == "POST" and scope.get("path") in UPLOAD_PATHS
        limit = stage.MAX_UPLOAD_BYTES + FRAMING_BYTES if upload else SMALL_BODY_BYTES
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"").decode("latin-1")
        if length.isdigit() and int(length) > limit:
            await self._refuse(scope, receive, send, upload)
            return
        seen = 0
        tripped = False

        async def counted() -> Message:
            nonlocal seen, tripped
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    tripped = True
                    raise _Oversize
            return message

        async def unless_tripped(message: Message) -> None:
            # Once tripped, the app's own answer (FastAPI's 400 for an unreadable body) is
            # dropped; the 413 below replaces it. The body is read before any route runs, so
            # nothing has been sent yet.
            if not tripped:
                await send(message)

        with suppress(_Oversize):
            await self.app(scope, counted, unless_tripped)
        if tripped:
            await self._refuse(scope, receive, send, upload)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, upload: bool) -> None:
        most = stage.MAX_UPLOAD_BYTES
        detail = (
            f"the upload is larger than {most:,} bytes ({most / 2**20:g} MiB)"
            if upload
            else f"the request body is larger than {SMALL_BODY_BYTES:,} bytes"
        )
        response: Response
        if str(scope.get("path", "")).startswith("/api/"):
            response = JSONResponse({"detail": detail}, status.HTTP_413_CONTENT_TOO_LARGE)
        else:  # a page's form: a page, as the browser shows it
            message = f"The form was not read: {detail}. Send a smaller file or shorter fields."
            response = page(
                Request(scope),
                "message.html",
                {"title": "Too large", "message": message},
                status.HTTP_413_CONTENT_TOO_LARGE,
            )
        await response(scope, receive, send)
