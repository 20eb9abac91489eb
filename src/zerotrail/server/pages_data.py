"""The data page: upload a file for approval, see its row errors in place, and the approval queue.

    GET  /data                  the upload form (submitters), the submissions the user may see,
                                and the queue of pending submissions (deciders)
    POST /data/upload           multipart: csrf_token, kind, file      submitters (auth.SUBMIT)
    POST /data/{id}/approve     form: csrf_token                       deciders (auth.DECIDE)
    POST /data/{id}/reject      form: csrf_token, reason (required)    deciders

Every form calls the approval stage (pipeline/submissions.py: submit, submissions_for, approve,
reject), as `POST /api/imports` and its approval routes do, with the same roles and answers:
row errors 422 (each with row, column and message, shown as a table), a decision made already
or a finalized year 409, four eyes 403, no such submission 404, too large 413. A form sent by
htmx (HX-Request) is answered with the fragment that replaces its result in place; without
JavaScript the same form answers with the whole page, the result in the same place.

The upload names what its file holds (`kind`: activity records or meter readings, the stage's
KINDS; activities when the form sends none), and the list and the queue show each submission's.

The upload's body is bounded before it is read, as the API's: submissions.UploadLimit counts
this path among the uploads (stage.MAX_UPLOAD_BYTES plus the multipart framing), and the form
is parsed with at most one file and a few fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from zerotrail.errors import DataError, ZerotrailError
from zerotrail.model.users import User
from zerotrail.pipeline import submissions as stage
from zerotrail.server.auth import DECIDE, READ_SUBMISSIONS, SUBMIT, Rule
from zerotrail.server.errors import one_line
from zerotrail.server.sessions import Session
from zerotrail.server.web import (
    CSRF_FIELD,
    EXPIRED,
    a_role,
    access_of,
    csrf_ok,
    forbidden,
    logged_in,
    page,
    page_context,
    read_form,
    redirect,
    signed_in,
)

router = APIRouter(include_in_schema=False)

Made = TypeVar("Made")  # what a form's stage call made

# The upload form has two fields beside its file (the CSRF token, the kind): a body with more
# than a few is not this form, and is refused before more of it is parsed.
MOST_FIELDS = 4
# The kinds of file the form offers, in the stage's order, as its selector names them.
KIND_CHOICES = tuple((k, stage.KIND_NAMES[k].capitalize()) for k in stage.KINDS)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a form did, shown in place: its HTTP status, one line, and what it made."""

    status: int
    message: str
    ok: bool = False
    problems: list[dict[str, Any]] = field(default_factory=list)
    submission: stage.Submission | None = None
    decided: stage.Decided | None = None
    # After an upload: the user's list with the new submission in it, for htmx to swap in.
    listed: list[stage.Submission] | None = None
    viewer: User | None = None


def _refusal(exc: ZerotrailError) -> Outcome:
    """A stage's refusal as the status the API answers it with, and its one line."""
    if isinstance(exc, DataError):
        problems = [
            {"file": p.source, "row": p.row, "column": p.column, "message": one_line(p.message)}
            for p in exc.problems
        ]
        return Outcome(422, one_line(str(exc)), problems=problems)
    codes = (
        (stage.SubmissionNotFound, 404),
        (stage.FourEyesError, 403),
        (stage.DecisionConflict, 409),
        (stage.TooLarge, 413),
    )
    status = next((code for kind, code in codes if isinstance(exc, kind)), 400)
    return Outcome(status, one_line(str(exc)))


def _htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _to_login(request: Request, response: Response | None = None) -> Response:
    """The redirect to the login page (`response`: signed_in's, which may drop the cookie).
    To htmx it is an HX-Redirect header instead: a 303 would be followed by fetch, and the
    login page swapped in where the form's result goes."""
    response = response or redirect("/login")
    if _htmx(request) and "location" in response.headers:
        response.headers["hx-redirect"] = response.headers["location"]
        del response.headers["location"]
        response.status_code = 204
    return response


