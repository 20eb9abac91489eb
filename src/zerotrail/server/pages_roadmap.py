"""The roadmap, credits and claims, and reports pages.

    GET  /roadmap?year=Y             targets against their pathways (the report's charts) and
                                     initiatives with their abatement          figures readers
    GET  /credits?year=Y             credits, the year's neutrality claim as it stands, whether
                                     the year is final                         figures readers
    POST /credits/retire             form: credit_id, on, beneficiary, reason[, claim_year,
                                     quantity]                                 admin, analyst
    POST /credits/assign             form: credit_id, year                     admin, analyst
    POST /claims                     form: year (records the year's claim)     admin, analyst
    POST /finalize                   form: year                                admin, analyst
    GET  /reports                    the reports the server keeps; publish form
    POST /reports                    form: year (publishes the year's report)  admin, analyst
    GET  /reports/{year}/{file}      a report file, as an attachment           figures readers

Each calls the stage its REST route calls (api_roadmap.py, api_credits.py, api_reports.py),
with the same roles (roadmap_rules.py): an owner is told why it is not shown these figures,
a role that may not change them sees no forms and is refused (403) if it posts one anyway.
Every form carries the session's CSRF token (web.csrf_ok). A form is answered with the whole
page, its outcome in one line at the top (400 with the stage's line when refused); htmx swaps
the page's <main> in place (hx-select), and without JavaScript the browser shows the page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.concurrency import run_in_threadpool

from zerotrail.errors import ZerotrailError
from zerotrail.model.limits import FIRST_YEAR, LAST_YEAR
from zerotrail.model.users import User
from zerotrail.pipeline.claims import finalize_inventory, is_final, neutrality_preview, record_claim
from zerotrail.pipeline.credits import assign_credit, list_credits, retire_credit
from zerotrail.pipeline.initiatives import abatement_year
from zerotrail.pipeline.roadmap_view import roadmap_view
from zerotrail.pipeline.setup import Workspace
from zerotrail.server.auth import Rule
from zerotrail.server.errors import one_line
from zerotrail.server.report_folder import MEDIA, folder_of, kept_file, kept_reports, publish_here
from zerotrail.server.roadmap_rules import FINALIZE, MANAGE_CLAIMS, PUBLISH, READ_ROADMAP
from zerotrail.server.sessions import Session
from zerotrail.server.web import (
    EXPIRED,
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

# What a form's answer shows: the nav entry, title, template and its context.
Shown = tuple[str, str, str, dict[str, Any]]


class BadInput(ZerotrailError):
    """A page's query or form field that is not what it asks for (one line naming it)."""


def _year_text(text: str | None, what: str) -> int | None:
    if text is None or not text.strip():
        return None
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or not FIRST_YEAR <= int(value) <= LAST_YEAR:
        raise BadInput(
            f"{what}: {one_line(value)[:20]!r} is not a year from {FIRST_YEAR} to {LAST_YEAR}"
        )
    return int(value)


def _required_year(form: dict[str, str], name: str) -> int:
    year = _year_text(form.get(name), name)
    if year is None:
        raise BadInput(f"{name}: a year is required")
    return year


def _text(form: dict[str, str], name: str) -> str:
    value = form.get(name, "").strip()
    if not value:
        raise BadInput(f"{name} is required")
    return value


def _bad_request(request: Request, message: str) -> Response:
    return page(request, "message.html", {"title": "Bad request", "message": message}, 400)


# --- the pages' contents (each reads through the stages) -----------------------------------------


def _roadmap_context(ws: Workspace, year: int | None) -> dict[str, Any]:
    view = roadmap_view(ws, year)
    return {"view": view, "has_charts": any(c.wide for c in view.charts.values())}


