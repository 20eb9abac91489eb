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
from dataclasses import dataclass
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
from zerotrail.server.roadmap_rules import (
    FINALIZE,
    MANAGE_CLAIMS,
    PUBLISH,
    READ_CREDITS,
    READ_ROADMAP,
)
from zerotrail.server.sessions import Session
from zerotrail.server.web import (
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


# --- the pages (each reads through the stages) ---------------------------------------------------

# A page's template context for the year asked for (the text of the query's or the form's year
# field; None when it has none), read in the workspace open for the request.
Contents = Callable[[Request, Workspace, User, str | None], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class _Page:
    """A page of this module: its path, nav entry, title, template and what fills the template.
    Its GET route and every form that answers with it render it through `_render`."""

    path: str
    nav: str
    title: str
    template: str
    contents: Contents
    rule: Rule  # who may see its figures (the others get the page with one line saying why)


def _roadmap_contents(
    _request: Request, ws: Workspace, _user: User, year: str | None
) -> dict[str, Any]:
    view = roadmap_view(ws, _year_text(year, "year"))
    return {"view": view, "has_charts": any(c.wide for c in view.charts.values())}


def _credits_contents(
    _request: Request, ws: Workspace, user: User, year: str | None
) -> dict[str, Any]:
    shown = abatement_year(ws, _year_text(year, "year"))
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


def _reports_contents(
    request: Request, ws: Workspace, user: User, _year: str | None
) -> dict[str, Any]:
    access = access_of(request)
    return {
        "reports": kept_reports(access),
        "keeps": folder_of(access) is not None,
        "may_publish": user.role in PUBLISH.roles,
        "latest": abatement_year(ws, None),
        "files": list(MEDIA),
    }


ROADMAP = _Page("/roadmap", "roadmap", "Roadmap", "roadmap.html", _roadmap_contents, READ_ROADMAP)
CREDITS = _Page(
    "/credits", "credits", "Credits and claims", "credits.html", _credits_contents, READ_CREDITS
)
REPORTS = _Page("/reports", "reports", "Reports", "reports.html", _reports_contents, READ_CREDITS)


def _render(
    request: Request,
    shown: _Page,
    user: User,
    session: Session,
    contents: dict[str, Any],
    *,
    allowed: bool = True,
    outcome: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The page `shown` for the signed-in user, with `contents` and a form's `outcome` line."""
    context = page_context(shown.title, shown.nav, user, session) | {
        "allowed": allowed,
        "why": shown.rule.why,
        "outcome": outcome,
    }
    return page(request, shown.template, context | contents, status)


# --- GET pages -----------------------------------------------------------------------------------


def _get_route(shown: _Page) -> Callable[[Request], Response]:
    """The GET route of `shown`, for the year in its query (400 when that is not a year)."""

    def show(request: Request) -> Response:
        with access_of(request).open() as ws:
            found = signed_in(request, ws)
            if isinstance(found, Response):
                return found
            user, session = found
            allowed = user.role in shown.rule.roles
            year = request.query_params.get("year")
            try:
                contents = shown.contents(request, ws, user, year) if allowed else {}
            except BadInput as exc:
                return _bad_request(request, str(exc))
        return _render(request, shown, user, session, contents, allowed=allowed)

    return show


for _shown in (ROADMAP, CREDITS, REPORTS):
    router.add_api_route(
        _shown.path, _get_route(_shown), methods=["GET"], name=f"{_shown.nav}_page"
    )


@router.get("/reports/{year}/{name}")
def report_download(request: Request, year: int, name: str) -> Response:
    with access_of(request).open() as ws:
        found = signed_in(request, ws)
        if isinstance(found, Response):
            return found
    user = found[0]
    if user.role not in READ_CREDITS.roles:
        why = f"{a_role(user.role)} may not download reports: {READ_CREDITS.why}."
        return forbidden(request, why, found)
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

# What a form does: it runs in the workspace open for writing and returns its outcome's one line
# (a ZerotrailError is the stage's refusal).
Action = Callable[[Request, Workspace, dict[str, str]], str]


async def _act(request: Request, rule: Rule, action: Action, shown: _Page) -> Response:
    """A form: CSRF and role checked, `action` run in a workspace open for writing (its one
    line is the outcome; a stage's refusal is the outcome with 400), then the page `shown`
    rendered with it, for the form's year."""
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
                return forbidden(
                    request, f"{a_role(user.role)} may not do this: {rule.why}.", found
                )
            try:
                outcome, status = action(request, ws, form), 200
            except ZerotrailError as exc:
                outcome, status = one_line(str(exc)), 400
            year = form.get("year") or form.get("claim_year")
            try:
                contents = shown.contents(request, ws, user, year)
            except BadInput:  # the form's year was the problem: show the page's own year
                contents = shown.contents(request, ws, user, None)
        line = {"ok": status == 200, "text": outcome}
        return _render(request, shown, user, session, contents, outcome=line, status=status)

    return await run_in_threadpool(work)


def _form(path: str, rule: Rule, shown: _Page) -> Callable[[Action], Action]:
    """Serve `action` as the form posted to `path`, open to `rule`'s roles and answered with
    the page `shown` (`_act`); the route is named as the action."""

    def register(action: Action) -> Action:
        async def post(request: Request) -> Response:
            return await _act(request, rule, action, shown)

        router.add_api_route(path, post, methods=["POST"], name=action.__name__)
        return action

    return register


@_form("/credits/retire", MANAGE_CLAIMS, CREDITS)
def retire_form(_request: Request, ws: Workspace, form: dict[str, str]) -> str:
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


@_form("/credits/assign", MANAGE_CLAIMS, CREDITS)
def assign_form(_request: Request, ws: Workspace, form: dict[str, str]) -> str:
    credit_id = _text(form, "credit_id")
    year = _required_year(form, "year")
    assign_credit(ws, credit_id, year)
    return f"Credit {credit_id} counts for the {year} claim."


@_form("/claims", MANAGE_CLAIMS, CREDITS)
def claim_form(_request: Request, ws: Workspace, form: dict[str, str]) -> str:
    year = _required_year(form, "year")
    claim = record_claim(ws, year)
    holds = "holds" if claim["holds"] else "does not hold"
    return f"The {year} claim was recorded (version {claim['version']}): it {holds}."


@_form("/finalize", FINALIZE, CREDITS)
def finalize_form(_request: Request, ws: Workspace, form: dict[str, str]) -> str:
    year = _required_year(form, "year")
    done = finalize_inventory(ws, year)
    if done.newly:
        return f"The {year} inventory (run {done.run_id}) is final."
    return f"The {year} inventory (run {done.run_id}) was final already."


@_form("/reports", PUBLISH, REPORTS)
def publish_form(request: Request, ws: Workspace, form: dict[str, str]) -> str:
    year = _required_year(form, "year")
    done = publish_here(access_of(request), ws, year)
    size = done.checkpoint_size
    return f"Published {done.report_id}, built on the checkpoint of {size:,} records."