def _expired(request: Request, fragment: str, extra: dict[str, Any]) -> Response:
    """A form without its session's CSRF token: 403, in place for htmx."""
    if _htmx(request):
        return page(request, fragment, {"outcome": Outcome(403, EXPIRED)} | extra, 403)
    return forbidden(request, EXPIRED)


def _allowed(request: Request, ws: Any, rule: Rule, doing: str) -> User | Outcome | Response:
    """The signed-in user when `rule` lets its role do `doing`; else a 403 outcome naming why,
    or signed_in's answer when the session ended or its user was disabled."""
    signed = signed_in(request, ws)
    if isinstance(signed, Response):
        return signed
    user, _ = signed
    if user.role not in rule.roles:
        return Outcome(403, f"{a_role(user.role)} may not {doing}: {rule.why}.")
    return user


async def _act(
    request: Request,
    rule: Rule,
    doing: str,
    act: Callable[[Any, User], Made],
    said: Callable[[Any, User, Made], Outcome],
) -> Outcome | Response:
    """`act(ws, user)` in the workspace open for writing, when `rule` lets the signed-in user
    do `doing`, and `said(ws, user, made)` its outcome; a stage's refusal (a ZerotrailError of
    `act`) is the outcome the API answers it with, a role's the 403 one. When the session ended
    or its user was disabled, the redirect to the login page."""

    def work() -> Outcome | Response:
        with access_of(request).open(write=True) as ws:
            user = _allowed(request, ws, rule, doing)
            if not isinstance(user, User):
                return user
            try:
                made = act(ws, user)
            except ZerotrailError as exc:
                return _refusal(exc)
            return said(ws, user, made)

    outcome = await run_in_threadpool(work)
    if isinstance(outcome, Response):
        return _to_login(request, outcome)
    return outcome


def _context(ws: Any, user: User, session: Session) -> dict[str, Any]:
    """The page's data: what the user may see and do."""
    visible = stage.submissions_for(ws, user) if user.role in READ_SUBMISSIONS.roles else []
    deciding = user.role in DECIDE.roles
    return (
        page_context("Data", "data", user, session)
        | {
            "can_submit": user.role in SUBMIT.roles,
            "submit_why": SUBMIT.why,
            "can_decide": deciding,
            "submissions": visible,
            "pending": [s for s in visible if s.status == "submitted"] if deciding else [],
            "max_mib": stage.MAX_UPLOAD_BYTES // 2**20,
        }
        | _kinds()
    )


def _kinds(chosen: str = "activities") -> dict[str, Any]:
    """What the upload form's selector and the lists need of the kinds: their choices, each
    kind's name, and the kind selected (the one sent, when the whole page answers a form)."""
    return {"kind_choices": KIND_CHOICES, "kind_names": stage.KIND_NAMES, "chosen_kind": chosen}


async def _answer(
    request: Request, outcome: Outcome, fragment: str, extra: dict[str, Any], where: str
) -> Response:
    """The fragment that replaces the form's result (htmx), or the whole page with the
    outcome in its place (`where`: "upload" or "decision")."""
    if _htmx(request):
        return page(request, fragment, {"outcome": outcome} | extra, outcome.status)

    def whole() -> dict[str, Any] | Response:
        with access_of(request).open() as ws:
            found = signed_in(request, ws)
            if isinstance(found, Response):  # disabled since the form was sent
                return _to_login(request, found)
            if found[0].role not in READ_SUBMISSIONS.roles:  # not shown the page: its line only
                return forbidden(request, outcome.message, found)
            return _context(ws, *found)

    context = await run_in_threadpool(whole)
    if isinstance(context, Response):
        return context
    return page(request, "data.html", context | extra | {where: outcome}, outcome.status)


@router.get("/data")
def data_page(request: Request) -> Response:
    with access_of(request).open() as ws:
        found = signed_in(request, ws)
        if isinstance(found, Response):
            return found
        user = found[0]
        if user.role not in READ_SUBMISSIONS.roles:
            why = f"{a_role(user.role)} may not see submitted data: {READ_SUBMISSIONS.why}."
            return forbidden(request, why, found)
        context = _context(ws, *found)
    return page(request, "data.html", context)