def _credits_context(ws: Workspace, user: User, year: int | None) -> dict[str, Any]:
    shown = abatement_year(ws, year)
    found = list_credits(ws)
    claim, no_claim = None, ""
    try:
        claim = neutrality_preview(ws, shown)
    except ZerotrailError as exc:  # no neutrality target, or not one for this year
        no_claim = str(exc)
    return {
        "year": shown,
        "credits": found,
        "claim": claim,
        "no_claim": no_claim,
        "final": is_final(ws, shown),
        "may_manage": user.role in MANAGE_CLAIMS.roles,
        "may_finalize": user.role in FINALIZE.roles,
        "held": [c for c in found.credits if c.status == "held"],
        "retired": [c for c in found.credits if c.status == "retired"],
    }


def _reports_context(request: Request, ws: Workspace, user: User) -> dict[str, Any]:
    access = access_of(request)
    return {
        "reports": kept_reports(access),
        "keeps": folder_of(access) is not None,
        "may_publish": user.role in PUBLISH.roles,
        "latest": abatement_year(ws, None),
        "files": list(MEDIA),
    }


# --- GET pages -----------------------------------------------------------------------------------


def _show(
    request: Request,
    nav: str,
    title: str,
    template: str,
    build: Callable[[Workspace, User], dict[str, Any]],
) -> Response:
    with access_of(request).open() as ws:
        found = signed_in(request, ws)
        if isinstance(found, Response):
            return found
        user, session = found
        allowed = user.role in READ_ROADMAP.roles
        try:
            extra = build(ws, user) if allowed else {}
        except BadInput as exc:
            return _bad_request(request, str(exc))
    context = page_context(title, nav, user, session) | {
        "allowed": allowed,
        "why": READ_ROADMAP.why,
        "outcome": None,
    }
    return page(request, template, context | extra)


@router.get("/roadmap")
def roadmap_page(request: Request) -> Response:
    def build(ws: Workspace, _user: User) -> dict[str, Any]:
        return _roadmap_context(ws, _year_text(request.query_params.get("year"), "year"))

    return _show(request, "roadmap", "Roadmap", "roadmap.html", build)


@router.get("/credits")
def credits_page(request: Request) -> Response:
    def build(ws: Workspace, user: User) -> dict[str, Any]:
        return _credits_context(ws, user, _year_text(request.query_params.get("year"), "year"))

    return _show(request, "credits", "Credits and claims", "credits.html", build)


@router.get("/reports")
def reports_page(request: Request) -> Response:
    def build(ws: Workspace, user: User) -> dict[str, Any]:
        return _reports_context(request, ws, user)

    return _show(request, "reports", "Reports", "reports.html", build)


@router.get("/reports/{year}/{name}")
def report_download(request: Request, year: int, name: str) -> Response:
    with access_of(request).open() as ws:
        found = signed_in(request, ws)
        if isinstance(found, Response):
            return found
        user, _session = found
    if user.role not in READ_ROADMAP.roles:
        return forbidden(request, f"A {user.role} may not download reports: {READ_ROADMAP.why}.")
    path = kept_file(access_of(request), year, name)
    if path is None:
        return page(
            request,
            "message.html",
            {"title": "Not found", "message": f"No {name} of a {year} report is kept here."},
            404,
        )
    return FileResponse(path, media_type=MEDIA[name], filename=f"{year}-{name}")


# --- forms ---------------------------------------------------------------------------------------


async def _act(
    request: Request,
    rule: Rule,
    action: Callable[[Workspace, User, dict[str, str]], str],
    shown: Callable[[Workspace, User, dict[str, str]], Shown],
) -> Response:
    """A form: CSRF and role checked, `action` run in a workspace open for writing (its one
    line is the outcome; a stage's refusal is the outcome with 400), then the page `shown`
    gives (nav, title, template, context) rendered with it."""
    form = await read_form(request)
    live = logged_in(request)
    if live is None:
        return redirect("/login")
    if form is None or not csrf_ok(request, live[1], form):
        return forbidden(request, EXPIRED)
    assert form is not None

    def work() -> Response:
        with access_of(request).open(write=True) as ws:
            found = signed_in(request, ws)
            if isinstance(found, Response):
                return found
            user, session = found
            if user.role not in rule.roles:
                return forbidden(request, f"A {user.role} may not do this: {rule.why}.")
            try:
                outcome, status = action(ws, user, form), 200
            except ZerotrailError as exc:
                outcome, status = one_line(str(exc)), 400
            try:
                nav, title, template, extra = shown(ws, user, form)
            except BadInput:  # the form's year was the problem: show the page's own year
                nav, title, template, extra = shown(ws, user, {})
        return _page_after(request, user, session, (nav, title, template, extra), outcome, status)

    return await run_in_threadpool(work)