async def _upload_form(request: Request) -> tuple[str, str, str, bytes] | Outcome:
    """The CSRF token, the kind (activities when none is sent; the stage refuses an unknown
    one), the file's name and its bytes (at most one more than the stage takes, so that it can
    say the file is too large), or what is wrong with the form."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "multipart/form-data":
        return Outcome(400, "This is not the upload form: choose a file and send the form.")
    try:
        # `async with`: the spooled file of the upload is closed (and removed) after.
        async with request.form(max_files=1, max_fields=MOST_FIELDS) as form:
            token = form.get(CSRF_FIELD)
            held = form.get("kind")
            upload = form.get("file")
            if not isinstance(upload, UploadFile) or not upload.filename:
                return Outcome(400, "No file was chosen: choose a .csv, .xlsx or .parquet file.")
            content = await upload.read(stage.MAX_UPLOAD_BYTES + 1)
            return (
                token if isinstance(token, str) else "",
                held if isinstance(held, str) and held else "activities",
                upload.filename,
                content,
            )
    except HTTPException as exc:  # Starlette's refusal of a malformed form, or too many parts
        return Outcome(400, f"The form could not be read: {one_line(str(exc.detail))}.")


@router.post("/data/upload")
async def upload(request: Request) -> Response:
    found = logged_in(request)
    if found is None:
        return _to_login(request)
    _session_id, session = found
    read = await _upload_form(request)
    if isinstance(read, Outcome):
        return await _answer(request, read, "data_upload.html", {}, "upload")
    token, kind, name, content = read
    if not csrf_ok(request, session, {CSRF_FIELD: token}):
        return _expired(request, "data_upload.html", {})

    def submitted(ws: Any, user: User, made: stage.Submission) -> Outcome:
        listed = stage.submissions_for(ws, user)
        line = f"{made.file_name} was submitted for approval."
        return Outcome(201, line, True, submission=made, listed=listed, viewer=user)

    outcome = await _act(
        request,
        SUBMIT,
        "submit data",
        lambda ws, user: stage.submit(ws, user, name, content, kind),
        submitted,
    )
    if isinstance(outcome, Response):
        return outcome
    # To htmx, the list too (out of band): the fragment alone would leave it stale. The whole
    # page has its list already.
    chosen = kind if kind in stage.KINDS else "activities"
    extra = {"oob": _htmx(request)} | _kinds(chosen)
    return await _answer(request, outcome, "data_upload.html", extra, "upload")


async def _decision(request: Request, submission_id: str, approving: bool) -> Response:
    extra = {"decided_id": submission_id}
    found = logged_in(request)
    if found is None:
        return _to_login(request)
    _session_id, session = found
    form = await read_form(request)
    if not csrf_ok(request, session, form):
        return _expired(request, "data_decision.html", extra)
    reason = (form or {}).get("reason", "")

    def decide(ws: Any, user: User) -> stage.Decided:
        if approving:
            return stage.approve(ws, submission_id, user)
        return stage.reject(ws, submission_id, user, reason)

    def decided(_ws: Any, _user: User, done: stage.Decided) -> Outcome:
        s = done.submission
        if done.report is None:
            line = f"{s.file_name} was rejected: {s.reason}"
        else:
            r = done.report
            line = (
                f"{s.file_name} was approved and imported: {r.rows} record(s), {r.added} added,"
                f" {r.replaced} replaced, {r.unchanged} unchanged."
            )
        return Outcome(200, line, True, decided=done)

    outcome = await _act(request, DECIDE, "decide", decide, decided)
    if isinstance(outcome, Response):
        return outcome
    return await _answer(request, outcome, "data_decision.html", extra, "decision")


@router.post("/data/{submission_id}/approve")
async def approve(request: Request, submission_id: str) -> Response:
    return await _decision(request, submission_id, approving=True)


@router.post("/data/{submission_id}/reject")
async def reject(request: Request, submission_id: str) -> Response:
    return await _decision(request, submission_id, approving=False)