def _page_after(
    request: Request,
    user: User,
    session: Session,
    shown: Shown,
    outcome: str,
    status: int,
) -> Response:
    nav, title, template, extra = shown
    context = page_context(title, nav, user, session) | {
        "allowed": True,
        "why": READ_ROADMAP.why,
        "outcome": {"ok": status == 200, "text": outcome},
    }
    return page(request, template, context | extra, status)


def _credits_shown(ws: Workspace, user: User, form: dict[str, str]) -> Shown:
    year = _year_text(form.get("year") or form.get("claim_year"), "year")
    return "credits", "Credits and claims", "credits.html", _credits_context(ws, user, year)


@router.post("/credits/retire")
async def retire_form(request: Request) -> Response:
    def action(ws: Workspace, _user: User, form: dict[str, str]) -> str:
        credit_id = _text(form, "credit_id")
        text = _text(form, "on")
        try:
            on = date.fromisoformat(text)
        except ValueError:
            raise BadInput(f"on: {one_line(text)[:20]!r} is not a date (YYYY-MM-DD)") from None
        quantity_text = form.get("quantity", "").strip()
        if quantity_text and not (quantity_text.isascii() and quantity_text.isdigit()):
            raise BadInput("quantity: a whole number of credits is required")
        written = retire_credit(
            ws,
            credit_id,
            on=on,
            beneficiary=_text(form, "beneficiary"),
            reason=_text(form, "reason"),
            claim_year=_year_text(form.get("claim_year"), "claim_year"),
            quantity=int(quantity_text) if quantity_text else None,
        )
        return f"Retired: {', '.join(written)}."

    return await _act(request, MANAGE_CLAIMS, action, _credits_shown)


@router.post("/credits/assign")
async def assign_form(request: Request) -> Response:
    def action(ws: Workspace, _user: User, form: dict[str, str]) -> str:
        credit_id = _text(form, "credit_id")
        year = _required_year(form, "year")
        assign_credit(ws, credit_id, year)
        return f"Credit {credit_id} counts for the {year} claim."

    return await _act(request, MANAGE_CLAIMS, action, _credits_shown)


@router.post("/claims")
async def claim_form(request: Request) -> Response:
    def action(ws: Workspace, _user: User, form: dict[str, str]) -> str:
        year = _required_year(form, "year")
        claim = record_claim(ws, year)
        holds = "holds" if claim["holds"] else "does not hold"
        return f"The {year} claim was recorded (version {claim['version']}): it {holds}."

    return await _act(request, MANAGE_CLAIMS, action, _credits_shown)


@router.post("/finalize")
async def finalize_form(request: Request) -> Response:
    def action(ws: Workspace, _user: User, form: dict[str, str]) -> str:
        year = _required_year(form, "year")
        done = finalize_inventory(ws, year)
        if done.newly:
            return f"The {year} inventory (run {done.run_id}) is final."
        return f"The {year} inventory (run {done.run_id}) was final already."

    return await _act(request, FINALIZE, action, _credits_shown)


@router.post("/reports")
async def publish_form(request: Request) -> Response:
    def action(ws: Workspace, _user: User, form: dict[str, str]) -> str:
        year = _required_year(form, "year")
        done = publish_here(access_of(request), ws, year)
        size = done.checkpoint_size
        return f"Published {done.report_id}, built on the checkpoint of {size:,} records."

    def shown(ws: Workspace, user: User, _form: dict[str, str]) -> Shown:
        return "reports", "Reports", "reports.html", _reports_context(request, ws, user)

    return await _act(request, PUBLISH, action, shown)
